import { McpSseError } from "../errors.js";
import { encodeComment, encodeDataEvent, encodeEvent } from "../sse/encoder.js";
import type { SseFrame } from "../sse/types.js";
import { findNativeBytes, utf8Length } from "../sse/utf8.js";

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
  /** A keep-alive timer of the stream's own, ms (`0`: none). Not used with `keepAlive`. */
  keepAliveMs?: number;
  /** The group whose one timer keeps this stream alive (instead of a timer of its own). */
  keepAlive?: KeepAliveGroup;
  maxBufferedBytes?: number;
  /** The client did not drain `maxBufferedBytes`: the stream was errored (disconnected). */
  onSlowClient?: () => void;
  /** The stream ended for any reason (client gone, closed by us, slow client). Called once. */
  onClose?: () => void;
}

/**
 * Where a server adapter writes a stream's frames itself, instead of reading its web `body`
 * (the node adapter: the `ServerResponse`). Bytes written are never modified afterwards.
 */
export interface SseSink {
  /** Bytes written that the client has not taken yet (the slow-client bound applies to it). */
  readonly writableLength: number;
  write(bytes: Uint8Array): void;
  /**
   * Optional: `bytes` that many sinks are given in a row, unchanged (one feed event for every
   * subscriber, `writeEncoded`), so a sink may frame them once for all. Same effect as `write`.
   */
  writeShared?(bytes: Uint8Array): void;
  /**
   * Optional: one frame as text (`byteLength` bytes in UTF-8), for a sink that can hand text
   * to its socket without a `TextEncoder` copy first. Same effect as `write` of its bytes.
   */
  writeText?(text: string, byteLength: number): void;
  /** The stream ended normally: end the body. */
  end(): void;
  /** The stream errored (a slow client): drop the connection. */
  destroy(error: Error): void;
}

const utf8 = new TextEncoder();
/**
 * UTF-8 size of a string without encoding it: the runtime's native count when it has one
 * (Node's `Buffer.byteLength`), else a loop. For frames and logged events (hot paths).
 */
export const textBytes: (text: string) => number = findNativeBytes()?.utf8Length ?? utf8Length;

/** The `SseStream` behind a response body, for adapters that can write to the socket. */
const streamsByBody = new WeakMap<ReadableStream<Uint8Array>, SseStream>();

/**
 * The `SseStream` whose `body` this is, when nothing has read or cancelled it yet: an adapter
 * may then `attachSink` instead of pumping the body.
 */
export function sseStreamOf(response: Pick<Response, "body" | "bodyUsed">): SseStream | undefined {
  const body = response.body;
  if (body === null || response.bodyUsed || body.locked) return undefined;
  return streamsByBody.get(body);
}

/** One event encoded once, for writing to many streams (`writeEncoded`). */
export function encodeFrame(frame: SseFrame): Uint8Array {
  return utf8.encode(encodeEvent(frame));
}

/**
 * One outgoing SSE response body with a bounded buffer. Frames go through the encoder only
 * (STYLE #2). The frames go either to a web `body` (a pull-based `ReadableStream`: what the
 * reader has not taken waits here) or, with a server adapter that can, straight to its
 * socket (`attachSink`: what the socket has not taken waits there). Either way, when more
 * than `maxBufferedBytes` would wait, the stream is errored so the connection is dropped —
 * memory never grows with a slow client, who may resume by `Last-Event-ID`.
 */
export class SseStream {
  /** Encoded frames no reader has taken yet (web `body`, or before an adapter attached). */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #body: ReadableStream<Uint8Array> | undefined;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** A reader asked for a frame while none was pending: the next one goes to it directly. */
  #waiting = false;
  #sink: SseSink | undefined;
  #closed = false;
  #error: Error | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #options: SseStreamOptions;
  /** `maxBufferedBytes` resolved once (read for every frame). */
  readonly #maxBufferedBytes: number;

