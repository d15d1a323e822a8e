/**
 * `mcp-sse/openai-agents`: the configured servers' tools and events in the OpenAI Agents SDK
 * (`@openai/agents`).
 *
 * ```ts
 * const mcps = await connectMcps("mcps.yaml");
 * const agent = new Agent({ name: "watcher", instructions, tools: mcpsTools(mcps) });
 * const result = await run(agent, "watch btc");
 * ```
 */

import type { CallToolResult } from "@modelcontextprotocol/client";
import type { FunctionTool, RunContext } from "@openai/agents";
import type { McpsManager } from "../client/manager.js";
import { callForAgent, resultText } from "./call.js";
import { type NamedTool, ToolCatalog } from "./catalog.js";
import { EventWindow, type EventWindowOptions, withEvents } from "./events.js";
import { liveArray } from "./live.js";
import { type AgentToolsOptions, type CallSettings, checkOptions } from "./options.js";
import { loadPeer } from "./peer.js";
import { AgentToolError, schemaForModel } from "./tool-shape.js";

const ADAPTER = "mcp-sse/openai-agents";
const agents = await loadPeer(
  ADAPTER,
  "@openai/agents",
  ">=0.20.0 <1",
  () => import("@openai/agents"),
);

export type McpsAgentToolsOptions = AgentToolsOptions;

/** The Agents SDK's non-strict JSON Schema parameters (its `JsonObjectSchemaNonStrict`, not exported). */
interface NonStrictParameters {
  type: "object";
  properties: Record<string, Record<string, unknown>>;
  required: string[];
  additionalProperties: true;
}

/**
 * A tool's output when its result has images: the Agents SDK's structured tool outputs
 * (`ToolOutputText`, `ToolOutputImage`), which it sends the model as `input_text` /
 * `input_image` items.
 */
export type McpsToolOutput =
  | { type: "text"; text: string }
  | { type: "image"; image: { data: string; mediaType: string } };

/**
 * One MCP tool as an Agents SDK function tool (JSON Schema parameters; the result's text, or
 * text and images when it has images).
 */
export type McpsFunctionTool = FunctionTool<
  unknown,
  NonStrictParameters,
  string | McpsToolOutput[]
>;

/**
 * A result as a function tool's output: its text when it has no image; else text and image
 * outputs in the result's order. Audio stays a `[audio <type>]` placeholder: the Agents SDK has
 * no audio tool output (its `file` output is for documents).
 */
function toolOutput(result: CallToolResult, text: string): string | McpsToolOutput[] {
  const parts = result.content ?? [];
  if (!parts.some((p) => p.type === "image")) return text;
  return parts.map((part): McpsToolOutput => {
    if (part.type === "image")
      return { type: "image", image: { data: part.data, mediaType: part.mimeType } };
    return { type: "text", text: resultText({ content: [part] }) };
  });
}

/**
 * What the model reads when a call fails. For our own failures, the server's message (or the
 * client's `CODE: message`); anything else is an unexpected bug in a tool and gets the
 * Agents SDK's own kind of generic text, so nothing internal leaks to the model.
 */
function errorText(_context: RunContext<unknown>, error: unknown): string {
  if (error instanceof AgentToolError) return error.message;
  return "An error occurred while running the tool. Please try again.";
}

function toAgentsTool(manager: McpsManager, settings: CallSettings) {
  return ({ name, tool }: NamedTool): McpsFunctionTool =>
    agents.tool({
      name,
      description: tool.description ?? `${tool.name} on ${tool.server}`,
      // MCP schemas are not written for strict mode (optional fields, open objects).
      parameters: schemaForModel(tool.inputSchema) as unknown as NonStrictParameters,
      strict: false,
      execute: async (input, _context, details) => {
        const outcome = await callForAgent(manager, tool, input, settings, details?.signal);
        if (outcome.ok) return toolOutput(outcome.result, outcome.text);
        throw new AgentToolError(outcome.message, {
          server: tool.server,
          tool: tool.name,
          code: outcome.code,
        });
      },
      errorFunction: errorText,
    });
}

/**
 * The manager's tools as Agents SDK function tools, for `new Agent({ tools })`. The array is
 * live: the Agent reads it before each turn and sees the tools of that moment (a server that
 * reconnected with other tools, or listed them again after `tools/list_changed`); copy it
 * (`[...tools, myTool]`) to add your own, which freezes that copy. A failing call (an `isError`
 * result, a timeout, a lost connection) is the function call's output, carrying the server's
 * message; aborting the run's `signal` cancels the call.
 */
export function mcpsTools(
  manager: McpsManager,
  options: McpsAgentToolsOptions = {},
): McpsFunctionTool[] {
  const checked = checkOptions(ADAPTER, options);
  const catalog = new ToolCatalog(manager, checked, toAgentsTool(manager, checked));
  return liveArray(() => catalog.list(), `${ADAPTER} mcpsTools()`);
}

/** Calls `listener` with the new tool names whenever the selected tools change. */
export function onMcpsToolsChanged(
  manager: McpsManager,
  listener: (names: string[]) => void,
  options: McpsAgentToolsOptions = {},
): () => void {
  const catalog = new ToolCatalog(manager, checkOptions(ADAPTER, options), () => undefined);
  return catalog.onToolsChanged((entries) => listener(entries.map((e) => e.name)));
}

/**
 * Agent `instructions` that show the model, each turn, the events that arrived since its last
 * turn (from an `EventWindow`) after `base`: `new Agent({ instructions: mcpsEventInstructions(window, base) })`.
 */
export function mcpsEventInstructions(
  window: EventWindow,
  base = "",
): (context: RunContext<unknown>, agent: unknown) => string {
  return () => withEvents(base, window.take());
}

export type { AfterCall, BeforeCall, CallChanges, ToolCallInfo } from "./options.js";
export { EventWindow, type EventWindowOptions };
