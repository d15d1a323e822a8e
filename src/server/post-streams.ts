/**
 * Which request of a Streamable HTTP session belongs to which POST stream, and when a POST
 * stream is complete (every request in it answered or cancelled): the spec has the server
 * end a POST's stream then, and a resumption of a complete stream replays, then ends.
 * One per session, kept by `StreamableSessionTransport` (streamable-transport.ts).
 */
import type { JSONRPCMessage, RequestId } from "@modelcontextprotocol/server";
import { isRequestMessage } from "./body.js";

/**
 * Prefix of the key of a POST stream opened on the session's own replica (`post:<n>`, n
 * counting per session). A POST held by another replica gets `post:<uuid>` there
 * (forward.ts): the two never meet, and a key only has to be unique within its session.
 */
const LOCAL_POST_KEY = "post:";
const LOCAL_POST_KEY_PATTERN = /^post:\d{1,15}$/;
/** Completion markers kept for POST streams held by other replicas (see `#complete`). */
export const MAX_REMOTE_COMPLETE = 1000;

export class PostStreams {
  readonly #streamOf = new Map<RequestId, string>();
  /** Per open POST stream, how many of its requests are still unanswered. */
  readonly #unanswered = new Map<string, number>();
  /** POST streams opened here so far: numbers their keys. */
  #local = 0;
  /**
   * POST streams held by another replica whose every request was answered. One opened here
   * needs no marker (`isComplete`).
   */
  readonly #complete = new Set<string>();

  /** The key of a new POST stream opened on this replica. */
  newLocalKey(): string {
    return LOCAL_POST_KEY + ++this.#local;
  }

  /** The requests of a POST now open as stream `key` (one that came twice counts once). */
  open(key: string, messages: JSONRPCMessage[]): void {
    let pending = 0;
    for (const m of messages) {
      if (isRequestMessage(m) && this.#streamOf.get(m.id) !== key) {
        pending++;
        this.#streamOf.set(m.id, key);
      }
    }
    this.#unanswered.set(key, pending);
  }

  /** The POST stream request `id` is open on, if any. */
  streamOf(id: RequestId): string | undefined {
    return this.#streamOf.get(id);
  }

  /**
   * Request `id` of stream `key` was answered (or cancelled). Returns true when that was the
   * stream's last one: it is complete.
   */
  answered(key: string, id: RequestId): boolean {
    this.#streamOf.delete(id);
    const pending = this.#unanswered.get(key);
    if (pending === undefined) return false;
    if (pending > 1) {
      this.#unanswered.set(key, pending - 1);
      return false;
    }
    this.#unanswered.delete(key);
    if (!LOCAL_POST_KEY_PATTERN.test(key)) this.#markComplete(key);
    return true;
  }

  /**
   * Whether POST stream `key` had every request answered. One opened here (`post:<n>`, n up
   * to the count opened) is complete once it has no unanswered request left: no marker, no
   * bound (a marker set forgot the oldest ones, whose resumption then stayed open).
   */
  isComplete(key: string): boolean {
    if (LOCAL_POST_KEY_PATTERN.test(key)) {
      const n = Number(key.slice(LOCAL_POST_KEY.length));
      return n <= this.#local && !this.#unanswered.has(key);
    }
    return this.#complete.has(key);
  }

  /** Markers are only needed while their events can still be replayed: the oldest go first. */
  #markComplete(key: string): void {
    this.#complete.add(key);
    if (this.#complete.size <= MAX_REMOTE_COMPLETE) return;
    const first = this.#complete.values().next().value;
    if (first !== undefined) this.#complete.delete(first);
  }
}
