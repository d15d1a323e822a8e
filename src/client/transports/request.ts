/**
 * One HTTP request of a client transport, with the guarantees the manager relies on: a
 * timeout on every request (nothing hangs), typed errors that carry the status, the URL
 * without credentials and a short body excerpt, and never a header value in a message.
 */
import { McpSseError, redactUrl } from "../../errors.js";
import { REDACTED, redactValue } from "../../redact.js";
import { parseRetryAfter } from "../../sse/backoff.js";
import type { HttpFetch, HttpResponse } from "../../sse/http-response.js";
import { discardOf, takesRequestAbort } from "../dispatch-mark.js";
import { RequestAbort } from "./request-abort.js";

/** Longest body excerpt kept in an HTTP error. */
export const ERROR_BODY_EXCERPT_CHARS = 200;
/** Most attempts of one POST answered 429/503 with a `Retry-After` that fits its timeout. */
export const MAX_POST_ATTEMPTS = 3;

export type HeaderSource = () => Record<string, string> | Promise<Record<string, string>>;

export interface TimedRequest {
  response: HttpResponse;
  /** Stop the timeout clock (the caller has what it waited for). */
  clearTimeout(): void;
  /** True once the timeout fired (so an aborted body read can be reported as a timeout). */
  timedOut(): boolean;
}

export interface TimedFetchOptions {
  fetch: HttpFetch;
  url: string;
  init: RequestInit;
  serverName: string;
  /** 0 disables the timeout. */
  timeoutMs: number;
  /**
   * The timeout a timeout error names (default `timeoutMs`): the whole call's budget, when
   * `timeoutMs` is what is left of it after earlier attempts.
   */
  budgetMs?: number;
  /** The transport's own signal (close) and/or the SDK's per-request signal. */
  signals: (AbortSignal | undefined)[];
}

/**
 * `fetch` with a timeout that keeps running until `clearTimeout()` (so reading a JSON body
 * is covered too). Rejects with `CLIENT_REQUEST_TIMEOUT`, `CLIENT_ABORTED` or `CLIENT_NETWORK`.
 */
export async function timedFetch(options: TimedFetchOptions): Promise<TimedRequest> {
  const { url, init, serverName, timeoutMs } = options;
  // A fetch over undici's `request()` takes the light abort source (request-abort.ts).
  const controller = takesRequestAbort(options.fetch) ? new RequestAbort() : new AbortController();
  const signal = controller instanceof RequestAbort ? controller : controller.signal;
  let timedOut = false;
  const timer =
    timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          controller.abort();
        }, timeoutMs)
      : undefined;
  const unlinks: (() => void)[] = [];
  for (const s of options.signals) {
    if (s === undefined) continue;
    if (s.aborted) controller.abort();
    else unlinks.push(linkAbort(s, controller));
  }
  const cleanup = () => {
    if (timer !== undefined) clearTimeout(timer);
    for (const unlink of unlinks) unlink();
  };
  const method = init.method ?? "GET";
  try {
    // `redirect: "error"`: a JSON-RPC POST is never meant to move. With any other mode
    // undici clones the request (a `tee()` of every body) in case it has to follow or
    // replay it; "error" is the one mode that skips the clone. A 3xx becomes an error.
    const response = await options.fetch(url, {
      redirect: "error",
      ...init,
      // A `RequestAbort` only for a fetch that takes one (`takesRequestAbort`).
      signal: signal as AbortSignal,
    });
    return {
      response,
      clearTimeout: cleanup,
      timedOut: () => timedOut,
    };
  } catch (cause) {
    cleanup();
    if (timedOut)
      throw requestTimeout(serverName, method, url, options.budgetMs ?? timeoutMs, cause);
    if (signal.aborted) throw aborted(serverName, method, url, cause);
    if (cause instanceof McpSseError) throw cause;
    if (isRedirectRefusal(cause))
      throw new McpSseError(
        "CLIENT_HTTP_STATUS",
        `${method} ${redactUrl(url)} for server "${serverName}" was answered with a redirect (HTTP 3xx), which is not followed; configure the server's final URL instead.`,
        { details: { server: serverName, url: redactUrl(url), method, redirect: true }, cause },
      );
    throw new McpSseError(
      "CLIENT_NETWORK",
      `${method} ${redactUrl(url)} for server "${serverName}" failed: ${causeMessage(cause)}. Check that the server is running and the URL is right.`,
      { details: { server: serverName, url: redactUrl(url), method }, cause },
    );
  }
}

/** What `linkAbort` aborts: an `AbortController` or a `RequestAbort`. */
interface Abortable {
  abort(reason?: unknown): void;
}

