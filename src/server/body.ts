import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { parseJSONRPCMessage } from "@modelcontextprotocol/server";
import {
  JSONRPC_INVALID_REQUEST,
  JSONRPC_PARSE_ERROR,
  JSONRPC_SERVER_ERROR,
  jsonRpcErrorResponse,
  mediaType,
} from "./http.js";

/** Messages accepted in one JSON-RPC batch (2025-03-26 allows batches). */
export const MAX_BATCH_MESSAGES = 100;

export type ParsedBody =
  | { ok: true; messages: JSONRPCMessage[]; batch: boolean }
  | { ok: false; response: Response };

/**
 * Read a POST body as JSON-RPC: 415 for a non-JSON content type, 413 as soon as the body
 * passes `maxBytes` (reading stops there; nothing more is buffered), 400 with a JSON-RPC
 * parse error (-32700) for malformed JSON, 400 with -32600 for JSON that is not JSON-RPC.
 */
export async function readJsonRpcBody(request: Request, maxBytes: number): Promise<ParsedBody> {
  if (mediaType(request.headers.get("content-type")) !== "application/json") {
    return fail(
      415,
      JSONRPC_SERVER_ERROR,
      "Unsupported Media Type: Content-Type must be application/json",
      "SERVER_UNSUPPORTED_MEDIA_TYPE",
    );
  }
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (maxBytes > 0 && Number.isFinite(declared) && declared > maxBytes) {
    await request.body?.cancel().catch(() => undefined);
    return tooLarge(maxBytes);
  }
  const text = await readLimited(request, maxBytes);
  if (text === undefined) return tooLarge(maxBytes);
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

function fail(status: number, rpcCode: number, message: string, code: string): ParsedBody {
  return { ok: false, response: jsonRpcErrorResponse(status, rpcCode, message, { code }) };
}

function tooLarge(maxBytes: number): ParsedBody {
  return fail(
    413,
    JSONRPC_SERVER_ERROR,
    `Payload Too Large: body exceeds ${maxBytes} bytes`,
    "SERVER_BODY_TOO_LARGE",
  );
}

/** The body as text, or `undefined` once it passes `maxBytes` (the stream is cancelled). */
async function readLimited(request: Request, maxBytes: number): Promise<string | undefined> {
  if (!request.body) return "";
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
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

function firstLine(error: unknown): string {
  return (
    String((error as Error)?.message ?? error)
      .split("\n")[0]
      ?.slice(0, 200) ?? ""
  );
}
