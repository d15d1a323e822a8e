import type { JSONRPCMessage, MessageExtraInfo } from "@modelcontextprotocol/server";
import { McpSseError } from "../errors.js";
import type { ServerBackend } from "./backends/types.js";
import { formatEventId } from "./backends/types.js";
import type { ServerMetrics } from "./metrics.js";
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
  readonly #deps: LegacyTransportDeps;
  #closed = false;

  constructor(sessionId: string, deps: LegacyTransportDeps) {
    this.sessionId = sessionId;
    this.#deps = deps;
  }

  async start(): Promise<void> {}

  /** The endpoint event's data: where to POST, with the session id. */
  get endpoint(): string {
    return `${this.#deps.messagesPath}?sessionId=${encodeURIComponent(this.sessionId)}`;
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
    const replayed = await this.#slot.attach(
      stream,
      (s) => {
        s.write({
          id: formatEventId(this.sessionId, lastSeq),
          event: "endpoint",
          data: this.endpoint,
          ...(this.#deps.retryMs !== undefined ? { retry: this.#deps.retryMs } : {}),
        });
        beforeReplay?.(s);
      },
      async () => {
        if (lastSeq === 0) return [];
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

  receive(message: JSONRPCMessage, extra: MessageExtraInfo): void {
    this.#deps.metrics.messagesIn.inc({ transport: "sse" });
    this.onmessage?.(message, extra);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) {
      throw new McpSseError(
        "SERVER_SESSION_CLOSED",
        `Session ${this.sessionId} is closed; cannot send`,
      );
    }
    const entry = await this.#deps.backend.append(
      this.sessionId,
      LEGACY_STREAM,
      JSON.stringify(message),
    );
    this.#deps.metrics.messagesOut.inc({ transport: "sse" });
    this.#slot.deliver(entry);
  }

  hasOpenStream(): boolean {
    return this.#slot.stream !== undefined;
  }

  endStreams(comment: string): void {
    this.#slot.stream?.comment(comment);
    this.#slot.close();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#slot.close();
    this.onclose?.();
  }
}