/** Controllers waiting on each signal: ONE `abort` listener per signal, however many requests. */
const linked = new WeakMap<AbortSignal, Set<Abortable>>();

/**
 * Abort `controller` when `signal` aborts, until the returned function unlinks it. All the
 * requests in flight on one signal (the transport's lifetime) share one listener: one each
 * would pass Node's listener limit (`MaxListenersExceededWarning`) at 11 concurrent calls.
 */
export function linkAbort(signal: AbortSignal, controller: Abortable): () => void {
  if (signal.aborted) {
    controller.abort();
    return () => undefined;
  }
  let set = linked.get(signal);
  if (set === undefined) {
    const controllers = new Set<Abortable>();
    set = controllers;
    linked.set(signal, controllers);
    signal.addEventListener(
      "abort",
      () => {
        linked.delete(signal);
        for (const c of controllers) c.abort();
        controllers.clear();
      },
      { once: true },
    );
  }
  set.add(controller);
  const registered = set;
  return () => {
    registered.delete(controller);
  };
}

export function requestTimeout(
  serverName: string,
  method: string,
  url: string,
  timeoutMs: number,
  cause?: unknown,
): McpSseError {
  return new McpSseError(
    "CLIENT_REQUEST_TIMEOUT",
    `${method} ${redactUrl(url)} for server "${serverName}" got no answer within ${timeoutMs} ms; raise the server's timeout if it is slow.`,
    { details: { server: serverName, url: redactUrl(url), method, timeoutMs }, cause },
  );
}

export function aborted(serverName: string, method: string, url: string, cause?: unknown) {
  return new McpSseError(
    "CLIENT_ABORTED",
    `${method} ${redactUrl(url)} for server "${serverName}" was aborted (transport closed or request cancelled).`,
    { details: { server: serverName, url: redactUrl(url), method }, cause },
  );
}

/** fetch's rejection for a 3xx under `redirect: "error"` (undici: "unexpected redirect"). */
function isRedirectRefusal(cause: unknown): boolean {
  const inner = cause instanceof Error ? (cause as { cause?: unknown }).cause : undefined;
  return inner instanceof Error && inner.message === "unexpected redirect";
}

function causeMessage(cause: unknown): string {
  if (cause instanceof Error) {
    // undici says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, "bad port") is
    // in its cause.
    const inner = (cause as { cause?: unknown }).cause;
    const code = (inner as { code?: unknown } | undefined)?.code;
    if (typeof code === "string") return `${cause.message} (${code})`;
    return inner instanceof Error && inner.message
      ? `${cause.message} (${inner.message})`
      : cause.message;
  }
  return String(cause);
}

/** Read at most `limit` characters of a body, then cancel it. Never throws. */
export async function readExcerpt(response: HttpResponse, limit = ERROR_BODY_EXCERPT_CHARS) {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    while (text.length < limit) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // The excerpt only decorates an error already being reported; a body that fails
    // mid-read leaves the excerpt short, which the message shows as it is.
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/**
 * Most bytes of an answer whose body we do not need ("202 Accepted") that are read to its
 * end rather than cancelled. Cancelling a body still in flight makes undici abort the fetch
 * (a `DOMException` and an abort event: a measurable cost on every legacy POST, whose 202
 * body "Accepted" usually comes chunked, its end in the same packet).
 */
export const SMALL_BODY_BYTES = 4096;

/**
 * Be done with a body the caller does not need: read to its end while it stays within
 * `SMALL_BODY_BYTES` (the caller's timeout, still running, bounds the time), otherwise
 * cancel it. Never throws: the server accepted the request whatever its body does.
 */
export async function settleBody(response: HttpResponse): Promise<void> {
  try {
    // A `request()` answer drops its body without ever making it a web stream.
    const discard = discardOf(response);
    if (discard !== undefined) {
      await discard(SMALL_BODY_BYTES);
      return;
    }
    const body = response.body;
    if (body === null) return;
    const declared = Number(response.headers.get("content-length") ?? 0);
    if (declared > SMALL_BODY_BYTES) {
      await body.cancel();
      return;
    }
    const reader = body.getReader();
    for (let read = 0; read <= SMALL_BODY_BYTES; ) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.byteLength;
    }
    await reader.cancel();
  } catch {
    // A body that fails after a 2xx changes nothing: the server accepted the request.
  }
}

/** Replace every secret value (header values we sent) found in `text`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(REDACTED);
  return out;
}

/**
 * The typed error for a non-2xx answer: `CLIENT_UNAUTHORIZED` (401), `CLIENT_FORBIDDEN`
 * (403), otherwise `CLIENT_HTTP_STATUS`. `details`: status, url, method, body, retryAfterMs.
 */
