/**
 * An event feed's tools, over `POST …/rpc` (the guide's RPC endpoint). Every request is a
 * JSON-RPC 2.0 request, `{"jsonrpc":"2.0","id":n,"method":…,"params":…}`: a superset of the
 * guide's `{method, params}` body, so both kinds of server read it. Both answer styles are
 * understood:
 * - plain (the guide's FastAPI server): `{"tools":[…]}`, `{"content":[…]}`, an unknown method
 *   as `200 {"error":"Method not found"}`, a failing tool as `500 {"error":"<message>"}`;
 * - JSON-RPC 2.0 (the guide's Node server): `{"jsonrpc":"2.0","id":…,"result":…}` or
 *   `"error":{code,message}`.
 * No RPC URL, or 404/405 there, means the feed has no tools. Every failure is an `McpSseError`.
 */
import type { CallToolResult, Tool } from "@modelcontextprotocol/client";
import type { ServerConfig } from "../../config/types.js";
import { isMcpSseError, McpSseError, redactUrl } from "../../errors.js";
import type { Logger } from "../../logger.js";
import type { HttpFetch } from "../../sse/http-response.js";
import { CLIENT_TIMEOUT, CLIENT_TOOL_ERROR, isUnauthorized } from "../call-errors.js";
import { postWithBackoff } from "../transports/post.js";

/** The RPC answer is not JSON, or not the shape its method needs. */
export const CLIENT_RPC_INVALID = "CLIENT_RPC_INVALID";
/** JSON-RPC "method not found" (and the guide's `{"error":"Method not found"}`). */
const METHOD_NOT_FOUND = -32601;

/** The RPC URL: `rpc_url`, else `…/rpc` beside a url whose path ends in `/sse`, else none. */
export function rpcUrlOf(server: ServerConfig): string | undefined {
  if (server.rpcUrl !== undefined) return server.rpcUrl;
  if (server.url === undefined) return undefined;
  const url = new URL(server.url);
  if (!/\/sse\/?$/.test(url.pathname)) return undefined;
  url.pathname = url.pathname.replace(/sse(\/?)$/, "rpc$1");
  return url.href;
}

type Answer = { result: unknown } | { error: { message: string; code?: number } };

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Either answer style to `{ result }` or `{ error }`. */
export function decodeAnswer(body: unknown): Answer | undefined {
  if (!isRecord(body)) return undefined;
  const error = body["error"];
  if (typeof error === "string") return { error: { message: error } };
  if (isRecord(error)) {
    const message = typeof error["message"] === "string" ? error["message"] : JSON.stringify(error);
    return typeof error["code"] === "number"
      ? { error: { message, code: error["code"] } }
      : { error: { message } };
  }
  if (body["jsonrpc"] !== undefined || ("result" in body && "id" in body))
    return { result: body["result"] };
  return { result: body };
}

function isMethodNotFound(error: { message: string; code?: number }): boolean {
  return error.code === METHOD_NOT_FOUND || /^method not found$/i.test(error.message.trim());
}

export interface FeedRpcOptions {
  server: ServerConfig;
  /** Merges the server's current headers into every request. */
  fetch: HttpFetch;
  /** Header values sent so far, scrubbed from errors. */
  secrets: () => readonly string[];
  /** Aborted when the connection closes. */
  lifetime: AbortSignal;
  /** Refresh the headers after a 401 (false: no `refreshToken`). */
  refresh: () => Promise<boolean>;
  log: Logger;
}

export class FeedRpc {
  readonly url: string | undefined;
  private nextId = 1;

  constructor(private readonly options: FeedRpcOptions) {
    this.url = rpcUrlOf(options.server);
  }

  /** The feed's tools; none without an RPC URL, on 404/405, or when `tools/list` is unknown. */
  async listTools(): Promise<Tool[]> {
    if (this.url === undefined) return [];
    let answer: Answer;
    try {
      answer = await this.request("tools/list", {}, this.options.server.timeoutMs);
    } catch (error) {
      const status = isMcpSseError(error) ? error.details["status"] : undefined;
      if (status === 404 || status === 405) {
        this.options.log.debug({ status }, "feed RPC not found: no tools");
        return [];
      }
      throw error;
    }
    if ("error" in answer) {
      if (isMethodNotFound(answer.error)) return [];
      throw this.invalid("tools/list", `answered with an error: ${answer.error.message}`);
    }
    const tools = isRecord(answer.result) ? answer.result["tools"] : undefined;
    if (!Array.isArray(tools)) throw this.invalid("tools/list", "has no `tools` list");
    return tools.flatMap((t: unknown) => {
      if (!isRecord(t) || typeof t["name"] !== "string" || t["name"] === "") {
        this.options.log.warn({}, "feed RPC: a tool without a name was skipped");
        return [];
      }
      const schema = isRecord(t["inputSchema"]) ? t["inputSchema"] : { type: "object" };
      return [{ ...t, name: t["name"], inputSchema: schema } as Tool];
    });
  }

