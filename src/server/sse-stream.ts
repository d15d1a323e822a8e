import { McpSseError } from "../errors.js";
import { encodeComment, encodeEvent } from "../sse/encoder.js";
import type { SseFrame } from "../sse/types.js";

/** Keep-alive comment interval for every open SSE stream. `0` disables. */
export const DEFAULT_KEEPALIVE_MS = 15_000;
/** Bytes a stream may hold for a client that is not reading before it is disconnected. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
};

export interface SseStreamOptions {
  keepAliveMs?: number;
  maxBufferedBytes?: number;
  /** The client did not drain `maxBufferedBytes`: the stream was errored (disconnected). */
  onSlowClient?: () => void;
  /** The stream ended for any reason (client gone, closed by us, slow client). Called once. */
  onClose?: () => void;
}

const utf8 = new TextEncoder();

/**
 * One outgoing SSE response body with a bounded buffer. Frames go through the encoder only
 * (STYLE #2). The body is a byte `ReadableStream` whose queue is measured in bytes: when what
 * the client has not read exceeds `maxBufferedBytes`, the stream is errored so the adapter
 * drops the connection — memory never grows with a slow client, who may resume by
 * `Last-Event-ID`.
 */
export class SseStream {
  readonly body: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #closed = false;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #options: SseStreamOptions;

  constructor(options: SseStreamOptions = {}) {
    this.#options = options;
    const max = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        cancel: () => this.#finish(),
      },
      // desiredSize = max - queued bytes; 0 disables the limit.
      new ByteLengthQueuingStrategy({ highWaterMark: max > 0 ? max : Number.POSITIVE_INFINITY }),
    );
    const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
    if (keepAliveMs > 0) {
      this.#timer = setInterval(() => this.comment("keepalive"), keepAliveMs);
      this.#timer.unref?.();
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Write one event. Returns false when the stream is closed (or just closed as too slow). */
  write(frame: SseFrame): boolean {
    return this.#enqueue(encodeEvent(frame));
  }

  comment(text: string): boolean {
    return this.#enqueue(encodeComment(text));
  }

  /** End the stream normally (the client sees a clean end of body). */
  close(): void {
    if (this.#closed) return;
    this.#controller.close();
    this.#finish();
  }

  #enqueue(text: string): boolean {
    if (this.#closed) return false;
    const bytes = utf8.encode(text);
    const room = this.#controller.desiredSize ?? 0;
    if (bytes.byteLength > room) {
      // Allow one oversized frame into an empty buffer; otherwise the client is too slow.
      const max = this.#options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
      if (room < max) {
        this.#controller.error(
          new McpSseError(
            "SERVER_SLOW_CLIENT",
            `SSE client did not read ${max} buffered bytes; disconnected (it may resume with Last-Event-ID)`,
            { details: { maxBufferedBytes: max } },
          ),
        );
        this.#options.onSlowClient?.();
        this.#finish();
        return false;
      }
    }
    this.#controller.enqueue(bytes);
    return true;
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#options.onClose?.();
  }
}