export async function httpStatusError(options: {
  serverName: string;
  method: string;
  url: string;
  response: HttpResponse;
  secrets: readonly string[];
  what?: string;
}): Promise<McpSseError> {
  const { serverName, method, url, response } = options;
  const body = scrub(await readExcerpt(response), options.secrets).trim();
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
  const status = response.status;
  const where = `${method} ${redactUrl(url)} for server "${serverName}"`;
  const details = {
    server: serverName,
    status,
    url: redactUrl(url),
    method,
    body,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
  const bodyPart = body === "" ? "" : `: ${body}`;
  if ((status >= 300 && status < 400) || response.type === "opaqueredirect") {
    // A `fetch` that hands back a 3xx (`redirect: "manual"` semantics in a custom fetch):
    // redirects are not followed; say where it pointed, without secrets.
    const location = response.headers.get("location");
    const target =
      location === null ? undefined : scrub(redactUrl(safeResolve(location, url)), options.secrets);
    return new McpSseError(
      "CLIENT_HTTP_STATUS",
      `${where} was answered with a redirect (HTTP ${status})${target ? ` to ${target}` : ""}, which is not followed; configure the server's final URL instead${bodyPart}`,
      { details: target === undefined ? details : { ...details, location: target } },
    );
  }
  if (status === 401)
    return new McpSseError(
      "CLIENT_UNAUTHORIZED",
      `${where} was refused with HTTP 401 (unauthorized); check or refresh its credentials${bodyPart}`,
      { details },
    );
  if (status === 403)
    return new McpSseError(
      "CLIENT_FORBIDDEN",
      `${where} was refused with HTTP 403 (forbidden); the credentials lack access${bodyPart}`,
      { details },
    );
  return new McpSseError(
    "CLIENT_HTTP_STATUS",
    `${where} failed with HTTP ${status}${options.what ? ` ${options.what}` : ""}${bodyPart}`,
    { details },
  );
}

/** `location` resolved against the request URL (kept as is when it does not parse). */
function safeResolve(location: string, base: string): string {
  try {
    return new URL(location, base).href;
  } catch {
    // A malformed Location is still worth showing (redacted) in the error message.
    return location;
  }
}

/** Every header value, for `scrub` (values are secrets; names are not). */
export function headerValues(headers: Record<string, string>): string[] {
  return Object.values(headers);
}

/** Resolve a header source (token refresh happens here, before every request). */
export async function resolveHeaders(source: HeaderSource): Promise<Record<string, string>> {
  return { ...(await source()) };
}

/** Causes followed when scrubbing an error (a cause chain is short; a cycle is not followed). */
const MAX_SCRUBBED_CAUSES = 8;

/**
 * A copy of `error` with every secret value removed from its message, `details` (at any
 * depth) and cause chain. Errors from below (the SSE reader quotes response bodies, the SDK
 * quotes JSON-RPC errors) may echo a header a server reflected; nothing the client reports
 * may carry one.
 */
export function scrubError(error: McpSseError, secrets: readonly string[], depth = 0): McpSseError {
  const values = secrets.filter((s) => s.length >= 4);
  if (values.length === 0) return error;
  const cause = scrubCause((error as { cause?: unknown }).cause, values, depth);
  return new McpSseError(error.code, scrub(error.message, values), {
    details: redactValue(error.details, { names: false, values }) as Record<string, unknown>,
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * `error` of any kind without the secret values: an `McpSseError` through `scrubError`, any
 * other `Error` as a plain `Error` with the same `name`, scrubbed message and own fields (an
 * SDK `ProtocolError`'s `code` and `data`), and its cause; anything else through the walker.
 */
export function scrubAnyError(error: unknown, secrets: readonly string[], depth = 0): unknown {
  if (error instanceof McpSseError) return scrubError(error, secrets, depth);
  if (!(error instanceof Error)) return redactValue(error, { names: false, values: secrets });
  const cause = scrubCause((error as { cause?: unknown }).cause, secrets, depth);
  const copy = new Error(
    scrub(error.message, secrets),
    cause === undefined ? undefined : { cause },
  ) as Error & Record<string, unknown>;
  copy.name = error.name;
  for (const [key, value] of Object.entries(error))
    if (key !== "message" && key !== "name")
      copy[key] = redactValue(value, { names: false, values: secrets });
  return copy;
}

function scrubCause(cause: unknown, secrets: readonly string[], depth: number): unknown {
  if (cause === undefined || depth >= MAX_SCRUBBED_CAUSES) return undefined;
  return scrubAnyError(cause, secrets, depth + 1);
}
