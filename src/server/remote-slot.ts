import type { Logger } from "../logger.js";
import type { EventLogEntry, ServerBackend } from "./backends/types.js";
import type { Slot } from "./stream-slot.js";

/**
 * What the owner of a session tells the replica holding one of its streams (`holder`), over
 * that replica's channel. Messages to one replica arrive in the order they were sent, so the
 * holder sees a stream's events, then its end, in order.
 */
export type HolderMessage =
  /** A logged event of stream `key`. */
  | { t: "ev"; sid: string; key: string; entry: EventLogEntry }
  /** Stream `key` is finished (or taken over by another connection): end the connection. */
  | { t: "end"; sid: string; key: string }
  /** SSE polling: end the connection after a `retry:` hint; the client resumes later. */
  | { t: "poll"; sid: string; key: string; retryMs: number };

/**
 * The owner's side of a stream whose client is connected to another replica: events go to
 * that replica, which writes them to its connection. Once the holder is gone (it told us the
 * client left, or nobody listens on its channel any more: it died), events are only logged,
 * for the client to replay when it resumes elsewhere.
 */
export class RemoteSlot implements Slot {
  #attached = true;

  constructor(
    readonly holder: string,
    readonly sessionId: string,
    readonly key: string,
    private readonly backend: ServerBackend,
    private readonly logger: Logger,
  ) {}

  get open(): boolean {
    return this.#attached;
  }

  deliver(entry: EventLogEntry): void {
    if (this.#attached) this.#post({ t: "ev", sid: this.sessionId, key: this.key, entry });
  }

  close(): void {
    if (!this.#attached) return;
    this.#attached = false;
    this.#post({ t: "end", sid: this.sessionId, key: this.key });
  }

  disconnect(retryMs: number): boolean {
    if (!this.#attached) return false;
    this.#attached = false;
    this.#post({ t: "poll", sid: this.sessionId, key: this.key, retryMs });
    return true;
  }

  /** The holder writes no comment for us: shutdown of the owner just ends the stream. */
  end(_comment: string): void {
    this.close();
  }

  /** The holder said its client left. */
  detach(): void {
    this.#attached = false;
  }

  #post(message: HolderMessage): void {
    this.backend.send(this.holder, JSON.stringify(message)).then(
      (delivered) => {
        if (delivered) return;
        if (this.#attached)
          this.logger.warn(
            { sessionId: this.sessionId, replica: this.holder },
            "the replica holding a stream is gone; events are logged for the client to resume",
          );
        this.#attached = false;
      },
      (error: unknown) => {
        this.#attached = false;
        this.logger.error(
          { sessionId: this.sessionId, replica: this.holder, err: error },
          "cannot reach the replica holding a stream; events are logged for the client to resume",
        );
      },
    );
  }
}
