/**
 * What the end of a Streamable HTTP event stream means, decided apart from the transport that
 * acts on it: the session is lost (404 for our session id), the transport must end, or only a
 * warning is due and the session goes on.
 */
import type { ServerConfig } from "../../config/types.js";
import { McpSseError } from "../../errors.js";
import { DEFAULT_RETRY_JITTER } from "../../sse/backoff.js";
import { type EventStreamReader, reconnectDelayMs } from "../../sse/reader-options.js";
import type { AnswerEnd } from "./answer-stream.js";
import {
  isRedirectRefusal,
  isRetryable,
  sessionLost,
  standaloneRedirected,
  streamEndError,
} from "./errors.js";
import { scrubError } from "./request.js";

export interface StreamEndContext {
  server: ServerConfig;
  url: URL;
  /** The server gave us a session id (a 404 then means it forgot the session). */
  hasSession: boolean;
  /** Header values sent so far, scrubbed from every error made here. */
  secrets: string[];
}

/** `finish`: the transport ends with `error`; `warn`: `error` is reported, the session lives. */
export type StreamEnd =
  | { kind: "finish"; error: McpSseError }
  | { kind: "warn"; error: McpSseError }
  | { kind: "quiet"; note: string };

function statusOf(error: McpSseError | undefined): unknown {
  return error?.code === "SSE_HTTP_STATUS" ? error.details["status"] : undefined;
}

/** The standalone GET stream (server-initiated messages) closed on its own. */
export function standaloneEnd(handle: EventStreamReader, ctx: StreamEndContext): StreamEnd {
  const last = handle.error;
  const status = statusOf(last);
  const name = ctx.server.name;
  if (status === 404 && ctx.hasSession && last !== undefined) {
    const cause = scrubError(last, ctx.secrets);
    return {
      kind: "finish",
      error: sessionLost(name, "the server answered 404 to the event stream", cause),
    };
  }
  // The standalone stream is optional (spec: 405 = the server offers none). A server that
  // refuses it with another 4xx on the first try keeps the session: POSTs still work.
  // So does one that redirects it: not followed (our headers would travel with it), and
  // ending would re-initialize into the same redirect, again and again.
  if (last !== undefined && isRedirectRefusal(last)) {
    return { kind: "warn", error: standaloneRedirected(name, last) };
  }
  const refused =
    handle.openCount === 0 &&
    typeof status === "number" &&
    status >= 400 &&
    status < 500 &&
    status !== 401 &&
    status !== 403;
  if (refused && status === 405) {
    return { kind: "quiet", note: "server offers no standalone GET stream (405)" };
  }
  if (refused) {
    return {
      kind: "warn",
      error: new McpSseError(
        "CLIENT_NO_STANDALONE_STREAM",
        `Server "${name}" refused the standalone GET stream with HTTP ${status}; server-initiated messages arrive only on request streams.`,
        { details: { server: name, status } },
      ),
    };
  }
  return {
    kind: "finish",
    error: streamEndError(ctx.server, ctx.url, last, "standalone", ctx.secrets),
  };
}

/**
 * A request's SSE answer ended before every response it owed (`pending`). `last` is the
 * reader's final error when the stream could have been resumed (it had an event id), `why`
 * its final error in any case. `warn`: the pending requests fail now, the session lives.
 */
export function requestStreamEnd(
  pending: ReadonlySet<string | number>,
  last: McpSseError | undefined,
  why: McpSseError | undefined,
  ctx: StreamEndContext,
): Exclude<StreamEnd, { kind: "quiet" }> {
  const status = statusOf(last);
  const name = ctx.server.name;
  if (status === 404 && ctx.hasSession) {
    const cause = last && scrubError(last, ctx.secrets);
    return {
      kind: "finish",
      error: sessionLost(name, "the server answered 404 when resuming a stream", cause),
    };
  }
  if (status === 401) {
    return {
      kind: "finish",
      error: streamEndError(ctx.server, ctx.url, last, "request", ctx.secrets),
    };
  }
  if (last !== undefined) {
    return {
      kind: "warn",
      error: streamEndError(ctx.server, ctx.url, last, "request", ctx.secrets),
    };
  }
  const ids = [...pending];
  return {
    kind: "warn",
    error: new McpSseError(
      "CLIENT_STREAM_ENDED",
      `The SSE answer of server "${name}" ended before the response to request ${ids.join(", ")} and cannot be resumed (the server sent no event id).`,
      {
        details: { server: name, pending: ids },
        ...(why !== undefined ? { cause: scrubError(why, ctx.secrets) } : {}),
      },
    ),
  };
}

/**
 * A POST's SSE answer read by answer-stream.ts ended before every response it owed. As the
 * full reader would: `resume` it by GET + `Last-Event-ID` after the reader's first reconnect
 * delay when it can be; else it is `lost`, `why` undefined for a clean end without
 * reconnection (no error, as the reader has it).
 */
export function answerEnd(
  end: AnswerEnd,
  policy: { reconnect: boolean; minDelayMs: number; maxDelayMs: number },
):
  | { kind: "resume"; error: McpSseError; delayMs: number }
  | { kind: "lost"; why: McpSseError | undefined } {
  const { error, lastEventId } = end;
  if (error !== undefined && policy.reconnect && lastEventId !== "" && isRetryable(error)) {
    const settings = { ...policy, jitter: DEFAULT_RETRY_JITTER };
    const delayMs = reconnectDelayMs(settings, 1, { serverRetryMs: end.retryMs });
    return { kind: "resume", error, delayMs };
  }
  const why = !policy.reconnect && error?.code === "SSE_STREAM_ENDED" ? undefined : error;
  return { kind: "lost", why };
}
