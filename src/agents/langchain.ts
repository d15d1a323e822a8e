/**
 * `mcp-sse/langchain`: the configured servers' tools and events in LangChain.js
 * (`@langchain/core` 1.x).
 *
 * ```ts
 * const toolkit = mcpsToolkit(await connectMcps("mcps.yaml"));
 * const ai = await model.bindTools(toolkit.getTools()).invoke(messages);   // before each step
 * for (const call of ai.tool_calls ?? []) messages.push(await toolkit.toolByName(call.name)!.invoke(call));
 * ```
 */

import type { CallbackManagerForToolRun } from "@langchain/core/callbacks/manager";
import type { ToolMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { DynamicStructuredTool } from "@langchain/core/tools";
import type { CallToolResult } from "@modelcontextprotocol/client";
import type { EventsOptions, McpsManager } from "../client/manager.js";
import { callForAgent } from "./call.js";
import { type CatalogEntry, type NamedTool, ToolCatalog } from "./catalog.js";
import { EventWindow, type EventWindowOptions, eventData, withEvents } from "./events.js";
import { type AgentToolsOptions, type CallSettings, checkOptions } from "./options.js";
import { loadPeer } from "./peer.js";
import { AgentToolError, schemaForModel, toolMetadata } from "./tool-shape.js";

const ADAPTER = "mcp-sse/langchain";
const PEER = "@langchain/core";
const RANGE = ">=1.0.0 <2";
const [tools, messages, dispatch] = await loadPeer(ADAPTER, PEER, RANGE, () =>
  Promise.all([
    import("@langchain/core/tools"),
    import("@langchain/core/messages"),
    import("@langchain/core/callbacks/dispatch"),
  ]),
);

export type McpsToolkitOptions = AgentToolsOptions;

/** The custom event name server events are dispatched under (`on_custom_event` in `streamEvents`). */
export const EVENT_NAME = "mcps_event";

type ToolCallConfig = RunnableConfig & { toolCall?: { id?: string } };

/**
 * A DynamicStructuredTool whose failures never escape an agent loop: invoked with a tool call
 * (what a model's `tool_calls` are), a failure — the server's, or input that does not match
 * the schema — is a `ToolMessage` with `status: "error"`, as LangGraph's ToolNode makes them.
 */
class McpsTool extends tools.DynamicStructuredTool {
  // The base signature's return type is generic over the input; a tool answers a ToolMessage
  // or its content, whichever the base would.
  // biome-ignore lint/suspicious/noExplicitAny: the override must match the base's generic return
  override async invoke(input: unknown, config?: RunnableConfig): Promise<any> {
    try {
      return await super.invoke(input as never, config);
    } catch (error) {
      const call = input as { type?: string; id?: string; name?: string };
      if (!(error instanceof tools.ToolInputParsingException) || call.type !== "tool_call")
        throw error;
      return errorMessage(error.message, call.id ?? "", this.name);
    }
  }
}

/** Content blocks of LangChain's v1 standard (`@langchain/core` 1.x `ContentBlock.Standard`). */
type Block =
  | { type: "text"; text: string }
  | { type: "image" | "audio"; mimeType: string; data: string };

/**
 * What a ToolMessage carries for a result: its text when it is only text (what every chat model
 * takes), else LangChain's standard content blocks — images and audio as base64 `image` /
 * `audio` blocks, which the provider packages turn into what their model API takes (as
 * `@langchain/mcp-adapters` does with `useStandardContentBlocks`).
 */
function toolMessageContent(result: CallToolResult, text: string): string | Block[] {
  const parts = result.content ?? [];
  if (!parts.some((p) => p.type === "image" || p.type === "audio")) return text;
  return parts.map((part): Block => {
    if (part.type === "text") return { type: "text", text: part.text };
    if (part.type === "image" || part.type === "audio")
      return { type: part.type, mimeType: part.mimeType, data: part.data };
    return { type: "text", text: JSON.stringify(part) };
  });
}

function errorMessage(content: string, toolCallId: string, name: string): ToolMessage {
  return new messages.ToolMessage({ content, tool_call_id: toolCallId, name, status: "error" });
}

function toLangChainTool(manager: McpsManager, settings: CallSettings) {
  return ({ name, tool }: NamedTool): DynamicStructuredTool =>
    new McpsTool({
      name,
      description: tool.description ?? `${tool.name} on ${tool.server}`,
      schema: schemaForModel(tool.inputSchema),
      metadata: toolMetadata(tool),
      func: async (
        input: unknown,
        _run?: CallbackManagerForToolRun,
        config?: ToolCallConfig,
      ): Promise<ToolMessage | string> => {
        const signal = config?.signal;
        const outcome = await callForAgent(manager, tool, input, settings, signal);
        const id = config?.toolCall?.id;
        if (outcome.ok) {
          if (id === undefined) return outcome.text;
          return new messages.ToolMessage({
            content: toolMessageContent(outcome.result, outcome.text),
            artifact: outcome.result satisfies CallToolResult,
            tool_call_id: id,
            name,
            status: "success",
          });
        }
        if (id !== undefined) return errorMessage(outcome.message, id, name);
        // Called as a plain function (no tool call to answer): fail as LangChain tools do.
        throw new AgentToolError(outcome.message, {
          server: tool.server,
          tool: tool.name,
          code: outcome.code,
        });
      },
    });
}

/**
 * The manager's tools as a LangChain toolkit. `tools` / `getTools()` answer with the tools
 * of that moment (a server that reconnected with other tools, or listed them again after
 * `tools/list_changed`): bind them before each model step. Each is a `StructuredTool` whose
 * schema is the server's JSON Schema; invoked with a tool call it answers a `ToolMessage`
 * (the text as `content`, the whole MCP result as `artifact`), and a failure is a
 * `ToolMessage` with `status: "error"` carrying the server's message.
 */
export class McpsToolkit {
  private readonly catalog: ToolCatalog<DynamicStructuredTool>;

  constructor(manager: McpsManager, options: McpsToolkitOptions = {}) {
    const checked = checkOptions(ADAPTER, options);
    this.catalog = new ToolCatalog(manager, checked, toLangChainTool(manager, checked));
  }

  get tools(): DynamicStructuredTool[] {
    return this.catalog.list();
  }

  /** The tools now (LangChain's `BaseToolkit.getTools()`). */
  getTools(): DynamicStructuredTool[] {
    return this.tools;
  }

  /** The tool the model called by `name`, or undefined when there is none (any more). */
  toolByName(name: string): DynamicStructuredTool | undefined {
    return this.catalog.current().find((e) => e.name === name)?.value;
  }

  /** Calls `listener` with the new tools whenever they change; returns the unsubscribe function. */
  onToolsChanged(listener: (tools: DynamicStructuredTool[]) => void): () => void {
    return this.catalog.onToolsChanged((entries: readonly CatalogEntry<DynamicStructuredTool>[]) =>
      listener(entries.map((e) => e.value)),
    );
  }
}

/** `new McpsToolkit(manager, options)`. */
export function mcpsToolkit(manager: McpsManager, options: McpsToolkitOptions = {}): McpsToolkit {
  return new McpsToolkit(manager, options);
}

/** The tools now, as a list (`mcpsToolkit(manager, options).getTools()`). */
export function mcpsTools(
  manager: McpsManager,
  options: McpsToolkitOptions = {},
): DynamicStructuredTool[] {
  return new McpsToolkit(manager, options).getTools();
}

/**
 * Forwards server events into a LangChain run as custom events (`dispatchCustomEvent`):
 * they reach `streamEvents()` as `on_custom_event` named `mcps_event` and callback handlers'
 * `handleCustomEvent`. Call it inside a runnable with that runnable's `config`; it runs until
 * `options.signal` aborts or the manager closes.
 */
export async function forwardMcpsEvents(
  manager: McpsManager,
  config: RunnableConfig,
  options: Omit<EventsOptions, "batch"> = {},
): Promise<void> {
  for await (const event of manager.events(options))
    await dispatch.dispatchCustomEvent(EVENT_NAME, eventData(event), config);
}

/**
 * A system message with the events that arrived since the last call (from an `EventWindow`)
 * after `instructions`, to put first in the messages of the next model step.
 */
export function mcpsEventsMessage(window: EventWindow, instructions = "") {
  return new messages.SystemMessage(withEvents(instructions, window.take()));
}

export type { AfterCall, BeforeCall, CallChanges, ToolCallInfo } from "./options.js";
export { EventWindow, type EventWindowOptions };
