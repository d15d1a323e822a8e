import type {
  JSONRPCMessage,
  MessageExtraInfo,
  RequestId,
  TransportSendOptions,
} from "@modelcontextprotocol/server";
import { McpSseError } from "../errors.js";
import type { EventLogEntry, ServerBackend } from "./backends/types.js";
import { formatEventId } from "./backends/types.js";
import { isRequestMessage, isResponseMessage } from "./body.js";
import type { ServerMetrics } from "./metrics.js";
import { PostStreams } from "./post-streams.js";
import { RemoteSlot } from "./remote-slot.js";
import type { SessionTransport } from "./sessions.js";
import type { SseStream } from "./sse-stream.js";
import { SSE_HEADERS } from "./sse-stream.js";
import {
  resumedStream,
  STANDALONE_STREAM,
  UndeliveredBuffer,
  writeUndeliveredGap,
} from "./standalone-stream.js";
import type { Slot } from "./stream-slot.js";
import { replayOrGap, StreamSlot } from "./stream-slot.js";

export {
  MAX_UNDELIVERED_STANDALONE,
  resumedStream,
  STANDALONE_STREAM,
} from "./standalone-stream.js";

/** First revision whose clients accept an empty-data priming event (SEP-1699). */
const PRIMING_SINCE = "2025-11-25";
/**
 * `retry:` (ms) written before a handler closes a stream for polling (`ctx.http.closeSSE`),
 * when the host sets no `retryMs`: how soon the client comes back with `Last-Event-ID`.
 */
export const DEFAULT_POLL_RETRY_MS = 1000;
/** What `send` returns once the message is logged and delivered synchronously. */
const SENT: Promise<void> = Promise.resolve();

export interface StreamableTransportDeps {
  backend: ServerBackend;
  metrics: ServerMetrics;
  retryMs: number | undefined;
}

/**
 * Server side of Streamable HTTP (2025-03-26 and later) for one session. Each POST that
 * carries requests gets its own logical stream (closed once every request in it has been
 * answered); `GET /mcp` is the standalone stream. Every event is logged with an id
 * `<sessionId>:<seq>`, so `GET` with `Last-Event-ID` resumes exactly the stream that id
 * belongs to — replaying what was missed and then carrying the rest of it live.
 */
export class StreamableSessionTransport implements SessionTransport {
  readonly sessionId: string;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?:
    | (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void)
    | undefined;
  /**
   * The revision the client asked for at initialize. It decides priming and polling for the
   * whole session: a client that initialized with 2025-11-25 parses empty-data events even
   * if a later request's `MCP-Protocol-Version` header names an older revision.
   */
  protocolVersion: string | undefined;

  readonly #deps: StreamableTransportDeps;
  /** Each logical stream's connection: here (`StreamSlot`) or on another replica (`RemoteSlot`). */
  readonly #slots = new Map<string, Slot>();
  /** Which request is open on which POST stream; which POST streams are complete. */
  readonly #posts = new PostStreams();
  /** `extra.closeStandaloneSSEStream` of every polling request: one closure per session. */
  readonly #closeStandalone = (): boolean => this.closeStandaloneStream();
  /** Standalone-stream messages sent while no `GET /mcp` was attached. */
  readonly #undelivered = new UndeliveredBuffer();
  #closed = false;

  /**
   * The head of every answer that is this session's stream (200): made once, not per POST.
   * Read only (node's `writeHead` and a web `Response` copy it).
   */
  readonly streamHeaders: Readonly<Record<string, string>>;
  /** `release`, bound once: the `onClose` of each stream opened for this session. */
  readonly releaseStream = (stream: SseStream): void => this.release(stream);

  constructor(sessionId: string, deps: StreamableTransportDeps) {
    this.sessionId = sessionId;
    this.#deps = deps;
    this.streamHeaders = Object.freeze({ ...SSE_HEADERS, "mcp-session-id": sessionId });
  }

  async start(): Promise<void> {}

  /** Deliver messages that need no response stream (notifications, responses). */
  receive(messages: JSONRPCMessage[], extra: MessageExtraInfo): void {
    for (const m of messages) {
      this.#deps.metrics.count.in("streamable");
      this.onmessage?.(m, extra);
      this.#settleCancelled(m);
    }
  }

