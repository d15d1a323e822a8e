import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { parseJSONRPCMessage } from "@modelcontextprotocol/server";
import {
  JSONRPC_INVALID_REQUEST,
  JSONRPC_PARSE_ERROR,
  JSONRPC_SERVER_ERROR,
  jsonRpcErrorResponse,
  mediaType,
} from "./http.js";
import { DEFAULT_MAX_JSON_DEPTH, exceedsJsonDepth } from "./json-depth.js";

/** One decoder for every body: `decode()` without `stream` keeps no state between calls. */
const utf8 = new TextDecoder();

/** Messages accepted in one JSON-RPC batch (2025-03-26 allows batches). */
export const MAX_BATCH_MESSAGES = 100;

export type ParsedBody =
  | { ok: true; messages: JSONRPCMessage[]; batch: boolean }
  | { ok: false; response: Response };

/**
 * Read a POST body as JSON-RPC: 415 for a non-JSON content type, 413 as soon as the body
 * passes `maxBytes` (reading stops there; nothing more is buffered), 400 with a JSON-RPC
 * parse error (-32700) for malformed JSON, 400 with -32600 for JSON that is not JSON-RPC or
 * that nests deeper than `maxDepth` (checked before parsing: see `DEFAULT_MAX_JSON_DEPTH`).
 */
export async function readJsonRpcBody(
  request: Request,
  maxBytes: number,
  maxDepth: number = DEFAULT_MAX_JSON_DEPTH,
): Promise<ParsedBody> {
  if (mediaType(request.headers.get("content-type")) !== "application/json") {
    return fail(
      415,
      JSONRPC_SERVER_ERROR,
      "Unsupported Media Type: Content-Type must be application/json",
      "SERVER_UNSUPPORTED_MEDIA_TYPE",
    );
  }
  const declaredTooLarge = await refuseDeclaredTooLarge(request, maxBytes);
  if (declaredTooLarge) return { ok: false, response: declaredTooLarge };
  const bytes = await readBodyBytes(request, maxBytes);
  if (bytes === undefined) return tooLarge(maxBytes);
  return parseJsonRpcBytes(bytes, maxDepth);
}

/**
 * A body already read under the size bound, as JSON-RPC: the depth bound, then JSON, then
 * the message schema (the part of `readJsonRpcBody` after reading; the node adapter's legacy
 * POST path reads into one Buffer itself).
 */
export function parseJsonRpcBytes(
  bytes: Uint8Array,
  maxDepth: number = DEFAULT_MAX_JSON_DEPTH,
): ParsedBody {
  if (exceedsJsonDepth(bytes, maxDepth))
    return { ok: false, response: jsonTooDeepResponse(maxDepth) };
  const text = utf8.decode(bytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return fail(
      400,
      JSONRPC_PARSE_ERROR,
      `Parse error: ${(error as Error).message}`,
      "SERVER_PARSE_ERROR",
    );
  }
  const batch = Array.isArray(json);
  const items: unknown[] = batch ? (json as unknown[]) : [json];
  if (items.length === 0 || items.length > MAX_BATCH_MESSAGES) {
    return fail(
      400,
      JSONRPC_INVALID_REQUEST,
      `Invalid Request: a batch must hold 1 to ${MAX_BATCH_MESSAGES} messages`,
      "SERVER_INVALID_MESSAGE",
    );
  }
  const messages: JSONRPCMessage[] = [];
  for (const item of items) {
    try {
      messages.push(parseJSONRPCMessage(item));
    } catch (error) {
      // The schema error says which field is wrong; the client gets a JSON-RPC error.
      return fail(
        400,
        JSONRPC_INVALID_REQUEST,
        `Invalid Request: body is not a JSON-RPC 2.0 message (${firstLine(error)})`,
        "SERVER_INVALID_MESSAGE",
      );
    }
  }
  return { ok: true, messages, batch };
}

/**
 * 413 (`SERVER_BODY_TOO_LARGE`) when the declared `Content-Length` is over `maxBytes`: the
 * body is cancelled unread. `undefined` when the declared length is fine (or absent).
 */
export async function refuseDeclaredTooLarge(
  request: Request,
  maxBytes: number,
): Promise<Response | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (!(maxBytes > 0 && Number.isFinite(declared) && declared > maxBytes)) return undefined;
  await request.body?.cancel().catch(() => undefined); // already errored: nothing to release
  return bodyTooLargeResponse(maxBytes);
}

function fail(status: number, rpcCode: number, message: string, code: string): ParsedBody {
  return { ok: false, response: jsonRpcErrorResponse(status, rpcCode, message, { code }) };
}

/** The 413 answer as a `ParsedBody` failure. */
export function tooLarge(maxBytes: number): ParsedBody {
  return fail(
    413,
    JSONRPC_SERVER_ERROR,
    `Payload Too Large: body exceeds ${maxBytes} bytes`,
    "SERVER_BODY_TOO_LARGE",
  );
}

/** 400 `SERVER_JSON_TOO_DEEP` (JSON-RPC -32600): the body nests deeper than `maxDepth`. */
export function jsonTooDeepResponse(maxDepth: number): Response {
  return jsonRpcErrorResponse(
    400,
    JSONRPC_INVALID_REQUEST,
    `Invalid Request: JSON nests deeper than ${maxDepth} levels`,
    { code: "SERVER_JSON_TOO_DEEP" },
  );
}

/** 413 `SERVER_BODY_TOO_LARGE` (JSON-RPC error body). */
export function bodyTooLargeResponse(maxBytes: number): Response {
  const failed = tooLarge(maxBytes);
  if (failed.ok) throw new Error("unreachable");
  return failed.response;
}

/**
 * The body's bytes, or `undefined` once they pass `maxBytes` (reading stops and the stream
 * is cancelled: nothing more is buffered). `0` reads without a bound.
 */
export async function readBodyBytes(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (maxBytes > 0 && total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return all;
}

function firstLine(error: unknown): string {
  return (
    String((error as Error)?.message ?? error)
      .split("\n")[0]
      ?.slice(0, 200) ?? ""
  );
}

/*
 * Structural tests for messages `readJsonRpcBody` (or our own server) already validated: the
 * SDK's `isJSONRPCRequest` & co. run a zod parse each time (tens of µs per message), which
 * the hot path does not need once the shape is known.
 */

/** A request (has `method` and `id`), as opposed to a notification or a response. */
export function isRequestMessage(message: JSONRPCMessage): message is JSONRPCMessage & {
  method: string;
  id: string | number;
} {
  return "method" in message && "id" in message;
}

/** A response (result or error) to one of the client's requests. */
export function isResponseMessage(
  message: JSONRPCMessage,
): message is JSONRPCMessage & { id: string | number } {
  return ("result" in message || "error" in message) && "id" in message && !("method" in message);
}

/** An `initialize` request (its params are the server's to validate). */
export function isInitializeMessage(message: JSONRPCMessage): boolean {
  return isRequestMessage(message) && message.method === "initialize";
}