  constructor(options: SseStreamOptions = {}) {
    this.#options = options;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    if (options.keepAlive !== undefined) {
      options.keepAlive.add(this);
      return;
    }
    const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
    if (keepAliveMs > 0) {
      this.#timer = setInterval(() => this.comment("keepalive"), keepAliveMs);
      this.#timer.unref?.();
    }
  }

  /** The frames as a web stream (made on first use). Not for a stream with a sink attached. */
  get body(): ReadableStream<Uint8Array> {
    if (this.#body === undefined) {
      this.#body = new ReadableStream<Uint8Array>(
        {
          start: (controller) => {
            this.#controller = controller;
            if (this.#error) controller.error(this.#error);
          },
          pull: (controller) => this.#pull(controller),
          cancel: () => this.abandon(),
        },
        // Nothing is queued inside the web stream: the bound is kept on `#pending`.
        { highWaterMark: 0 },
      );
      streamsByBody.set(this.#body, this);
    }
    return this.#body;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Write the frames to `sink` from now on (what is pending first) instead of the web `body`,
   * which must not have been read. A stream already ended ends the sink at once.
   */
  attachSink(sink: SseSink): void {
    this.#body = undefined;
    this.#controller = undefined;
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const bytes of pending) sink.write(bytes);
    if (this.#error) sink.destroy(this.#error);
    else if (this.#closed) sink.end();
    else this.#sink = sink;
  }

  /** Write one event. Returns false when the stream is closed (or just closed as too slow). */
  write(frame: SseFrame): boolean {
    const text = encodeEvent(frame); // a bad frame throws, open or not
    if (this.#closed) return false;
    return this.#enqueueText(text);
  }

  /** Write the event `{ id, event, data }` (`event` may be absent); same result as `write`. */
  writeEvent(id: string, event: string | undefined, data: string): boolean {
    const text = encodeDataEvent(id, event, data); // a bad field throws, open or not
    if (this.#closed) return false;
    return this.#enqueueText(text);
  }

  /** Write an event encoded once for many streams (`encodeFrame`); same result as `write`. */
  writeEncoded(bytes: Uint8Array): boolean {
    if (this.#closed) return false;
    // A sink never modifies what it is given; a web reader gets its own copy.
    return this.#enqueue(this.#sink ? bytes : bytes.slice(), true);
  }

  comment(text: string): boolean {
    const encoded = encodeComment(text);
    if (this.#closed) return false;
    return this.#enqueueText(encoded);
  }

  /** End the stream normally (the client sees a clean end of body, after what is pending). */
  close(): void {
    if (this.#closed) return;
    if (this.#sink) this.#sink.end();
    // With frames pending, `#pull` closes the body once the reader has taken them.
    else if (this.#controller && this.#pending.length === 0) this.#controller.close();
    this.#finish();
  }

  /** The client went away (its body was cancelled, its socket closed): drop what is pending. */
  abandon(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#finish();
  }

  #pull(controller: ReadableStreamDefaultController<Uint8Array>): void {
    const next = this.#pending.shift();
    if (next !== undefined) {
      this.#pendingBytes -= next.byteLength;
      controller.enqueue(next);
    } else if (this.#closed) controller.close();
    else this.#waiting = true;
  }

  /**
   * One frame's text: straight to a sink that takes text (no encoded copy per frame: the
   * legacy fan-out writes one frame per session per notification), else encoded.
   */
  #enqueueText(text: string): boolean {
    const sink = this.#sink;
    if (sink?.writeText === undefined) return this.#enqueue(utf8.encode(text));
    const byteLength = textBytes(text);
    if (!this.#fits(byteLength)) return false;
    sink.writeText(text, byteLength);
    return true;
  }

  /**
   * Whether `byteLength` more bytes may wait for the client. Allows one oversized frame into
   * an empty buffer; otherwise the client is too slow, and is disconnected here.
   */
  #fits(byteLength: number): boolean {
    const max = this.#maxBufferedBytes;
    const queued = this.#sink ? this.#sink.writableLength : this.#pendingBytes;
    if (max > 0 && queued > 0 && queued + byteLength > max) {
      this.#slowClient(max);
      return false;
    }
    return true;
  }

  #enqueue(bytes: Uint8Array, shared = false): boolean {
    if (!this.#fits(bytes.byteLength)) return false;
    const sink = this.#sink;
    if (sink) {
      if (shared && sink.writeShared) sink.writeShared(bytes);
      else sink.write(bytes);
    } else if (this.#waiting) {
      this.#waiting = false;
      this.#controller?.enqueue(bytes);
    } else {
      this.#pending.push(bytes);
      this.#pendingBytes += bytes.byteLength;
    }
    return true;
  }

  #slowClient(max: number): void {
    const error = new McpSseError(
      "SERVER_SLOW_CLIENT",
      `SSE client did not read ${max} buffered bytes; disconnected (it may resume with Last-Event-ID)`,
      { details: { maxBufferedBytes: max } },
    );
    this.#error = error;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (this.#sink) this.#sink.destroy(error);
    else this.#controller?.error(error);
    this.#options.onSlowClient?.();
    this.#finish();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#sink = undefined;
    if (this.#timer) clearInterval(this.#timer);
    this.#options.keepAlive?.delete(this);
    this.#options.onClose?.();
  }
}

/** The keep-alive comment, encoded once for every stream of a group. */
const KEEPALIVE = utf8.encode(encodeComment("keepalive"));

/**
 * One keep-alive timer for many streams (a handler's sessions), as the feed has for its
 * subscribers: every `intervalMs` the same comment goes to each open stream of the group. A
 * timer per stream was a `Timeout` and a closure held by every idle session (heap snapshots
 * at 10,000 legacy sessions). The timer runs only while the group has streams. A stream
 * joins at any point of the period, so its first keep-alive comes within `intervalMs`.
 */
export class KeepAliveGroup {
  readonly #streams = new Set<SseStream>();
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** `intervalMs`: `0` disables (streams join, nothing is ever written). */
  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  get size(): number {
    return this.#streams.size;
  }

  add(stream: SseStream): void {
    if (this.#intervalMs <= 0) return;
    this.#streams.add(stream);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
      this.#timer.unref?.();
    }
  }

  delete(stream: SseStream): void {
    this.#streams.delete(stream);
    if (this.#streams.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #tick(): void {
    // A stream cut as too slow here leaves the set mid-loop: a Set iterates on safely.
    for (const stream of this.#streams) stream.writeEncoded(KEEPALIVE);
  }
}