  async callTool(
    tool: string,
    args: Record<string, unknown>,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    /** This call's own headers (checked: call-headers.ts). */
    headers?: Record<string, string>,
  ): Promise<CallToolResult> {
    const where = `tool "${tool}" on server "${this.options.server.name}"`;
    let answer: Answer;
    try {
      const params = { name: tool, arguments: args };
      answer = await this.request("tools/call", params, timeoutMs, signal, headers);
    } catch (error) {
      throw this.callError(error, tool, timeoutMs);
    }
    if ("error" in answer)
      throw new McpSseError(CLIENT_TOOL_ERROR, `${where} failed: ${answer.error.message}`, {
        details: {
          server: this.options.server.name,
          tool,
          serverMessage: answer.error.message,
          ...(answer.error.code === undefined ? {} : { rpcCode: answer.error.code }),
        },
      });
    const result = answer.result;
    if (isRecord(result) && Array.isArray(result["content"])) return result as CallToolResult;
    // A result that is not MCP-shaped is still the tool's answer: handed over as JSON text.
    return { content: [{ type: "text", text: JSON.stringify(result ?? null) }] };
  }

  /** A failed request of a call: a 5xx `{"error": …}` is the tool's own failure. */
  private callError(error: unknown, tool: string, timeoutMs: number): unknown {
    const server = this.options.server.name;
    if (!isMcpSseError(error)) return error;
    if (error.code === "CLIENT_REQUEST_TIMEOUT")
      return new McpSseError(
        CLIENT_TIMEOUT,
        `tool "${tool}" on server "${server}" did not answer within ${timeoutMs} ms; raise 'timeout' in the config or pass { timeout } to call().`,
        { details: { server, tool, timeoutMs }, cause: error },
      );
    const status = error.details["status"];
    const body = error.details["body"];
    if (error.code !== "CLIENT_HTTP_STATUS" || typeof status !== "number" || status < 500)
      return error;
    let message = typeof body === "string" && body !== "" ? body : `HTTP ${status}`;
    try {
      const decoded = decodeAnswer(JSON.parse(String(body)));
      if (decoded !== undefined && "error" in decoded) message = decoded.error.message;
    } catch {
      // Not JSON (or cut short): the body excerpt itself is the message.
    }
    return new McpSseError(
      CLIENT_TOOL_ERROR,
      `tool "${tool}" on server "${server}" failed (HTTP ${status}): ${message}`,
      { details: { server, tool, status, serverMessage: message }, cause: error },
    );
  }

  /** One POST; on 401 with a `refreshToken`, refresh the headers and send it once more. */
  private async request(
    method: string,
    params: Record<string, unknown>,
    timeoutMs: number,
    signal?: AbortSignal,
    headers?: Record<string, string>,
  ): Promise<Answer> {
    try {
      return await this.post(method, params, timeoutMs, signal, headers);
    } catch (error) {
      if (!isUnauthorized(error) || !(await this.options.refresh())) throw error;
      return await this.post(method, params, timeoutMs, signal, headers);
    }
  }

  private async post(
    method: string,
    params: Record<string, unknown>,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const { server } = this.options;
    const url = this.url as string;
    const id = this.nextId++;
    const request = await postWithBackoff({
      fetch: this.options.fetch,
      url,
      serverName: server.name,
      headers: { ...headers, "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
      timeoutMs,
      fallbackDelayMs: server.reconnectIntervalMs,
      signals: [this.options.lifetime, signal],
      secrets: this.options.secrets,
    });
    let text: string;
    try {
      text = await request.response.text();
    } catch (cause) {
      if (request.timedOut())
        throw new McpSseError(
          "CLIENT_REQUEST_TIMEOUT",
          `POST ${redactUrl(url)} for server "${server.name}" got no answer within ${timeoutMs} ms.`,
          {
            details: { server: server.name, url: redactUrl(url), method: "POST", timeoutMs },
            cause,
          },
        );
      throw new McpSseError(
        "CLIENT_NETWORK",
        `POST ${redactUrl(url)} for server "${server.name}": the answer was cut short.`,
        { details: { server: server.name, url: redactUrl(url), method: "POST" }, cause },
      );
    } finally {
      request.clearTimeout();
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw this.invalid(method, "is not JSON");
    }
    const answer = decodeAnswer(body);
    if (answer === undefined) throw this.invalid(method, "is not a JSON object");
    return answer;
  }

  private invalid(method: string, why: string): McpSseError {
    const { server } = this.options;
    return new McpSseError(
      CLIENT_RPC_INVALID,
      `The answer of server "${server.name}" to ${method} at ${redactUrl(this.url ?? "")} ${why}; is rpc_url right?`,
      { details: { server: server.name, method, url: redactUrl(this.url ?? "") } },
    );
  }
}
