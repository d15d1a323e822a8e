/**
 * `mcp-sse/ai`: the configured servers' tools and events in the Vercel AI SDK (`ai` 7).
 *
 * ```ts
 * const mcps = await connectMcps("mcps.yaml");
 * const result = await generateText({ model, tools: mcpsTools(mcps), stopWhen: stepCountIs(5), prompt });
 * ```
 */
import type { CallToolResult } from "@modelcontextprotocol/client";
import type {
  JSONSchema7,
  JSONValue,
  PrepareStepFunction,
  Tool,
  ToolSet,
  UIMessageChunk,
} from "ai";

import type { EventsOptions, McpsManager } from "../client/manager.js";
import {
  checkSchemas,
  jsonModelOutput,
  type McpsToolSchema,
  type McpsToolSchemas,
  type McpsTypedToolSet,
  pickSchemaTools,
  structuredOutput,
} from "./ai-schemas.js";
import { callForAgent } from "./call.js";
import { type NamedTool, ToolCatalog } from "./catalog.js";
import { EventWindow, type EventWindowOptions, eventData, withEvents } from "./events.js";
import { liveRecord } from "./live.js";
import { type AgentToolsOptions, type CallSettings, checkOptions } from "./options.js";
import { loadPeer } from "./peer.js";
import { AgentToolError, schemaForModel, toolMetadata } from "./tool-shape.js";

const ADAPTER = "mcp-sse/ai";
const ai = await loadPeer(ADAPTER, "ai", ">=7.0.0 <8", () => import("ai"));

export type McpsToolsOptions = AgentToolsOptions;

/** Tool metadata (the AI SDK's `JSONObject`). */
type JSONObject = { [key: string]: JSONValue };

/** What `toModelOutput` returns (the AI SDK's `ToolResultOutput`, which `ai` does not re-export). */
type ToolResultOutput = Awaited<ReturnType<NonNullable<Tool["toModelOutput"]>>>;

/** The data part type events are written as (`data-mcps-event` in a UI message stream). */
export const EVENT_PART_NAME = "mcps-event";

/** An MCP result as what the model reads: text parts as text, images and audio as files. */
function toModelOutput({ output }: { output: unknown }): ToolResultOutput {
  const result = output as CallToolResult;
  const value = (result.content ?? []).map((part) => {
    if (part.type === "text") return { type: "text" as const, text: part.text };
    if (part.type === "image" || part.type === "audio")
      return {
        type: "file" as const,
        mediaType: part.mimeType,
        data: { type: "data" as const, data: part.data },
      };
    return { type: "text" as const, text: JSON.stringify(part) };
  });
  if (value.length === 0 && result.structuredContent !== undefined)
    return { type: "json", value: result.structuredContent as never };
  return { type: "content", value };
}

/** `execute` of a tool: a failed call (or a result that fails `outputSchema`) is thrown. */
function executeFor(
  manager: McpsManager,
  tool: NamedTool["tool"],
  settings: CallSettings,
  own?: McpsToolSchema,
) {
  const output = own?.outputSchema === undefined ? undefined : ai.asSchema(own.outputSchema);
  return async (input: unknown, { abortSignal }: { abortSignal?: AbortSignal }) => {
    const outcome = await callForAgent(manager, tool, input, settings, abortSignal);
    const failed = (message: string, code: string | undefined) =>
      new AgentToolError(message, { server: tool.server, tool: tool.name, code });
    // A thrown error is how the AI SDK makes a tool-error part: the model reads the message.
    if (!outcome.ok) throw failed(outcome.message, outcome.code);
    if (output === undefined) return outcome.result;
    const structured = await structuredOutput(outcome.result, output, tool.qualifiedName);
    if (!structured.ok) throw failed(structured.message, undefined);
    return structured.value;
  };
}

