import { McpSseError, redactUrl } from "../errors.js";
import { describeCause } from "./reader-http.js";

/**
 * The errors the reconnecting reader makes of its own (HTTP answers are in reader-http.ts).
 * Each names the stream by its URL without credentials and says what happens next.
 */

export function connectTimeoutError(url: string | URL, timeoutMs: number): McpSseError {
  return new McpSseError(
    "SSE_CONNECT_TIMEOUT",
    `Event stream ${redactUrl(url)}: no response headers within ${timeoutMs} ms (will retry)`,
    { details: { timeoutMs } },
  );
}

export function idleTimeoutError(url: string | URL, timeoutMs: number): McpSseError {
  return new McpSseError(
    "SSE_IDLE_TIMEOUT",
    `Event stream ${redactUrl(url)}: no data for ${timeoutMs} ms, reconnecting (a server should send a keep-alive comment more often)`,
    { details: { timeoutMs } },
  );
}

export function streamEndedError(url: string | URL): McpSseError {
  return new McpSseError(
    "SSE_STREAM_ENDED",
    `Event stream ${redactUrl(url)}: the server ended the stream`,
  );
}

export function networkError(url: string | URL, cause: unknown): McpSseError {
  return new McpSseError(
    "SSE_NETWORK",
    `Event stream ${redactUrl(url)}: network error: ${describeCause(cause)} (will retry)`,
    { cause },
  );
}

export function reconnectsExhaustedError(
  url: string | URL,
  attempts: number,
  last: McpSseError,
): McpSseError {
  return new McpSseError(
    "SSE_RECONNECTS_EXHAUSTED",
    `Event stream ${redactUrl(url)}: gave up after ${attempts} failed reconnect attempt(s); last error: ${last.message}`,
    { cause: last, details: { attempts, lastCode: last.code } },
  );
}

/** A user callback threw; `what` names it in the message, `consequence` says what follows. */
export function handlerFailedError(
  url: string | URL,
  handler: string,
  cause: unknown,
  { what = `${handler} handler`, consequence = "" } = {},
): McpSseError {
  return new McpSseError(
    "SSE_HANDLER_FAILED",
    `Event stream ${redactUrl(url)}: ${what} threw: ${describeCause(cause)}${consequence}`,
    { cause, details: { handler } },
  );
}

/**
 * The abort reason of an attempt closed by `close()`: built once, on first use, and shared.
 * A fresh error (with its stack trace) on every normal end of a stream showed up in the
 * profile; the reason never reaches a caller (a closed reader reports `stop`), so one will do.
 */
let sharedClosedReason: McpSseError | undefined;
export function closedReason(): McpSseError {
  sharedClosedReason ??= new McpSseError("SSE_CLOSED", "Event stream reader closed");
  return sharedClosedReason;
}
