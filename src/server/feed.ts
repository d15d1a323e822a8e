/**
 * The plain event feed (the guide's `GET /mcp/sse`): unnamed `data:` events, each a JSON
 * object the program published, every one with an `id:` so a client can resume with
 * `Last-Event-ID` from a log bounded by count and bytes. No sessions: one log, many
 * subscribers. Frames go through `SseStream` (the encoder, keep-alives, the bounded
 * per-stream buffer that cuts a slow subscriber, who may resume).
 */
import { McpSseError } from "../errors.js";
import type { Logger } from "../logger.js";
import { encodeComment } from "../sse/encoder.js";
import { DEFAULT_KEEPALIVE_MS, encodeFrame, SSE_HEADERS, SseStream } from "./sse-stream.js";

/** Events kept for `Last-Event-ID` replay. */
export const DEFAULT_FEED_LOG_SIZE = 1000;
/** Bytes (UTF-8 data) kept for replay; oldest evicted first. `0` disables this bound. */
export const DEFAULT_FEED_LOG_BYTES = 4 * 1024 * 1024;
/** Subscribers at once before answering 503. `0` disables the cap. */
export const DEFAULT_MAX_FEED_SUBSCRIBERS = 10_000;
/** The `error.code` of the event a resuming subscriber gets when events it missed were evicted. */
export const FEED_REPLAY_GAP_CODE = "SERVER_REPLAY_GAP";

export interface EventFeedOptions {
  /** Default `DEFAULT_FEED_LOG_SIZE`. */
  logSize?: number;
  /** Default `DEFAULT_FEED_LOG_BYTES`; `0` disables the byte bound. */
  logBytes?: number;
  /** Default `DEFAULT_MAX_FEED_SUBSCRIBERS`; `0` disables. */
  maxSubscribers?: number;
  /**
   * Keep-alive comment interval, ms (`0` disables); default `DEFAULT_KEEPALIVE_MS`. One timer
   * for the whole feed writes the comment to every subscriber at once (not one per stream),
   * so a new subscriber's first one comes within the interval.
   */
  keepAliveMs?: number;
  /** Per-subscriber bound on unread bytes. */
  maxBufferedBytes?: number;
  /** A subscriber was cut for not reading (metrics). */
  onSlowSubscriber?: () => void;
  /**
   * Several replicas (a shared backend): events published on any replica reach the
   * subscribers of every replica, in one order, and each replica's log holds them all (since
   * it started), so a subscriber may resume on any replica. See docs/scaling.md.
   */
  fanout?: FeedFanout;
}

/** How a feed reaches the other replicas (`ServerBackend.broadcast` / `onBroadcast`). */
export interface FeedFanout {
  broadcast(message: string): Promise<void>;
  onBroadcast(handler: (message: string) => void): void;
  /** Where a failed broadcast is reported (the event is then delivered on this replica only). */
  logger: Logger;
}

interface Entry {
  /** This feed's sequence number (`0` for an event another replica published). */
  seq: number;
  id: string;
  data: string;
  bytes: number;
}

const utf8 = new TextEncoder();
/** The keep-alive comment, encoded once. */
const KEEPALIVE = utf8.encode(encodeComment("keepalive"));

/**
 * One feed. Ids are `<epoch>.<seq>`: the epoch (random per feed) tells a `Last-Event-ID` of
 * another process (a restart) from one of ours, so such a client is told of the gap instead
 * of being silently replayed from a wrong position.
 */