function toAiTool(manager: McpsManager, settings: CallSettings, schemas?: McpsToolSchemas) {
  return ({ name, tool }: NamedTool) => {
    const common = {
      ...(tool.description === undefined ? {} : { description: tool.description }),
      metadata: toolMetadata(tool) as JSONObject,
    };
    const own = schemas?.[name];
    if (own === undefined)
      return ai.dynamicTool({
        ...common,
        inputSchema: ai.jsonSchema(schemaForModel(tool.inputSchema) as JSONSchema7),
        execute: executeFor(manager, tool, settings),
        toModelOutput,
      });
    return ai.tool({
      ...common,
      inputSchema: own.inputSchema,
      ...(own.outputSchema === undefined ? {} : { outputSchema: own.outputSchema }),
      execute: executeFor(manager, tool, settings, own),
      toModelOutput: own.outputSchema === undefined ? toModelOutput : jsonModelOutput,
    } as Tool);
  };
}

/**
 * The manager's tools as an AI SDK `ToolSet`, for `generateText` / `streamText` / agents.
 * The set is live: each step reads the tools of that moment (a server that reconnected with
 * other tools, or listed them again after `tools/list_changed`). A failing call (an
 * `isError` result, a timeout, a lost connection) becomes a tool-error part carrying the
 * server's message; aborting the run's `abortSignal` cancels the call.
 */
export function mcpsTools(manager: McpsManager, options?: McpsToolsOptions): ToolSet;
/**
 * With `schemas` (your own schemas by tool name, as `@ai-sdk/mcp`'s `tools({ schemas })`):
 * only those tools, typed; see ai-schemas.ts.
 */
export function mcpsTools<S extends McpsToolSchemas>(
  manager: McpsManager,
  options: McpsToolsOptions & { schemas: S },
): McpsTypedToolSet<S>;
export function mcpsTools(
  manager: McpsManager,
  options: McpsToolsOptions & { schemas?: McpsToolSchemas } = {},
): ToolSet {
  const { schemas: given, ...rest } = options;
  const schemas = checkSchemas(ADAPTER, given);
  const checked = checkOptions(ADAPTER, rest);
  const catalog = new ToolCatalog(manager, checked, toAiTool(manager, checked, schemas));
  const tools =
    schemas === undefined
      ? () => catalog.record()
      : () => pickSchemaTools(catalog.record(), schemas);
  return liveRecord(tools, `${ADAPTER} mcpsTools()`) as ToolSet;
}

/**
 * Calls `listener` with the new tool names whenever the selected tools change. Returns the
 * unsubscribe function. (The `ToolSet` of `mcpsTools` follows by itself; this is for code
 * that wants to know, e.g. to tell a UI.)
 */
export function onMcpsToolsChanged(
  manager: McpsManager,
  listener: (names: string[]) => void,
  options: McpsToolsOptions = {},
): () => void {
  const catalog = new ToolCatalog(manager, checkOptions(ADAPTER, options), () => undefined);
  return catalog.onToolsChanged((entries) => listener(entries.map((e) => e.name)));
}

/**
 * Server events as UI message stream parts (`{ type: "data-mcps-event", data, transient: true }`),
 * to `writer.merge()` inside `createUIMessageStream`. The stream ends when `options.signal`
 * aborts, the manager closes, or the reader cancels it.
 */
export function mcpsEventStream(
  manager: McpsManager,
  options: Omit<EventsOptions, "batch"> = {},
): ReadableStream<UIMessageChunk> {
  const events = manager.events(options);
  return new ReadableStream<UIMessageChunk>({
    async pull(controller) {
      const next = await events.next();
      if (next.done === true) {
        controller.close();
        return;
      }
      const data = eventData(next.value);
      controller.enqueue({
        type: `data-${EVENT_PART_NAME}`,
        ...(data.id === undefined ? {} : { id: data.id }),
        data,
        transient: true,
      });
    },
    async cancel() {
      await events.return?.();
    },
  });
}

/**
 * A `prepareStep` that shows the model the events that arrived since its last step (from an
 * `EventWindow`), after `instructions`. Pass it as `generateText({ prepareStep })`.
 */
export function mcpsEventsPrepareStep(
  window: EventWindow,
  instructions = "",
): PrepareStepFunction<ToolSet> {
  return () => ({ instructions: withEvents(instructions, window.take()) });
}

export type { McpsToolSchema, McpsToolSchemas, McpsTypedToolSet } from "./ai-schemas.js";
export type { AfterCall, BeforeCall, CallChanges, ToolCallInfo } from "./options.js";
export { EventWindow, type EventWindowOptions };
