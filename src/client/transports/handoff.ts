/**
 * Handing a legacy SSE stream over to an event-feed connection. With `kind: auto`, the first
 * event of a `GET` stream decides what the server is: `endpoint` → legacy MCP; anything else
 * → a plain event feed. The stream already open (its reader, with `Last-Event-ID`
 * reconnection, and the pool it fetches through) moves to the feed connection with that first
 * event, so nothing is lost and nothing is requested twice. Until the new owner attaches,
 * events wait here, in order.
 */
import { McpSseError, redactUrl } from "../../errors.js";
import type { Logger } from "../../logger.js";
import type { EventStreamReader, StreamStateChange } from "../../sse/reader-options.js";
import type { SseEvent } from "../../sse/types.js";
import type { OwnedFetch } from "./base.js";

/** The internal rejection of a legacy transport's `start()` once it handed its stream over. */
export const CLIENT_FEED_DETECTED = "CLIENT_FEED_DETECTED";
/** Most events kept for a feed connection that has not attached yet (it attaches at once). */
export const MAX_HANDOFF_BUFFER = 1024;

/** Where a stream reader's callbacks go: the legacy transport, or the feed that took it over. */
export interface StreamSink {
  onEvent(event: SseEvent): void;
  onStateChange(change: StreamStateChange): void;
  onError(error: McpSseError): void;
  shouldReconnect(error: McpSseError): boolean;
  /** The request headers of every (re)connect attempt. */
  headers(): Promise<Record<string, string>>;
  /** The reader ended for good (`error`: why it gave up). */
  onDone(error: McpSseError | undefined): void;
}

export interface FeedHandoff {
  /** The stream's URL. */
  readonly url: URL;
  /** The open reader; the new owner closes it. */
  readonly reader: EventStreamReader;
  /** The pool the reader fetches through (undefined when the caller supplied `fetch`). */
  readonly pool: OwnedFetch | undefined;
  /** Take the stream: buffered events (the first one included) are replayed first, in order. */
  attach(sink: StreamSink): void;
  /** Give it up unattached: close the reader and the pool. */
  close(): Promise<void>;
}

type Pending =
  | { kind: "event"; event: SseEvent }
  | { kind: "state"; change: StreamStateChange }
  | { kind: "done"; error: McpSseError | undefined };

/**
 * The sink a transport's reader talks to after the hand-over: buffers until `attach`, then
 * forwards. Before `attach`, reconnect decisions and headers stay the transport's (`fallback`).
 */
export class StreamRelay implements StreamSink, FeedHandoff {
  private sink: StreamSink | undefined;
  private readonly pending: Pending[] = [];
  private dropped = 0;

  constructor(
    readonly url: URL,
    readonly reader: EventStreamReader,
    readonly pool: OwnedFetch | undefined,
    private readonly fallback: StreamSink,
    private readonly log: Logger,
  ) {}

  attach(sink: StreamSink): void {
    if (this.sink !== undefined)
      throw new McpSseError("CLIENT_BAD_TRANSITION", "handoff attached twice");
    this.sink = sink;
    if (this.dropped > 0)
      this.log.warn(
        { dropped: this.dropped, url: redactUrl(this.url) },
        "events dropped while the stream was handed over to the feed connection",
      );
    for (const item of this.pending.splice(0)) {
      if (item.kind === "event") sink.onEvent(item.event);
      else if (item.kind === "state") sink.onStateChange(item.change);
      else sink.onDone(item.error);
    }
  }

  async close(): Promise<void> {
    this.reader.close();
    await this.reader.done;
    await this.pool?.close();
  }

  onEvent(event: SseEvent): void {
    if (this.sink !== undefined) this.sink.onEvent(event);
    else if (this.pending.length < MAX_HANDOFF_BUFFER) this.pending.push({ kind: "event", event });
    else this.dropped += 1;
  }

  onStateChange(change: StreamStateChange): void {
    if (this.sink !== undefined) this.sink.onStateChange(change);
    else this.pending.push({ kind: "state", change });
  }

  onError(error: McpSseError): void {
    (this.sink ?? this.fallback).onError(error);
  }

  shouldReconnect(error: McpSseError): boolean {
    return (this.sink ?? this.fallback).shouldReconnect(error);
  }

  headers(): Promise<Record<string, string>> {
    return (this.sink ?? this.fallback).headers();
  }

  onDone(error: McpSseError | undefined): void {
    if (this.sink !== undefined) this.sink.onDone(error);
    else this.pending.push({ kind: "done", error });
  }
}

/** The error a legacy transport's `start()` rejects with after handing its stream over. */
export function feedDetected(server: string, url: URL, firstType: string): McpSseError {
  return new McpSseError(
    CLIENT_FEED_DETECTED,
    `Server "${server}" (${redactUrl(url)}) opened its stream with a "${firstType}" event, not "endpoint": it is a plain event feed, not a legacy MCP server (internal: the stream was handed to a feed connection).`,
    { details: { server, url: redactUrl(url), firstType } },
  );
}
