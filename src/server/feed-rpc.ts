/**
 * The guide's RPC URL (`POST /mcp/rpc`) next to a plain event feed: `{method, params}` bodies
 * answered from the same MCP server's tools. Two answer styles, chosen by the request:
 * - the guide's FastAPI style (a body without `"jsonrpc"`): `{"tools": [...]}`,
 *   `{"content": [...]}`, `200 {"error": "Method not found"}`, `500 {"error": "<message>"}`;
 * - JSON-RPC 2.0 (a body with `"jsonrpc": "2.0"`, as servers built from the guide's Node
 *   example answer): `{"jsonrpc", "id", "result"}` or `{"jsonrpc", "id", "error"}`.
 *
 * The tools run on ONE server instance made by `createServer()` on first use and connected
 * through an in-memory transport (shared by every caller: RPC calls carry no session, and no
 * per-caller `authInfo` reaches the tools — callers are still authenticated by the host).
 */
import { Client, type JSONRPCMessage } from "@modelcontextprotocol/client";
import { InMemoryTransport } from "@modelcontextprotocol/server";
import { McpSseError } from "../errors.js";
import type { Logger } from "../logger.js";
import {
  bodyTooLargeResponse,
  jsonTooDeepResponse,
  readBodyBytes,
  refuseDeclaredTooLarge,
} from "./body.js";
import { jsonResponse, mediaType } from "./http.js";
import { DEFAULT_MAX_JSON_DEPTH, exceedsJsonDepth } from "./json-depth.js";
import type { ServerLike } from "./types.js";

/** How long one RPC call may take before it is answered with an error. */
export const DEFAULT_RPC_TIMEOUT_MS = 30_000;
/** JSON-RPC "method not found". */
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;
const INTERNAL_ERROR = -32603;

export interface FeedRpcOptions {
  createServer: () => ServerLike | Promise<ServerLike>;
  maxBodyBytes: number;
  /** Deepest JSON nesting a body may have (400 beyond). Default `DEFAULT_MAX_JSON_DEPTH`. */
  maxJsonDepth?: number;
  /** Default `DEFAULT_RPC_TIMEOUT_MS`. */
  timeoutMs?: number;
  logger: Logger;
}

type Style = { jsonrpc: false } | { jsonrpc: true; id: string | number | null };

interface Tools {
  client: Client;
  server: ServerLike;
}

/** A failure to answer in the request's style: `status` for the guide's style. */
class RpcFailure extends Error {
  constructor(
    readonly status: number,
    readonly rpcCode: number,
    message: string,
  ) {
    super(message);
  }
}

export class FeedRpc {
  #tools: Promise<Tools> | undefined;
  #closed = false;

  constructor(private readonly options: FeedRpcOptions) {}

  async handle(request: Request): Promise<Response> {
    if (mediaType(request.headers.get("content-type")) !== "application/json") {
      await request.body?.cancel().catch(() => undefined);
      return jsonResponse(415, { error: "Content-Type must be application/json" });
    }
    const declared = await refuseDeclaredTooLarge(request, this.options.maxBodyBytes);
    if (declared) return declared;
    const bytes = await readBodyBytes(request, this.options.maxBodyBytes);
    if (bytes === undefined) return bodyTooLargeResponse(this.options.maxBodyBytes);
    const maxDepth = this.options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH;
    if (exceedsJsonDepth(bytes, maxDepth)) return jsonTooDeepResponse(maxDepth);
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      return jsonResponse(400, { error: `Parse error: ${(error as Error).message}` });
    }
    if (body === null || typeof body !== "object" || Array.isArray(body))
      return jsonResponse(400, { error: "Invalid request: the body must be a JSON object" });
    const message = body as Record<string, unknown>;
    const style: Style =
      message["jsonrpc"] === "2.0"
        ? { jsonrpc: true, id: (message["id"] as string | number | null | undefined) ?? null }
        : { jsonrpc: false };
    if (typeof message["method"] !== "string")
      return answerError(style, new RpcFailure(400, -32600, "Invalid request: no method"));
    try {
      const result = await this.#dispatch(message["method"], message["params"]);
      if (result === undefined)
        return style.jsonrpc
          ? answerError(style, new RpcFailure(200, METHOD_NOT_FOUND, "Method not found"))
          : jsonResponse(200, { error: "Method not found" });
      return answer(style, result);
    } catch (error) {
      return answerError(style, toFailure(error));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const tools = await this.#tools?.catch(() => undefined);
    this.#tools = undefined;
    await tools?.client.close().catch(() => undefined);
    await tools?.server.close().catch(() => undefined);
  }

