import { McpSseError } from "../errors.js";

/** What every adapter's tools share: the failure they raise and the schema the model is given. */

/**
 * A tool call made for an agent failed (an `isError` result, a timeout, a lost connection):
 * raised inside the framework's tool runner, which turns it into its tool-error result; the
 * message is the server's. `details`: `server`, `tool`, `code` (the client's code, if local).
 */
export const AGENTS_TOOL_FAILED = "AGENTS_TOOL_FAILED";

/**
 * An MCP input schema as model APIs want it: an object schema with `properties` (MCP allows a
 * bare `{ type: "object" }`; OpenAI rejects an object schema without properties).
 */
export function schemaForModel(inputSchema: Record<string, unknown>): Record<string, unknown> {
  const properties = inputSchema["properties"];
  return {
    ...inputSchema,
    type: "object",
    properties: properties !== null && typeof properties === "object" ? properties : {},
  };
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
