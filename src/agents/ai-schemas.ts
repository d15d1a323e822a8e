/**
 * Your own schemas for chosen tools (`mcpsTools(mcps, { schemas })`), as `@ai-sdk/mcp`'s
 * `tools({ schemas })` has them: only those tools are in the set, the AI SDK checks the
 * model's input against your `inputSchema` and types it; with an `outputSchema` the tool's
 * output is its structured content (or its first text part as JSON), checked against your
 * schema and typed. A result that does not match is the tool's error: the model reads why.
 */
import type { CallToolResult } from "@modelcontextprotocol/client";
import type { FlexibleSchema, JSONValue, Schema, Tool } from "ai";
import { invalidOption } from "./options.js";

/** One tool's schemas: any AI SDK `FlexibleSchema` (zod, `jsonSchema()`, Standard Schema). */
export interface McpsToolSchema {
  // biome-ignore lint/suspicious/noExplicitAny: a schema of any input, as the AI SDK's own `FlexibleSchema<any>` parameters are
  inputSchema: FlexibleSchema<any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above, for the output
  outputSchema?: FlexibleSchema<any>;
}

/** Schemas by the tool's name in the set (its qualified name by default, e.g. `weather__forecast`). */
export type McpsToolSchemas = Record<string, McpsToolSchema>;

/** The typed tool set `mcpsTools(mcps, { schemas })` returns: one `Tool` per named schema. */
export type McpsTypedToolSet<S extends McpsToolSchemas> = {
  [K in keyof S]: S[K] extends {
    inputSchema: FlexibleSchema<infer INPUT>;
    outputSchema: FlexibleSchema<infer OUTPUT>;
  }
    ? Tool<INPUT, OUTPUT>
    : S[K] extends { inputSchema: FlexibleSchema<infer INPUT> }
      ? Tool<INPUT, CallToolResult>
      : never;
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `schemas` checked: a record of `{ inputSchema, outputSchema? }` (`AGENTS_INVALID_OPTION`). */
export function checkSchemas(adapter: string, value: unknown): McpsToolSchemas | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value))
    throw invalidOption(
      adapter,
      "schemas",
      "must be an object of { inputSchema, outputSchema? } by tool name",
    );
  for (const [name, entry] of Object.entries(value)) {
    if (!isRecord(entry) || entry["inputSchema"] === undefined)
      throw invalidOption(adapter, "schemas", `needs an inputSchema for "${name}"`);
    const extra = Object.keys(entry).filter((k) => k !== "inputSchema" && k !== "outputSchema");
    if (extra.length > 0)
      throw invalidOption(
        adapter,
        "schemas",
        `has unknown keys for "${name}": ${extra.join(", ")}`,
      );
  }
  return value as McpsToolSchemas;
}

/** Only the tools that have a schema, in the catalog's order. */
export function pickSchemaTools<T>(
  tools: Record<string, T>,
  schemas: McpsToolSchemas,
): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [name, tool] of Object.entries(tools))
    if (Object.hasOwn(schemas, name)) out[name] = tool;
  return out;
}

export type StructuredOutcome = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * The structured value of `result` checked against `schema`: its `structuredContent`, else its
 * first text part parsed as JSON (servers that predate `structuredContent` answer that way).
 */
export async function structuredOutput(
  result: CallToolResult,
  schema: Schema<unknown>,
  toolName: string,
): Promise<StructuredOutcome> {
  let value: unknown = result.structuredContent;
  if (value === undefined) {
    const text = result.content?.find((part) => part.type === "text");
    if (text === undefined || text.type !== "text")
      return {
        ok: false,
        message: `Tool "${toolName}" returned no structured content and no text to read it from.`,
      };
    try {
      value = JSON.parse(text.text);
    } catch {
      return {
        ok: false,
        message: `Tool "${toolName}" returned text that is not JSON; its outputSchema expects structured output.`,
      };
    }
  }
  if (schema.validate === undefined) return { ok: true, value };
  const checked = await schema.validate(value);
  return checked.success
    ? { ok: true, value: checked.value }
    : {
        ok: false,
        message: `Tool "${toolName}" returned output that does not match your outputSchema: ${checked.error.message}`,
      };
}

/** A structured output as what the model reads: JSON. */
export function jsonModelOutput({ output }: { output: unknown }): {
  type: "json";
  value: JSONValue;
} {
  return { type: "json", value: (output ?? null) as JSONValue };
}
