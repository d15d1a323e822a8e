import type { QualifiedTool } from "../client/manager.js";
import { McpSseError } from "../errors.js";

/** What every adapter's tools share: the failure they raise and the schema the model is given. */

/**
 * A tool call made for an agent failed (an `isError` result, a timeout, a lost connection):
 * raised inside the framework's tool runner, which turns it into its tool-error result; the
 * message is the server's. `details`: `server`, `tool`, `code` (the client's code, if local).
 */
export const AGENTS_TOOL_FAILED = "AGENTS_TOOL_FAILED";

/** How deep `$ref`s are inlined (a recursive type becomes `{}`, "any value", past it). */
export const MAX_SCHEMA_REF_DEPTH = 16;

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** `node` with every local `#/$defs/X` / `#/definitions/X` reference replaced by its definition. */
function inlineRefs(node: unknown, defs: Json, seen: readonly string[]): unknown {
  if (Array.isArray(node)) return node.map((item) => inlineRefs(item, defs, seen));
  if (!isObject(node)) return node;
  const ref = node["$ref"];
  if (typeof ref === "string") {
    const name = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref)?.[1];
    const target = name === undefined ? undefined : defs[name];
    if (isObject(target)) {
      // A type that contains itself cannot be written out: past the first loop it is "any".
      if (seen.includes(ref) || seen.length >= MAX_SCHEMA_REF_DEPTH) return {};
      const { $ref: _ref, ...rest } = node;
      return {
        ...(inlineRefs(target, defs, [...seen, ref]) as Json),
        ...(inlineRefs(rest, defs, seen) as Json),
      };
    }
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = inlineRefs(value, defs, seen);
  return out;
}

/**
 * An MCP input schema as model APIs want it: an object schema with `properties` (MCP allows a
 * bare `{ type: "object" }`; OpenAI rejects an object schema without properties), local
 * `$ref`s inlined (several model APIs and the LangChain/Gemini converters reject or mangle
 * them) and no `$schema` (Gemini rejects it).
 */
export function schemaForModel(inputSchema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _schema, $defs, definitions, ...rest } = inputSchema;
  const defs = { ...(isObject(definitions) ? definitions : {}), ...(isObject($defs) ? $defs : {}) };
  const inlined = inlineRefs(rest, defs, []) as Json;
  const properties = inlined["properties"];
  return { ...inlined, type: "object", properties: isObject(properties) ? properties : {} };
}

/**
 * The error an adapter raises for a failed call (`AGENTS_TOOL_FAILED`). Its string form is
 * the message alone: frameworks that show the model `String(error)` (the AI SDK) then show the
 * server's words, not a class name.
 */
export class AgentToolError extends McpSseError {
  constructor(
    message: string,
    details: { server: string; tool: string; code: string | undefined },
  ) {
    super(AGENTS_TOOL_FAILED, message, { details });
  }

  override toString(): string {
    return this.message;
  }
}

/** What the adapters attach to a tool as metadata (not sent to the model): where it comes from. */
export function toolMetadata(
  tool: QualifiedTool,
): Record<string, string | Record<string, unknown>> {
  return {
    server: tool.server,
    tool: tool.name,
    qualifiedName: tool.qualifiedName,
    ...(tool.title === undefined ? {} : { title: tool.title }),
    ...(tool.annotations === undefined ? {} : { annotations: tool.annotations }),
    ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }),
  };
}
