import type { JSONRPCMessage, MessageExtraInfo } from "@modelcontextprotocol/server";
import { McpSseError } from "../errors.js";
import type { ServerBackend } from "./backends/types.js";
import { formatEventId } from "./backends/types.js";
import type { ServerMetrics } from "./metrics.js";
import type { RemoteSlot } from "./remote-slot.js";
import type { SessionTransport } from "./sessions.js";
import type { SseStream } from "./sse-stream.js";
import { replayOrGap, StreamSlot } from "./stream-slot.js";

/** The logical stream name of a legacy session in the event log. */
export const LEGACY_STREAM = "sse";

export interface LegacyTransportDeps {
  backend: ServerBackend;
  metrics: ServerMetrics;
  /** Where clients POST their messages (relative URI, e.g. `/messages`). */
  messagesPath: string;
  /** `retry:` (ms) sent with the endpoint event: how soon EventSource clients reconnect. */
  retryMs?: number | undefined;
}

/**
 * Server side of the legacy HTTP+SSE transport (2024-11-05), ours rather than the SDK's
 * deprecated one: every event carries an id `<sessionId>:<seq>`, every message is logged
 * for replay, and a reconnecting `GET /sse` with `Last-Event-ID` re-attaches the session,
 * receives the `endpoint` event again, then everything it missed.
 */
export class LegacySseTransport implements SessionTransport {
  readonly sessionId: string;
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?:
    | (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void)
    | undefined;

  readonly #slot = new StreamSlot();
  /** The stream's client is connected to another replica (see `attachRemote`). */
  #remote: RemoteSlot | undefined;
  readonly #deps: LegacyTransportDeps;
  #closed = false;

  constructor(sessionId: string, deps: LegacyTransportDeps) {
    this.sessionId = sessionId;
    this.#deps = deps;
  }

  async start(): Promise<void> {}

  /** The endpoint event's data: where to POST, with the session id. */
  get endpoint(): string {
    return legacyEndpoint(this.#deps.messagesPath, this.sessionId);
  }

  /**
   * Attach a (new) connection. `lastSeq` is the sequence the client last saw (`0` for a new
   * session). The endpoint event carries the id the client already holds, so its position
   * does not move past events that are still to be replayed.
   */
  async attach(
    stream: SseStream,
    lastSeq: number,
    beforeReplay?: (stream: SseStream) => void,
  ): Promise<number> {
    if (this.#closed) {
      // The session closed while this request was on its way (shutdown): nothing to attach.
      stream.close();
      return 0;
    }
    // A connection here replaces one held by another replica.
    this.#remote?.close();
    this.#remote = undefined;
    const replayed = await this.#slot.attach(
      stream,
      (s) => {
        writeEndpointEvent(s, this.#deps, this.sessionId, lastSeq);
        beforeReplay?.(s);
      },
      async () => {
        // From 0 too: a client that saw only the endpoint event (`<id>:0`) missed everything
        // logged since (for a new session the log is empty, or holds what the server sent
        // while it connected, which this stream is the first to carry).
        const result = await this.#deps.backend.readAfter(this.sessionId, lastSeq, LEGACY_STREAM);
        return replayOrGap(
          stream,
          this.sessionId,
          formatEventId(this.sessionId, lastSeq),
          result,
          () => this.#deps.metrics.replayGaps.inc({ transport: "sse" }),
        );
      },
    );
    return replayed;
  }

  release(stream: SseStream): void {
    this.#slot.release(stream);
  }

  /**
   * The client resumed on another replica: events go there from now on (it replays the log
   * itself). Any connection here, or on a third replica, is ended.
   */
  attachRemote(slot: RemoteSlot): void {
    if (this.#closed) {
      slot.close();
      return;
    }
    this.#slot.close();
    this.#remote?.close();
    this.#remote = slot;
  }

  /** The client of the remote connection held by `holder` left. */
  detachRemote(holder: string): void {
    if (this.#remote?.holder !== holder) return;
    this.#remote.detach();
    this.#remote = undefined;
  }

  receive(message: JSONRPCMessage, extra: MessageExtraInfo): void {
    this.#deps.metrics.count.in("sse");
    this.onmessage?.(message, extra);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) {
      throw new McpSseError(
        "SERVER_SESSION_CLOSED",
        `Session ${this.sessionId} is closed; cannot send`,
      );
    }
    const backend = this.#deps.backend;
    const data = JSON.stringify(message);
    const entry =
      backend.appendNow !== undefined
        ? backend.appendNow(this.sessionId, LEGACY_STREAM, data)
        : await backend.append(this.sessionId, LEGACY_STREAM, data);
    this.#deps.metrics.count.out("sse");
    (this.#remote ?? this.#slot).deliver(entry);
  }

  hasOpenStream(): boolean {
    return this.#slot.open || this.#remote?.open === true;
  }

  endStreams(comment: string): void {
    this.#slot.end(comment);
    this.#remote?.end(comment);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#slot.close();
    this.#remote?.close();
    this.onclose?.();
  }
}

/** The legacy `endpoint` event's data: where to POST, with the session id. */
export function legacyEndpoint(messagesPath: string, sessionId: string): string {
  return `${messagesPath}?sessionId=${encodeURIComponent(sessionId)}`;
}

/**
 * The `endpoint` event that opens (or re-opens) a legacy stream, on whichever replica holds
 * it. It carries the id the client already holds, so its position does not move past events
 * still to be replayed.
 */
export function writeEndpointEvent(
  stream: SseStream,
  deps: { messagesPath: string; retryMs?: number | undefined },
  sessionId: string,
  lastSeq: number,
): void {
  stream.write({
    id: formatEventId(sessionId, lastSeq),
    event: "endpoint",
    data: legacyEndpoint(deps.messagesPath, sessionId),
    ...(deps.retryMs !== undefined ? { retry: deps.retryMs } : {}),
  });
}