  /**
   * `notifications/cancelled` for a request still open on a POST stream: the SDK sends no
   * response for it (spec), so it no longer holds its stream open (it used to, forever).
   */
  #settleCancelled(m: JSONRPCMessage): void {
    if (!("method" in m) || m.method !== "notifications/cancelled" || "id" in m) return;
    const id = (m.params as { requestId?: unknown } | undefined)?.requestId;
    if (typeof id !== "string" && typeof id !== "number") return;
    const key = this.#posts.streamOf(id);
    if (key !== undefined) this.#answered(key, id);
  }

  /**
   * A POST carrying requests: its responses (and related messages) go to `stream`. Done
   * before returning (`undefined`) with a backend that appends at once (`appendNow`: memory,
   * Redis on the owner); else the promise of the priming event's append.
   */
  openRequestStream(
    messages: JSONRPCMessage[],
    stream: SseStream,
    extra: MessageExtraInfo,
  ): Promise<void> | undefined {
    if (this.#closedStream(stream)) return undefined;
    const key = this.#posts.newLocalKey();
    // A new key: no slot to replace, nothing to replay.
    const slot = new StreamSlot(stream);
    this.#slots.set(key, slot);
    const primed = this.#primed();
    if (primed && this.#deps.retryMs !== undefined) stream.write({ retry: this.#deps.retryMs });
    return this.#dispatchRequests(messages, key, slot, extra, primed);
  }

  /**
   * A POST carrying requests that came in on another replica (`slot.holder`), which chose
   * the stream's `key` and writes its events. Returns whether the stream is primed (the holder
   * then writes the `retry:` hint itself).
   */
  async openRemoteRequestStream(
    messages: JSONRPCMessage[],
    slot: RemoteSlot,
    extra: MessageExtraInfo,
  ): Promise<boolean> {
    if (this.#closed) {
      throw new McpSseError("SERVER_SESSION_CLOSED", `Session ${this.sessionId} is closed`);
    }
    this.#slots.set(slot.key, slot);
    const primed = this.#primed();
    await this.#dispatchRequests(messages, slot.key, slot, extra, primed);
    return primed;
  }

  #primed(): boolean {
    return (this.protocolVersion ?? "") >= PRIMING_SINCE;
  }

  /** Register the POST's requests, prime its stream, hand the messages on (see `openRequestStream`). */
  #dispatchRequests(
    messages: JSONRPCMessage[],
    key: string,
    slot: Slot,
    extra: MessageExtraInfo,
    primed: boolean,
  ): Promise<void> | undefined {
    this.#posts.open(key, messages);
    if (!primed) {
      this.#handOn(messages, extra, false);
      return undefined;
    }
    // Priming event: gives the client an id to resume this stream with, before any data.
    const { backend } = this.#deps;
    if (backend.appendNow !== undefined) {
      slot.deliver(backend.appendNow(this.sessionId, key, ""));
      this.#handOn(messages, extra, true);
      return undefined;
    }
    return backend.append(this.sessionId, key, "").then((entry) => {
      slot.deliver(entry);
      this.#handOn(messages, extra, true);
    });
  }

  #handOn(messages: JSONRPCMessage[], extra: MessageExtraInfo, primed: boolean): void {
    for (const m of messages) {
      this.#deps.metrics.count.in("streamable");
      // SSE polling (SEP-1699): a handler may end this stream mid-call (`ctx.http.closeSSE`)
      // and answer later; the client resumes with the priming id, so only primed streams.
      this.onmessage?.(
        m,
        primed && isRequestMessage(m)
          ? {
              ...extra,
              closeSSEStream: () => this.closeRequestStream(m.id),
              closeStandaloneSSEStream: this.#closeStandalone,
            }
          : extra,
      );
      this.#settleCancelled(m);
    }
  }

  /**
   * SSE polling: end the connection carrying request `id`'s stream (after a `retry:` field).
   * The request stays pending; what is sent meanwhile is logged and reaches the client when
   * it resumes with `Last-Event-ID`. No-op once the request is answered or not connected.
   */
  closeRequestStream(id: RequestId): boolean {
    const key = this.#posts.streamOf(id);
    if (key === undefined) return false;
    return this.#slots.get(key)?.disconnect(this.#pollRetryMs()) ?? false;
  }

  /** SSE polling on the standalone `GET` stream: the client reconnects and gets what it missed. */
  closeStandaloneStream(): boolean {
    return this.#slots.get(STANDALONE_STREAM)?.disconnect(this.#pollRetryMs()) ?? false;
  }

  /**
   * `GET` without `Last-Event-ID`: (re)open the standalone stream, first with what was sent
   * to it while no client held it.
   */
  async openStandalone(stream: SseStream): Promise<void> {
    if (this.#closedStream(stream)) return;
    const { entries, dropped } = this.#undelivered.take();
    await this.#localSlot(STANDALONE_STREAM).attach(
      stream,
      () => {
        if (dropped > 0) writeUndeliveredGap(stream, this.sessionId, dropped);
      },
      async () => entries,
    );
  }

  /**
   * `GET` with `Last-Event-ID`: resume the stream that id belongs to. A completed POST stream
   * ends after its replay; the standalone or an unfinished stream stays open.
   */
  async resume(stream: SseStream, lastSeq: number): Promise<number> {
    if (this.#closedStream(stream)) return 0;
    const lastEventId = formatEventId(this.sessionId, lastSeq);
    const { key, result: entries } = resumedStream(
      await this.#deps.backend.readAfter(this.sessionId, lastSeq),
    );
    // The log replay carries what the standalone stream missed (undelivered included).
    if (key === STANDALONE_STREAM) this.#undelivered.take();
    const slot = this.#localSlot(key);
    const replayed = await slot.attach(
      stream,
      () => {},
      async () =>
        replayOrGap(stream, this.sessionId, lastEventId, entries, () =>
          this.#deps.metrics.replayGaps.inc({ transport: "streamable" }),
        ),
    );
    if (this.#posts.isComplete(key)) {
      slot.close();
      this.#slots.delete(key);
    }
    return replayed;
  }

  release(stream: SseStream): void {
    for (const slot of this.#slots.values()) if (slot instanceof StreamSlot) slot.release(stream);
  }

  /**
   * The client resumed stream `slot.key` (or opened the standalone one) on another replica,
   * which replays the log itself: live events go there from now on. Returns whether the
   * stream is complete (every request answered): the holder then ends it after the replay.
   */
  attachRemote(slot: RemoteSlot): boolean {
    if (this.#closed || this.#posts.isComplete(slot.key)) {
      slot.detach();
      return true;
    }
    this.#slots.get(slot.key)?.close();
    this.#slots.set(slot.key, slot);
    // The holder drops what its own log replay already wrote (by sequence number).
    if (slot.key === STANDALONE_STREAM) {
      for (const entry of this.#undelivered.take().entries) slot.deliver(entry);
    }
    return false;
  }

  /** The client of stream `key`, connected to replica `holder`, left. */
  detachRemote(key: string, holder: string): void {
    const slot = this.#slots.get(key);
    if (!(slot instanceof RemoteSlot) || slot.holder !== holder) return;
    slot.detach();
    this.#slots.delete(key);
  }

  /**
   * Log `message` and deliver it on its stream. With `appendNow` all of it is done before
   * returning (no promise made per message); else once the backend's append resolves.
   */
  send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    try {
      if (this.#closed) {
        throw new McpSseError(
          "SERVER_SESSION_CLOSED",
          `Session ${this.sessionId} is closed; cannot send`,
        );
      }
      // Structural, not a zod parse: our own server's messages, on every send (hot path).
      const isResponse = isResponseMessage(message);
      const relatedId = isResponse ? message.id : options?.relatedRequestId;
      const key = (relatedId !== undefined && this.#posts.streamOf(relatedId)) || STANDALONE_STREAM;
      const answered = isResponse && key !== STANDALONE_STREAM ? relatedId : undefined;
      const { backend } = this.#deps;
      const data = JSON.stringify(message);
      if (backend.appendNow === undefined) {
        return backend
          .append(this.sessionId, key, data)
          .then((entry) => this.#sent(entry, key, answered));
      }
      this.#sent(backend.appendNow(this.sessionId, key, data), key, answered);
      return SENT;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A logged message to its stream; `answered`: the request it answered. */
  #sent(entry: EventLogEntry, key: string, answered: RequestId | undefined): void {
    this.#deps.metrics.count.out("streamable");
    const slot = this.#slots.get(key);
    if (key === STANDALONE_STREAM && !slot?.open) this.#undelivered.keep(entry);
    else slot?.deliver(entry);
    if (answered !== undefined) this.#answered(key, answered);
  }

  hasOpenStream(): boolean {
    for (const slot of this.#slots.values()) if (slot.open) return true;
    return false;
  }

  endStreams(comment: string): void {
    for (const slot of this.#slots.values()) slot.end(comment);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of this.#slots.values()) slot.close();
    this.#slots.clear();
    this.onclose?.();
  }

  /** The session closed while a request was on its way (shutdown): end its stream at once. */
  #closedStream(stream: SseStream): boolean {
    if (!this.#closed) return false;
    stream.close();
    return true;
  }

  #pollRetryMs(): number {
    return this.#deps.retryMs ?? DEFAULT_POLL_RETRY_MS;
  }

  /** The slot of stream `key` on this replica; a connection here replaces a remote one. */
  #localSlot(key: string): StreamSlot {
    const slot = this.#slots.get(key);
    if (slot instanceof StreamSlot) return slot;
    slot?.close();
    const local = new StreamSlot();
    this.#slots.set(key, local);
    return local;
  }

  /** The last response of a POST stream ends it (spec: the server closes the stream then). */
  #answered(key: string, id: RequestId): void {
    if (!this.#posts.answered(key, id)) return;
    this.#slots.get(key)?.close();
    this.#slots.delete(key);
  }
}
