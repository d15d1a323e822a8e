/**
 * The options every agent adapter takes (`mcp-sse/ai`, `mcp-sse/langchain`,
 * `mcp-sse/openai-agents`), checked once, and the selection of the manager's tools they imply.
 * Nothing here knows a framework.
 */

import type { CallToolResult } from "@modelcontextprotocol/client";
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

/** The call an interceptor sees: which tool, on which server, with which arguments. */
export interface ToolCallInfo {
  server: string;
  /** The tool's name on its server. */
  tool: string;
  /** `server` + separator + `tool` (the manager's name, whatever name the model sees). */
  qualifiedName: string;
  /** The arguments the model gave (after `beforeCall`, in `afterCall`). */
  args: Record<string, unknown>;
}

/** What `beforeCall` may change about a call (each part optional). */
export interface CallChanges {
  /** The arguments to send instead of the model's (the whole object, not merged). */
  args?: Record<string, unknown>;
  /**
   * HTTP headers for this call only, on the POST that carries it (`manager.call`'s
   * `headers`: over a configured header of the same name; secret-looking values redacted;
   * a stdio server or a reserved name fails the call with `CLIENT_INVALID_OPTION`).
   */
  headers?: Record<string, string>;
}

/**
 * Runs before each call: returns what to change (`{ args?, headers? }`), or `undefined` to
 * send the call as it is. A throw (or rejection) stops the call: the model gets the error's
 * message as the framework's tool error.
 */
export type BeforeCall = (
  call: ToolCallInfo,
) => CallChanges | undefined | Promise<CallChanges | undefined>;

/**
 * Runs after each call that returned a result (an `isError` one too, not a failed call):
 * returns the result the framework gets (or `undefined` to keep it). A throw becomes the
 * framework's tool error, like a failing call.
 */
export type AfterCall = (
  call: ToolCallInfo & { result: CallToolResult },
) => CallToolResult | undefined | Promise<CallToolResult | undefined>;

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
  /** Called before each call, e.g. to check, fill in or rewrite arguments. Default: none. */
  beforeCall?: BeforeCall;
  /** Called after each call that returned a result, e.g. to trim or redact it. Default: none. */
  afterCall?: AfterCall;
}

/** What a call needs from the options (`callForAgent`). */
export interface CallSettings {
  timeout: number | undefined;
  beforeCall: BeforeCall | undefined;
  afterCall: AfterCall | undefined;
}

/** Options after checking: every field present or deliberately undefined. */
export interface CheckedOptions extends CallSettings {
  servers: readonly string[] | undefined;
  include: readonly string[] | undefined;
  exclude: readonly string[] | undefined;
  nameStyle: NameStyle;
}

/** `AGENTS_INVALID_OPTION` for `option` of `adapter`: `why` says what it must be. */
export function invalidOption(adapter: string, option: string, why: string): McpSseError {
  return new McpSseError(AGENTS_INVALID_OPTION, `${adapter}: option "${option}" ${why}.`, {
    details: { adapter, option },
  });
}

function checkList(adapter: string, option: string, value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v !== ""))
    throw invalidOption(adapter, option, "must be an array of non-empty strings");
  return value;
}

function checkFunction<F>(adapter: string, option: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== "function")
    throw invalidOption(adapter, option, "must be a function");
  return value;
}

/** Checks `options` for the adapter named `adapter` (its name goes into every message). */
export function checkOptions(adapter: string, options: AgentToolsOptions = {}): CheckedOptions {
  const nameStyle = options.nameStyle ?? DEFAULT_NAME_STYLE;
  if (nameStyle !== "qualified" && nameStyle !== "tool")
    throw invalidOption(
      adapter,
      "nameStyle",
      `must be "qualified" or "tool" (got ${String(nameStyle)})`,
    );
  const { timeout } = options;
  if (
    timeout !== undefined &&
    (typeof timeout !== "number" || !(timeout > 0) || timeout > MAX_TIMER_MS)
  )
    throw invalidOption(adapter, "timeout", `must be ms > 0 and <= ${MAX_TIMER_MS}`);
  return {
    servers: checkList(adapter, "servers", options.servers),
    include: checkList(adapter, "include", options.include),
    exclude: checkList(adapter, "exclude", options.exclude),
    nameStyle,
    timeout,
    beforeCall: checkFunction(adapter, "beforeCall", options.beforeCall),
    afterCall: checkFunction(adapter, "afterCall", options.afterCall),
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