  /** The method's result, or `undefined` for an unknown method. */
  async #dispatch(method: string, params: unknown): Promise<Record<string, unknown> | undefined> {
    const timeout = this.options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    if (method === "tools/list") {
      const { client } = await this.#connect();
      const { tools } = await client.listTools(undefined, { timeout });
      return { tools };
    }
    if (method === "tools/call") {
      const p = (params ?? {}) as Record<string, unknown>;
      if (typeof p["name"] !== "string")
        throw new RpcFailure(400, INVALID_PARAMS, "tools/call needs params.name (a string)");
      const args = p["arguments"] ?? {};
      if (args === null || typeof args !== "object" || Array.isArray(args))
        throw new RpcFailure(400, INVALID_PARAMS, "tools/call params.arguments must be an object");
      const { client } = await this.#connect();
      const result = await client.callTool(
        { name: p["name"], arguments: args as Record<string, unknown> },
        { timeout },
      );
      return result as Record<string, unknown>;
    }
    return undefined;
  }

  #connect(): Promise<Tools> {
    if (this.#closed)
      return Promise.reject(new RpcFailure(503, INTERNAL_ERROR, "The server is shutting down"));
    this.#tools ??= (async () => {
      const server = await this.options.createServer();
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      await server.connect(serverSide);
      const client = new Client({ name: "mcp-sse-feed-rpc", version: "1" });
      await client.connect(clientSide as Parameters<Client["connect"]>[0], {
        timeout: this.options.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS,
      });
      return { client, server };
    })();
    // A failed start is not kept: the next request tries again.
    this.#tools.catch((error: unknown) => {
      this.options.logger.warn({ err: error }, "feed rpc: could not start the MCP server");
      this.#tools = undefined;
    });
    return this.#tools;
  }
}

function answer(style: Style, result: Record<string, unknown>): Response {
  if (style.jsonrpc) return jsonResponse(200, { jsonrpc: "2.0", id: style.id, result });
  // The guide's style reports a failing tool as 500 with its message.
  if (result["isError"] === true) return jsonResponse(500, { error: textOf(result) });
  return jsonResponse(200, result);
}

function answerError(style: Style, failure: RpcFailure): Response {
  if (!style.jsonrpc) return jsonResponse(failure.status, { error: failure.message });
  const message: JSONRPCMessage = {
    jsonrpc: "2.0",
    id: style.id ?? (null as unknown as string),
    error: { code: failure.rpcCode, message: failure.message },
  };
  return jsonResponse(failure.status === 200 ? 200 : failure.status, message);
}

/** A thrown SDK / protocol error as a failure (its JSON-RPC code kept when it has one). */
function toFailure(error: unknown): RpcFailure {
  if (error instanceof RpcFailure) return error;
  const code = (error as { code?: unknown })?.code;
  const message =
    error instanceof McpSseError || error instanceof Error ? error.message : String(error);
  return new RpcFailure(500, typeof code === "number" ? code : INTERNAL_ERROR, message);
}

/** The text of a tool result's content (what the guide's `{"error": …}` carries). */
function textOf(result: Record<string, unknown>): string {
  const content = Array.isArray(result["content"]) ? result["content"] : [];
  const text = content
    .map((c) => (c && typeof c === "object" && "text" in c ? String(c.text) : ""))
    .filter((t) => t !== "")
    .join("\n");
  return text || "Tool failed";
}
