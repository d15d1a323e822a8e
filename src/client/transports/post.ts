/**
 * POST with back-off: a 429 or 503 is retried after its `Retry-After` (else the server's
 * reconnect interval) while that fits in the request's time budget, up to
 * `MAX_POST_ATTEMPTS`; the server has not processed such a request, so repeating it is safe.
 * Any other non-2xx answer becomes a typed error (`httpStatusError`).
 */
import type { JSONRPCMessage } from "@modelcontextprotocol/client";
import { isMcpSseError, McpSseError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { sleep } from "../../sse/backoff.js";
import type { HttpFetch } from "../../sse/http-response.js";
import { parseJsonRpc } from "./jsonrpc.js";
import {
  aborted,
  httpStatusError,
  MAX_POST_ATTEMPTS,
  requestTimeout,
  type TimedRequest,
  timedFetch,
} from "./request.js";

export interface PostOptions {
  fetch: HttpFetch;
  url: string;
  serverName: string;
  method?: string;
  headers: Record<string, string>;
  body?: string;
  /** Budget of the whole call incl. back-off; 0 disables. */
  timeoutMs: number;
  /** Back-off when a 429/503 has no `Retry-After`. */
  fallbackDelayMs: number;
  signals: (AbortSignal | undefined)[];
  secrets: () => readonly string[];
}

/** Resolves with a 2xx answer (timeout still running: call `clearTimeout`), or rejects typed. */
export async function postWithBackoff(options: PostOptions): Promise<TimedRequest> {
  const method = options.method ?? "POST";
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const remaining =
      options.timeoutMs > 0 ? options.timeoutMs - (Date.now() - started) : Number.POSITIVE_INFINITY;
    if (remaining <= 0)
      throw requestTimeout(options.serverName, method, options.url, options.timeoutMs);
    const init: RequestInit = { method, headers: options.headers };
    if (options.body !== undefined) init.body = options.body;
    const request = await timedFetch({
      fetch: options.fetch,
      url: options.url,
      init,
      serverName: options.serverName,
      timeoutMs: Number.isFinite(remaining) ? remaining : 0,
      budgetMs: options.timeoutMs,
      signals: options.signals,
    });
    const { response } = request;
    if (response.ok) return request;
    let error: McpSseError;
    try {
      error = await httpStatusError({
        serverName: options.serverName,
        method,
        url: options.url,
        response,
        secrets: options.secrets(),
      });
    } finally {
      request.clearTimeout();
    }
    const status = response.status;
    if ((status === 429 || status === 503) && attempt < MAX_POST_ATTEMPTS) {
      const delay =
        (error.details["retryAfterMs"] as number | undefined) ?? options.fallbackDelayMs;
      const left =
        options.timeoutMs > 0
          ? options.timeoutMs - (Date.now() - started)
          : Number.POSITIVE_INFINITY;
      if (delay < left) {
        const signal = AbortSignal.any(options.signals.filter((s): s is AbortSignal => !!s));
        if (!(await sleep(delay, signal)))
          throw aborted(options.serverName, method, options.url, error);
        continue;
      }
    }
    throw error;
  }
}

/**
 * `DELETE` (Streamable HTTP session end). Never throws: closing must succeed even when the
 * server is gone, so a failure is only logged, and 405 (the server does not allow it) not even that.
 */
export async function deleteQuietly(options: Omit<PostOptions, "method" | "body">, log: Logger) {
  try {
    const r = await postWithBackoff({ ...options, method: "DELETE" });
    r.clearTimeout();
    await r.response.body?.cancel();
  } catch (error) {
    const status = isMcpSseError(error) ? error.details["status"] : undefined;
    if (status !== 405)
      log.debug(
        { code: isMcpSseError(error) ? error.code : undefined, err: String(error) },
        "session DELETE failed",
      );
  }
}

/** Longest wait for the session DELETE on close, ms (close must not hang on a dead server). */
export const DEFAULT_DELETE_TIMEOUT_MS = 5_000;

/**
 * Tell a Streamable HTTP server the session is over (spec: DELETE with the session id; 405 =
 * not allowed), within `DEFAULT_DELETE_TIMEOUT_MS` at most. Never throws.
 */
export async function deleteSession(
  options: Pick<PostOptions, "fetch" | "url" | "serverName" | "headers" | "secrets">,
  serverTimeoutMs: number,
  log: Logger,
): Promise<void> {
  const timeoutMs =
    serverTimeoutMs > 0
      ? Math.min(serverTimeoutMs, DEFAULT_DELETE_TIMEOUT_MS)
      : DEFAULT_DELETE_TIMEOUT_MS;
  await deleteQuietly({ ...options, timeoutMs, fallbackDelayMs: 0, signals: [] }, log);
}

/** A POST's JSON answer (one message or a batch), read under the POST's timeout. */
export async function readJsonRpcAnswer(
  request: TimedRequest,
  server: { name: string; timeoutMs: number },
  url: string,
): Promise<JSONRPCMessage[]> {
  let text: string;
  try {
    text = await request.response.text();
  } catch (cause) {
    if (request.timedOut()) throw requestTimeout(server.name, "POST", url, server.timeoutMs, cause);
    throw cause;
  } finally {
    request.clearTimeout();
  }
  const parsed = parseJsonRpc(text, server.name);
  if (parsed instanceof McpSseError) throw parsed;
  return parsed;
}

/** The media type of a `Content-Type` (parameters dropped, lower case). */
export function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}
