/**
 * A Streamable HTTP POST's SSE answer, read once, straight from the answer's node stream.
 *
 * Such an answer carries one call's response (and the notifications and requests related to
 * it), then ends. The full reader (`openEventStream`) builds per answer what only a stream
 * that reconnects needs — settings, an `AbortSignal.any`, a web stream, state callbacks, a
 * request loop — which made it most of our client's CPU per Streamable HTTP call. This reads
 * the bytes with the same connection parser and says how the answer ended; the transport
 * resumes a broken-off answer through the full reader (GET + `Last-Event-ID`), as before.
 */
import type { Readable } from "node:stream";
import { McpSseError } from "../../errors.js";
import { handlerFailedError, networkError, streamEndedError } from "../../sse/reader-errors.js";
import { createConnectionParser } from "../../sse/reader-parser.js";
import type { SseEvent } from "../../sse/types.js";

/** How an answer ended: `error` is undefined when it was closed by us (or all was read). */
export interface AnswerEnd {
  /** `SSE_STREAM_ENDED` (the server ended it), a network error, or a parser's typed error. */
  error: McpSseError | undefined;
  /** The last event id seen (`""`: none), for `Last-Event-ID`. */
  lastEventId: string;
  /** The server's last `retry:` (ms), if it sent one. */
  retryMs: number | undefined;
}

export interface AnswerStreamOptions {
  url: string;
  body: Readable;
  /** Any of them aborting closes the answer (the transport's lifetime, the SDK's request). */
  signals: readonly (AbortSignal | undefined)[];
  onEvent(event: SseEvent): void;
  /** Parser errors the answer survives (an event over the size limit is dropped). */
  onError(error: McpSseError): void;
  /** Once, when the answer is over. */
  onEnd(end: AnswerEnd): void;
}

export interface AnswerStream {
  /** Every response is in: end when the server ends the answer, or after `graceMs`. */
  closeAtEnd(graceMs: number): void;
  close(): void;
}

export function readAnswerStream(o: AnswerStreamOptions): AnswerStream {
  const { body } = o;
  let over = false;
  let closing = false;
  let lastEventId = "";
  let retryMs: number | undefined;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;
  const parser = createConnectionParser("", {
    onEvent: (event) => {
      if (over) return;
      lastEventId = event.lastEventId;
      try {
        o.onEvent(event);
      } catch (cause) {
        // As the full reader: a handler that throws is reported; the answer goes on.
        o.onError(handlerFailedError(o.url, "onEvent", cause));
      }
    },
    onRetry: (ms) => {
      retryMs = ms;
    },
    onError: (error) => {
      if (!over) o.onError(error instanceof McpSseError ? error : networkError(o.url, error));
    },
  });
  const end = (error: McpSseError | undefined) => {
    if (over) return;
    over = true;
    clearTimeout(graceTimer);
    for (const s of o.signals) s?.removeEventListener("abort", close);
    body.off("data", onData);
    body.off("end", onFinished);
    body.off("error", onFailed);
    body.off("close", onClosed);
    // Stopped before the end (closed, or a parser failure): release the connection.
    if (!body.readableEnded) body.destroy();
    o.onEnd({ error, lastEventId, retryMs });
  };
  const close = () => end(undefined);
  const onData = (chunk: Buffer) => {
    parser.feed(chunk);
    if (!over) lastEventId = parser.committedId;
  };
  const onFinished = () => end(closing ? undefined : streamEndedError(o.url));
  const onFailed = (cause: Error) => end(closing ? undefined : networkError(o.url, cause));
  // A body destroyed without an error (undici on an aborted request) ends the answer too.
  const onClosed = () => end(closing ? undefined : streamEndedError(o.url));
  for (const s of o.signals) {
    if (s?.aborted) {
      queueMicrotask(close);
      return { closeAtEnd: () => undefined, close };
    }
    s?.addEventListener("abort", close, { once: true });
  }
  body.on("data", onData);
  body.once("end", onFinished);
  body.once("error", onFailed);
  body.once("close", onClosed);
  return {
    closeAtEnd(graceMs) {
      if (over || closing) return;
      closing = true;
      graceTimer = setTimeout(close, graceMs);
    },
    close,
  };
}
