/**
 * The hot path of every client transport: one `JSON.parse` per incoming message and a
 * minimal JSON-RPC 2.0 shape check (no zod here; the SDK's Protocol validates the payload
 * of each method it handles). Malformed input becomes a typed `CLIENT_BAD_MESSAGE` error
 * that the transport reports with `onerror` while its stream keeps going.
 */
import type { JSONRPCMessage } from "@modelcontextprotocol/client";
import { McpSseError } from "../../errors.js";

/** Longest excerpt of a malformed message kept in an error (messages are not secrets, but can be big). */
const EXCERPT_CHARS = 120;

function isId(value: unknown): boolean {
  return typeof value === "string" || typeof value === "number";
}

/** True when `value` has the shape of a JSON-RPC 2.0 request, notification or response. */
export function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const m = value as Record<string, unknown>;
  if (m["jsonrpc"] !== "2.0") return false;
  if (typeof m["method"] === "string") return m["id"] === undefined || isId(m["id"]);
  if (!isId(m["id"]) && m["id"] !== null) return false;
  return "result" in m || (m["error"] !== null && typeof m["error"] === "object");
}

/**
 * Parse one message (a JSON-RPC message or a batch array of them). Returns the messages, or a
 * `CLIENT_BAD_MESSAGE` error naming the server and what was wrong.
 */
export function parseJsonRpc(data: string, serverName: string): JSONRPCMessage[] | McpSseError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch (cause) {
    return badMessage(serverName, "is not valid JSON", data, cause);
  }
  if (Array.isArray(parsed)) {
    for (const item of parsed) {
      if (!isJsonRpcMessage(item))
        return badMessage(serverName, "is a batch with a non JSON-RPC 2.0 item", data);
    }
    return parsed as JSONRPCMessage[];
  }
  if (!isJsonRpcMessage(parsed))
    return badMessage(serverName, "is not a JSON-RPC 2.0 message", data);
  return [parsed];
}

function badMessage(serverName: string, what: string, data: string, cause?: unknown): McpSseError {
  const excerpt = data.length > EXCERPT_CHARS ? `${data.slice(0, EXCERPT_CHARS)}…` : data;
  return new McpSseError(
    "CLIENT_BAD_MESSAGE",
    `Server "${serverName}" sent a message that ${what}; it was dropped (the stream continues): ${JSON.stringify(excerpt)}`,
    { details: { server: serverName, length: data.length }, cause },
  );
}

/** Ids of the requests in an outgoing message (a request, or a batch). */
export function requestIds(message: JSONRPCMessage | JSONRPCMessage[]): (string | number)[] {
  const list = Array.isArray(message) ? message : [message];
  const ids: (string | number)[] = [];
  for (const m of list) {
    const r = m as { method?: unknown; id?: unknown };
    if (typeof r.method === "string" && (typeof r.id === "string" || typeof r.id === "number"))
      ids.push(r.id);
  }
  return ids;
}

/** The id of a response message, or undefined for requests and notifications. */
export function responseId(message: JSONRPCMessage): string | number | undefined {
  const m = message as { method?: unknown; id?: unknown };
  if (typeof m.method === "string") return undefined;
  return typeof m.id === "string" || typeof m.id === "number" ? m.id : undefined;
}

export function isInitializeRequest(message: JSONRPCMessage | JSONRPCMessage[]): boolean {
  const list = Array.isArray(message) ? message : [message];
  return list.some((m) => (m as { method?: unknown }).method === "initialize" && "id" in m);
}

export function isInitializedNotification(message: JSONRPCMessage | JSONRPCMessage[]): boolean {
  const list = Array.isArray(message) ? message : [message];
  return list.some((m) => (m as { method?: unknown }).method === "notifications/initialized");
}
