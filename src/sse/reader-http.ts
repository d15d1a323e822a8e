import { McpSseError, redactUrl } from "../errors.js";
import { parseRetryAfter } from "./backoff.js";
import type { HttpResponse } from "./http-response.js";

/**
 * The HTTP side of the event-stream reader: the headers a request carries and what a
 * response's status and content type mean (open, stop, retry or give up). No I/O besides
 * reading the first bytes of an error body.
 */

/** Characters of an error body quoted in the `SSE_HTTP_STATUS` message. */
export const ERROR_BODY_MESSAGE_CHARS = 200;
/** Bytes of an error body read at most (kept in `details.body`); the rest is cancelled. */
export const ERROR_BODY_MAX_BYTES = 2048;

/**
 * Request headers for one attempt. Per the HTML spec's "reestablish the connection":
 * `Accept: text/event-stream`, `Cache-Control: no-cache`, and `Last-Event-ID` when the
 * last event ID string is not empty. The caller's headers may override the first two; the
 * reader owns `Last-Event-ID` (it is what resumption depends on).
 */
export function buildHeaders(
  custom: Record<string, string> | undefined,
  lastEventId: string,
): Headers {
  const headers = new Headers({ Accept: "text/event-stream", "Cache-Control": "no-cache" });
  for (const [name, value] of Object.entries(custom ?? {})) headers.set(name, value);
  if (lastEventId !== "") headers.set("Last-Event-ID", lastEventId);
  else headers.delete("Last-Event-ID");
  return headers;
}

/** True when `Content-Type` names `text/event-stream` (parameters such as charset ignored). */
export function isEventStreamType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const essence = contentType.split(";", 1)[0] ?? "";
  return essence.trim().toLowerCase() === "text/event-stream";
}

/**
 * Statuses worth retrying: 408 Request Timeout, 429 Too Many Requests and every 5xx.
 * Other 4xx (401, 403, 404, …) will not heal by asking again: they are fatal.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/** Shorter values are too likely to be ordinary words to scrub. */
const MIN_SCRUBBED_LENGTH = 6;

/**
 * The header values of a request that must not be echoed back into an error: a server that
 * reflects `Authorization` in its 401 body would otherwise put the token in our message.
 * For `Scheme credential` values the credential alone is listed too.
 */
export function secretValuesOf(headers: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  for (const value of Object.values(headers ?? {})) {
    if (value.length >= MIN_SCRUBBED_LENGTH) out.push(value);
    const credential = /^\S+\s+(\S.*)$/.exec(value)?.[1];
    if (credential !== undefined && credential.length >= MIN_SCRUBBED_LENGTH) out.push(credential);
  }
  // Longest first, so a whole value is replaced before its credential part.
  return out.sort((a, b) => b.length - a.length);
}

/** The one string scrubber (redact.ts), re-exported for the reader. */
export { scrubValues } from "../redact.js";

/**
 * True for an answer that is a redirect: a 3xx (`redirect: "manual"` in Node), or the opaque
 * redirect a browser hands back instead (status 0, no `Location` to read).
 */
export function isRedirect(response: HttpResponse): boolean {
  return (response.status >= 300 && response.status < 400) || response.type === "opaqueredirect";
}

/**
 * `SSE_HTTP_STATUS` for a redirect, which the reader does not follow (fatal): the request's
 * headers must not travel to wherever the server points, and a same-origin move is a
 * configuration to fix. `details: { status, redirect: true, location?, body }`.
 */
function redirectError(url: string | URL, response: HttpResponse, body: string): McpSseError {
  const raw = response.headers.get("location");
  let location: string | undefined;
  if (raw !== null) {
    try {
      location = redactUrl(new URL(raw, url));
    } catch {
      // A Location that does not parse is still worth naming (redacted as a string).
      location = redactUrl(raw);
    }
  }
  const to = location === undefined ? "" : ` to ${location}`;
  return new McpSseError(
    "SSE_HTTP_STATUS",
    `Event stream ${redactUrl(url)} answered with a redirect (HTTP ${response.status})${to}, which is not followed; configure the final URL instead`,
    {
      details: {
        status: response.status,
        redirect: true,
        ...(location === undefined ? {} : { location }),
        body,
      },
    },
  );
}

/** `SSE_HTTP_STATUS` for a non-2xx answer; `retryAfterMs` from `Retry-After` when valid. */
export function httpStatusError(
  url: string | URL,
  response: HttpResponse,
  body: string,
): McpSseError {
  if (isRedirect(response)) return redirectError(url, response, body);
  const retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
  const quoted =
    body.length > ERROR_BODY_MESSAGE_CHARS ? `${body.slice(0, ERROR_BODY_MESSAGE_CHARS)}…` : body;
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  const hint = isRetryableStatus(response.status)
    ? "will retry"
    : response.status === 401 || response.status === 403
      ? "check the credentials in the request headers"
      : "check the URL";
  return new McpSseError(
    "SSE_HTTP_STATUS",
    `Event stream ${redactUrl(url)} answered ${status}${quoted ? `: ${quoted}` : ""} (${hint})`,
    {
      details:
        retryAfterMs === undefined
          ? { status: response.status, body }
          : { status: response.status, retryAfterMs, body },
    },
  );
}

/** `SSE_BAD_CONTENT_TYPE`: a 2xx answer that is not an event stream. Fatal. */
export function badContentTypeError(url: string | URL, response: HttpResponse): McpSseError {
  const contentType = response.headers.get("content-type");
  return new McpSseError(
    "SSE_BAD_CONTENT_TYPE",
    `Event stream ${redactUrl(url)} answered HTTP ${response.status} with Content-Type ${
      contentType === null ? "(none)" : JSON.stringify(contentType)
    }, expected "text/event-stream" (is the URL an SSE endpoint?)`,
    { details: { status: response.status, contentType } },
  );
}

/**
 * The first `maxBytes` of a body as text, then the rest is cancelled so the connection
 * is released. A body that fails midway yields what arrived before the failure: the
 * status is the error being reported, the body only decorates it.
 */
export async function readBodySnippet(
  response: HttpResponse,
  signal: AbortSignal,
  maxBytes: number = ERROR_BODY_MAX_BYTES,
): Promise<string> {
  if (response.body === null) return "";
  const reader = response.body.getReader();
  // Cancelling ends a pending read() even for a response not fetched under `signal`.
  const cancel = () => void reader.cancel(signal.reason).catch(ignoreCancelFailure);
  signal.addEventListener("abort", cancel, { once: true });
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  try {
    while (bytes < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const part = value.subarray(0, maxBytes - bytes);
      bytes += part.byteLength;
      text += decoder.decode(part, { stream: true });
    }
  } catch (error) {
    text += ` [body unreadable: ${error instanceof Error ? error.message : String(error)}]`;
  } finally {
    signal.removeEventListener("abort", cancel);
    reader.cancel().catch(ignoreCancelFailure);
  }
  return (text + decoder.decode()).trim();
}

/** Cancelling an already failed or closed body rejects with its old error: nothing to do. */
export function ignoreCancelFailure(): void {}

/** `cause` if it is already an `McpSseError`, else wrapped under `code`. */
export function asReaderError(cause: unknown, code: string, url: string | URL): McpSseError {
  if (cause instanceof McpSseError) return cause;
  return new McpSseError(code, `Event stream ${redactUrl(url)}: ${describeCause(cause)}`, {
    cause,
  });
}

export function describeCause(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  // undici's "fetch failed" TypeError hides the useful part (ECONNREFUSED, …) in `cause`.
  const inner = (cause as { cause?: unknown }).cause;
  return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
}
