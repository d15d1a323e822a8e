/**
 * The options every agent adapter takes (`mcp-sse/ai`, `mcp-sse/langchain`,
 * `mcp-sse/openai-agents`), checked once, and the selection of the manager's tools they imply.
 * Nothing here knows a framework.
 */

import type { QualifiedTool } from "../client/manager.js";
import { matchesToolPattern } from "../config/tools.js";
import { McpSseError } from "../errors.js";
import { MAX_TIMER_MS } from "../sse/backoff.js";

/** An adapter option is out of range or of the wrong type. */
export const AGENTS_INVALID_OPTION = "AGENTS_INVALID_OPTION";

/** How a tool is named for the model (before sanitising, see names.ts). */
export type NameStyle = "qualified" | "tool";

/** Default name style: the manager's qualified name (`server__tool`), unique across servers. */
export const DEFAULT_NAME_STYLE: NameStyle = "qualified";

export interface AgentToolsOptions {
  /** Only the tools of these servers (by configured name). Default: every server. */
  servers?: readonly string[];
  /**
   * Only tools whose qualified name (`server__tool`) or bare tool name matches one of these
   * names or `*` globs. Default: every tool.
   */
  include?: readonly string[];
  /** Leave out tools whose qualified or bare name matches one of these (wins over `include`). */
  exclude?: readonly string[];
  /**
   * `"qualified"` (default `DEFAULT_NAME_STYLE`): `server__tool`; `"tool"`: the bare tool
   * name. Either is then sanitised for the model APIs and de-duplicated deterministically.
   */
  nameStyle?: NameStyle;
  /**
   * Per-call timeout, ms (> 0, at most `MAX_TIMER_MS`). Default: the server's
   * `timeout` from the config. Progress notifications extend it, as for `manager.call`.
   */
  timeout?: number;
}

/** Options after checking: every field present or deliberately undefined. */
export interface CheckedOptions {
  servers: readonly string[] | undefined;
  include: readonly string[] | undefined;
  exclude: readonly string[] | undefined;
  nameStyle: NameStyle;
  timeout: number | undefined;
}

function invalid(adapter: string, option: string, why: string): McpSseError {
  return new McpSseError(AGENTS_INVALID_OPTION, `${adapter}: option "${option}" ${why}.`, {
    details: { adapter, option },
  });
}

function checkList(adapter: string, option: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v !== ""))
    throw invalid(adapter, option, "must be an array of non-empty strings");
  return value;
}

/** Checks `options` for the adapter named `adapter` (its name goes into every message). */
export function checkOptions(adapter: string, options: AgentToolsOptions = {}): CheckedOptions {
  const nameStyle = options.nameStyle ?? DEFAULT_NAME_STYLE;
  if (nameStyle !== "qualified" && nameStyle !== "tool")
    throw invalid(adapter, "nameStyle", `must be "qualified" or "tool" (got ${String(nameStyle)})`);
  const { timeout } = options;
  if (
    timeout !== undefined &&
    (typeof timeout !== "number" || !(timeout > 0) || timeout > MAX_TIMER_MS)
  )
    throw invalid(adapter, "timeout", `must be ms > 0 and <= ${MAX_TIMER_MS}`);
  return {
    servers: checkList(adapter, "servers", options.servers),
    include: checkList(adapter, "include", options.include),
    exclude: checkList(adapter, "exclude", options.exclude),
    nameStyle,
    timeout,
  };
}

function matchesAny(patterns: readonly string[], tool: QualifiedTool): boolean {
  return patterns.some(
    (p) => matchesToolPattern(p, tool.qualifiedName) || matchesToolPattern(p, tool.name),
  );
}

/** The manager's tools that `options` selects, in the manager's order. */
export function selectTools(
  tools: readonly QualifiedTool[],
  options: CheckedOptions,
): QualifiedTool[] {
  return tools.filter((tool) => {
    if (options.servers !== undefined && !options.servers.includes(tool.server)) return false;
    if (options.exclude !== undefined && matchesAny(options.exclude, tool)) return false;
    return options.include === undefined || matchesAny(options.include, tool);
  });
}
