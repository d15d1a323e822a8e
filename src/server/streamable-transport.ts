import type {
  JSONRPCMessage,
  MessageExtraInfo,
  RequestId,
  TransportSendOptions,
} from "@modelcontextprotocol/server";
import { McpSseError } from "../errors.js";
import type { ServerBackend } from "./backends/types.js";
import { formatEventId } from "./backends/types.js";
import { isRequestMessage, isResponseMessage } from "./body.js";
import type { ServerMetrics } from "./metrics.js";
import type { SessionTransport } from "./sessions.js";
import type { SseStream } from "./sse-stream.js";
import { replayOrGap, StreamSlot } from "./stream-slot.js";

/** The logical stream of `GET /mcp` (server-initiated messages). */
export const STANDALONE_STREAM = "get";
/** First revision whose clients accept an empty-data priming event (SEP-1699). */
const PRIMING_SINCE = "2025-11-25";
/**
 * `retry:` (ms) written before a handler closes a stream for polling (`ctx.http.closeSSE`),
 * when the host sets no `retryMs`: how soon the client comes back with `Last-Event-ID`.
 */
export const DEFAULT_POLL_RETRY_MS = 1000;

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
  readonly #slots = new Map<string, StreamSlot>();
  readonly #requestStream = new Map<RequestId, string>();
  readonly #unanswered = new Map<string, Set<RequestId>>();
  /** POST streams whose every request was answered: resuming one replays then ends. */
  readonly #complete = new Set<string>();
  #closed = false;

  constructor(sessionId: string, deps: StreamableTransportDeps) {
    this.sessionId = sessionId;
    this.#deps = deps;
  }

  async start(): Promise<void> {}

  /** Deliver messages that need no response stream (notifications, responses). */
  receive(messages: JSONRPCMessage[], extra: MessageExtraInfo): void {
    for (const m of messages) {
      this.#deps.metrics.messagesIn.inc({ transport: "streamable" });
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
    const key = this.#requestStream.get(id);
    if (key !== undefined) this.#answered(key, id);
  }

  /** A POST carrying requests: its responses (and related messages) go to `stream`. */
  async openRequestStream(
    messages: JSONRPCMessage[],
    stream: SseStream,
    extra: MessageExtraInfo,
  ): Promise<void> {
    if (this.#closedStream(stream)) return;
    const key = `post:${crypto.randomUUID()}`;
    const pending = new Set<RequestId>();
    for (const m of messages) {
      if (isRequestMessage(m)) {
        pending.add(m.id);
        this.#requestStream.set(m.id, key);
      }
    }
    this.#unanswered.set(key, pending);
    const slot = this.#slot(key);
    await slot.attach(
      stream,
      () => {},
      async () => [],
    );
    const primed = (this.protocolVersion ?? "") >= PRIMING_SINCE;
    if (primed) {
      // Priming event: gives the client an id to resume this stream with, before any data.
      const priming = await this.#deps.backend.append(this.sessionId, key, "");
      if (this.#deps.retryMs !== undefined) stream.write({ retry: this.#deps.retryMs });
      slot.deliver(priming);
    }
    for (const m of messages) {
      this.#deps.metrics.messagesIn.inc({ transport: "streamable" });
      // SSE polling (SEP-1699): a handler may end this stream mid-call (`ctx.http.closeSSE`)
      // and answer later; the client resumes with the priming id, so only primed streams.
      const polling =
        primed && isRequestMessage(m)
          ? {
              closeSSEStream: () => this.closeRequestStream(m.id),
              closeStandaloneSSEStream: () => this.closeStandaloneStream(),
            }
          : {};
      this.onmessage?.(m, { ...extra, ...polling });
      this.#settleCancelled(m);
    }
  }

  /**
   * SSE polling: end the connection carrying request `id`'s stream (after a `retry:` field).
   * The request stays pending; what is sent meanwhile is logged and reaches the client when
   * it resumes with `Last-Event-ID`. No-op once the request is answered or not connected.
   */
  closeRequestStream(id: RequestId): boolean {
    const key = this.#requestStream.get(id);
    if (key === undefined) return false;
    return this.#slots.get(key)?.disconnect(this.#pollRetryMs()) ?? false;
  }

  /** SSE polling on the standalone `GET` stream: the client reconnects and gets what it missed. */
  closeStandaloneStream(): boolean {
    return this.#slots.get(STANDALONE_STREAM)?.disconnect(this.#pollRetryMs()) ?? false;
  }

  /** `GET` without `Last-Event-ID`: (re)open the standalone stream. */
  async openStandalone(stream: SseStream): Promise<void> {
    if (this.#closedStream(stream)) return;
    await this.#slot(STANDALONE_STREAM).attach(
      stream,
      () => {},
      async () => [],
    );
  }

  /**
   * `GET` with `Last-Event-ID`: resume the stream that id belongs to. A completed POST stream
   * ends after its replay; the standalone or an unfinished stream stays open.
   */
  async resume(stream: SseStream, lastSeq: number): Promise<number> {
    if (this.#closedStream(stream)) return 0;
    const lastEventId = formatEventId(this.sessionId, lastSeq);
    let result = await this.#deps.backend.readAfter(this.sessionId, lastSeq);
    let key = STANDALONE_STREAM;
    if (result.ok) key = result.stream || STANDALONE_STREAM;
    else if (result.reason === "evicted") {
      // The id's own entry is gone too, so its stream is unknown: resume the standalone one.
      if (result.stream) key = result.stream;
      else
        result = {
          ...result,
          entries: result.entries.filter((e) => e.stream === STANDALONE_STREAM),
        };
    }
    const entries = result;
    const slot = this.#slot(key);
    const replayed = await slot.attach(
      stream,
      () => {},
      async () =>
        replayOrGap(stream, this.sessionId, lastEventId, entries, () =>
          this.#deps.metrics.replayGaps.inc({ transport: "streamable" }),
        ),
    );
    if (this.#complete.has(key)) {
      slot.close();
      this.#slots.delete(key);
    }
    return replayed;
  }

  release(stream: SseStream): void {
    for (const slot of this.#slots.values()) slot.release(stream);
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.#closed) {
      throw new McpSseError(
        "SERVER_SESSION_CLOSED",
        `Session ${this.sessionId} is closed; cannot send`,
      );
    }
    // Structural, not a zod parse: our own server's messages, on every send (hot path).
    const isResponse = isResponseMessage(message);
    const relatedId = isResponse ? message.id : options?.relatedRequestId;
    const key =
      (relatedId !== undefined && this.#requestStream.get(relatedId)) || STANDALONE_STREAM;
    const entry = await this.#deps.backend.append(this.sessionId, key, JSON.stringify(message));
    this.#deps.metrics.messagesOut.inc({ transport: "streamable" });
    this.#slots.get(key)?.deliver(entry);
    if (isResponse && relatedId !== undefined && key !== STANDALONE_STREAM)
      this.#answered(key, relatedId);
  }

  hasOpenStream(): boolean {
    for (const slot of this.#slots.values()) if (slot.stream) return true;
    return false;
  }

  endStreams(comment: string): void {
    for (const slot of this.#slots.values()) {
      slot.stream?.comment(comment);
      slot.close();
    }
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

  #slot(key: string): StreamSlot {
    let slot = this.#slots.get(key);
    if (!slot) {
      slot = new StreamSlot();
      this.#slots.set(key, slot);
    }
    return slot;
  }

  /** The last response of a POST stream ends it (spec: the server closes the stream then). */
  #answered(key: string, id: RequestId): void {
    this.#requestStream.delete(id);
    const pending = this.#unanswered.get(key);
    pending?.delete(id);
    if (pending && pending.size === 0) {
      this.#unanswered.delete(key);
      this.#complete.add(key);
      this.#slots.get(key)?.close();
      this.#slots.delete(key);
      this.#trimComplete();
    }
  }

  /** Completed-stream markers are only needed while their events can still be replayed. */
  #trimComplete(): void {
    while (this.#complete.size > 1000) {
      const first = this.#complete.values().next().value;
      if (first === undefined) break;
      this.#complete.delete(first);
    }
  }
}