export class EventFeed {
  readonly #log: Entry[] = [];
  #logBytes = 0;
  #seq = 0;
  readonly #epoch = Math.random().toString(36).slice(2, 8);
  readonly #subscribers = new Set<SseStream>();
  readonly #options: EventFeedOptions;
  readonly #keepAlive: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  constructor(options: EventFeedOptions = {}) {
    this.#options = options;
    options.fanout?.onBroadcast((raw) => this.#received(raw));
    const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
    if (keepAliveMs > 0) {
      this.#keepAlive = setInterval(() => {
        for (const stream of this.#subscribers) stream.writeEncoded(KEEPALIVE);
      }, keepAliveMs);
      this.#keepAlive.unref?.();
    }
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  /**
   * Send `event` (a JSON object) to every subscriber and log it for replay; returns its id.
   * Throws `SERVER_FEED_CLOSED` after `close()`.
   */
  publish(event: Record<string, unknown>): string {
    if (this.#closed)
      throw new McpSseError("SERVER_FEED_CLOSED", "The event feed is closed; nothing published.");
    const data = JSON.stringify(event);
    const seq = ++this.#seq;
    const entry: Entry = { seq, id: this.#idOf(seq), data, bytes: utf8.encode(data).byteLength };
    const fanout = this.#options.fanout;
    if (fanout === undefined) this.#deliver(entry);
    else {
      // Delivered here too when it comes back, so every replica sees one order.
      fanout.broadcast(JSON.stringify({ id: entry.id, data })).catch((error: unknown) => {
        fanout.logger.error(
          { err: error, eventId: entry.id },
          "event feed: cannot reach the other replicas; the event goes to this replica's subscribers only",
        );
        this.#deliver(entry);
      });
    }
    return entry.id;
  }

  #deliver(entry: Entry): void {
    if (this.#closed) return;
    this.#append(entry);
    if (this.#subscribers.size === 0) return;
    // Encoded once for every subscriber (a socket sink writes the same bytes to each).
    const bytes = encodeFrame({ id: entry.id, data: entry.data });
    for (const stream of this.#subscribers) stream.writeEncoded(bytes);
  }

  /** An event some replica (maybe this one) published. */
  #received(raw: string): void {
    let message: { id?: unknown; data?: unknown };
    try {
      message = JSON.parse(raw) as typeof message;
    } catch {
      return;
    }
    if (typeof message.id !== "string" || typeof message.data !== "string") return;
    const { id, data } = message;
    this.#deliver({ seq: 0, id, data, bytes: utf8.encode(data).byteLength });
  }

  /**
   * `GET` on the feed: a 200 event stream (replaying what came after `Last-Event-ID`), or 503
   * with `Retry-After` when the subscriber cap is reached.
   */
  subscribe(request: Request, retryAfterSeconds: number): Response {
    const max = this.#options.maxSubscribers ?? DEFAULT_MAX_FEED_SUBSCRIBERS;
    if (this.#closed || (max > 0 && this.#subscribers.size >= max)) {
      const message = this.#closed
        ? "The event feed is shutting down."
        : `The event feed has ${max} subscribers, its limit; retry later.`;
      return new Response(JSON.stringify({ error: { code: "SERVER_FEED_LIMIT", message } }), {
        status: 503,
        headers: { "content-type": "application/json", "retry-after": String(retryAfterSeconds) },
      });
    }
    const stream: SseStream = new SseStream({
      keepAliveMs: 0, // the feed's one timer keeps every subscriber alive
      ...(this.#options.maxBufferedBytes === undefined
        ? {}
        : { maxBufferedBytes: this.#options.maxBufferedBytes }),
      ...(this.#options.onSlowSubscriber === undefined
        ? {}
        : { onSlowClient: this.#options.onSlowSubscriber }),
      onClose: () => this.#subscribers.delete(stream),
    });
    // Replay and subscribe in one synchronous step: nothing published in between is lost.
    this.#replay(stream, request.headers.get("last-event-id"));
    if (!stream.closed) this.#subscribers.add(stream);
    request.signal.addEventListener("abort", () => stream.close(), { once: true });
    return new Response(stream.body, { status: 200, headers: SSE_HEADERS });
  }

  /** End every subscriber's stream; later `publish` calls throw. */
  close(): void {
    this.#closed = true;
    if (this.#keepAlive) clearInterval(this.#keepAlive);
    for (const stream of [...this.#subscribers]) stream.close();
    this.#subscribers.clear();
  }

  #idOf(seq: number): string {
    return `${this.#epoch}.${seq}`;
  }

  #append(entry: Entry): void {
    this.#log.push(entry);
    this.#logBytes += entry.bytes;
    const maxSize = this.#options.logSize ?? DEFAULT_FEED_LOG_SIZE;
    const maxBytes = this.#options.logBytes ?? DEFAULT_FEED_LOG_BYTES;
    while (
      this.#log.length > Math.max(maxSize, 0) ||
      (maxBytes > 0 && this.#logBytes > maxBytes && this.#log.length > 1)
    ) {
      const dropped = this.#log.shift();
      if (dropped === undefined) break;
      this.#logBytes -= dropped.bytes;
    }
  }

  /** Write what came after `lastEventId`, preceded by a gap error when some of it is gone. */
  #replay(stream: SseStream, lastEventId: string | null): void {
    if (!lastEventId) return;
    if (this.#options.fanout !== undefined) {
      this.#replayShared(stream, lastEventId);
      return;
    }
    const dot = lastEventId.lastIndexOf(".");
    const epoch = lastEventId.slice(0, dot);
    const seqText = lastEventId.slice(dot + 1);
    const known = dot > 0 && epoch === this.#epoch && /^\d{1,15}$/.test(seqText);
    const lastSeq = known ? Number(seqText) : 0;
    const oldest = this.#log[0]?.seq ?? this.#seq + 1;
    if (!known || lastSeq + 1 < oldest) {
      const why = known
        ? `events after ${lastEventId} were evicted from the replay log (it keeps ${this.#log.length})`
        : `${JSON.stringify(lastEventId.slice(0, 80))} is not an id of this feed (the server may have restarted)`;
      stream.write({
        id: this.#idOf(known ? oldest - 1 : 0),
        data: JSON.stringify({
          event: "error",
          error: {
            code: FEED_REPLAY_GAP_CODE,
            message: `Replay gap: ${why}; some events are lost.`,
          },
        }),
      });
    }
    for (const entry of this.#log) {
      if (entry.seq > lastSeq && !stream.write({ id: entry.id, data: entry.data })) return;
    }
  }

  /**
   * With several replicas ids come from every replica's feed: the position is found by id.
   * An id this replica's log does not hold (evicted, from before it started, or not one of
   * the feed's) gets the gap error, then everything held.
   */
  #replayShared(stream: SseStream, lastEventId: string): void {
    const at = this.#log.findIndex((e) => e.id === lastEventId);
    if (at < 0) {
      stream.write({
        id: lastEventId,
        data: JSON.stringify({
          event: "error",
          error: {
            code: FEED_REPLAY_GAP_CODE,
            message: `Replay gap: ${JSON.stringify(lastEventId.slice(0, 80))} is not held by this replica's replay log (evicted, from before it started, or not an id of this feed); some events may be lost.`,
          },
        }),
      });
    }
    for (const entry of this.#log.slice(at + 1)) {
      if (!stream.write({ id: entry.id, data: entry.data })) return;
    }
  }
}
