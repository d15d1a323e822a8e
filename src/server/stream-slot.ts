import type { EventLogEntry, ReadAfterResult } from "./backends/types.js";
import { formatEventId } from "./backends/types.js";
import type { SseStream } from "./sse-stream.js";

/** Write a logged event to `stream`: every event carries its id. */
function writeEntry(stream: SseStream, entry: EventLogEntry): boolean {
  // A priming event (empty data, 2025-11-25) carries only an id, as the SDK writes it.
  return entry.data === ""
    ? stream.writeEvent(entry.id, undefined, "")
    : stream.writeEvent(entry.id, "message", entry.data);
}

/**
 * Where one logical stream's events go, as the session's transport sees it: a connection on
 * this replica (`StreamSlot`) or one held by another replica (`RemoteSlot`, remote-slot.ts).
 */
export interface Slot {
  /** A client is attached (reading, or being replayed to). */
  readonly open: boolean;
  /** Send a freshly logged event to the attached client (or hold it during a replay). */
  deliver(entry: EventLogEntry): void;
  /** End the attached connection (after a replay in progress, if any). */
  close(): void;
  /** SSE polling: end the connection with a `retry:` hint; false when nothing was attached. */
  disconnect(retryMs: number): boolean;
  /** Graceful shutdown: a final comment, then close. */
  end(comment: string): void;
}

/**
 * Where one logical stream's events go: the currently attached `SseStream`, if any. While a
 * reconnecting client is being replayed to, live events are held and flushed after the
 * replay, so nothing is lost, duplicated or reordered.
 */
export class StreamSlot implements Slot {
  #stream: SseStream | undefined;
  #held: EventLogEntry[] | null = null;
  /** `close()` was asked for during a replay: honoured once the held events are flushed. */
  #closeAfterFlush = false;
  #lastSeq = 0;
  /** Counts attaches: only the latest one flushes (see `attach`). */
  #generation = 0;

  /**
   * `stream`: a connection attached from the start, with nothing to replay (a POST's own
   * stream): no `attach`, so no promise and no turn of the event loop per POST.
   */
  constructor(stream?: SseStream) {
    this.#stream = stream;
  }

  get stream(): SseStream | undefined {
    return this.#stream && !this.#stream.closed ? this.#stream : undefined;
  }

  get open(): boolean {
    return this.stream !== undefined;
  }

  end(comment: string): void {
    this.stream?.comment(comment);
    this.close();
  }

  /** Send a freshly logged event to the attached stream (or hold it during a replay). */
  deliver(entry: EventLogEntry): void {
    if (this.#held) {
      this.#held.push(entry);
      return;
    }
    this.#write(entry);
  }

  /**
   * Attach a new connection, replacing (closing) any previous one. `preamble` writes what
   * comes before the replay (the legacy `endpoint` event); `replay` reads the missed events.
   */
  async attach(
    stream: SseStream,
    preamble: (stream: SseStream) => void,
    replay: () => Promise<EventLogEntry[]>,
  ): Promise<number> {
    // Attaches may overlap (a client reconnecting twice, a slow networked backend): only the
    // latest one writes its replay and flushes the held events; an older one just ends.
    const generation = ++this.#generation;
    const previous = this.#stream;
    this.#stream = stream;
    this.#lastSeq = 0;
    if (previous && previous !== stream) previous.close();
    // Events held for an overlapped attach stay held: the newest replay may have read the
    // log before they were appended (duplicates are dropped by sequence number).
    this.#held ??= [];
    let replayed = 0;
    try {
      preamble(stream);
      const entries = await replay();
      if (generation !== this.#generation) return 0; // superseded: its stream is closed
      for (const entry of entries) {
        if (this.#write(entry)) replayed++;
      }
    } catch (error) {
      if (generation === this.#generation) {
        // A replay that failed cannot be trusted to be complete: end the stream, so the
        // client resumes again rather than silently missing events.
        this.#held = null;
        this.#closeAfterFlush = false;
        this.#stream = undefined;
        stream.close();
      }
      throw error;
    }
    const held = this.#held ?? [];
    this.#held = null;
    for (const entry of held) this.#write(entry);
    if (this.#closeAfterFlush) {
      this.#closeAfterFlush = false;
      this.close();
    }
    return replayed;
  }

  /** Detach (without closing) when the connection went away. */
  release(stream: SseStream): void {
    if (this.#stream === stream) this.#stream = undefined;
  }

  /**
   * End the attached connection. During a replay the close waits until the held live events
   * (such as the response that completed the stream) are written, so none is cut off.
   */
  close(): void {
    if (this.#held) {
      this.#closeAfterFlush = true;
      return;
    }
    this.#stream?.close();
    this.#stream = undefined;
  }

  /**
   * SSE polling (SEP-1699, 2025-11-25): end the attached connection while its stream is still
   * live, telling the client through `retry:` how soon to reconnect with `Last-Event-ID`.
   * Events logged meanwhile are replayed then. Returns false when nothing was attached.
   */
  disconnect(retryMs: number): boolean {
    const stream = this.stream;
    if (!stream) return false;
    stream.write({ retry: retryMs });
    // Mid-replay, close() waits for the replay to finish: the client resumes from its end.
    this.close();
    return true;
  }

  #write(entry: EventLogEntry): boolean {
    const stream = this.#stream;
    // Sequence numbers only grow: an entry at or below the last written one is a duplicate.
    if (!stream || entry.seq <= this.#lastSeq) return false;
    this.#lastSeq = entry.seq;
    return writeEntry(stream, entry);
  }
}

/** The code of the SSE `error` event that reports a gap in a replay. */
export const REPLAY_GAP_CODE = "SERVER_REPLAY_GAP";

/**
 * Turn a log read into the events to replay, writing a clear `event: error` first when the
 * log no longer holds what came right after `lastEventId` (never a silent gap). The error
 * event's id is the last event the client can no longer get, so its position is truthful.
 */
export function replayOrGap(
  stream: SseStream,
  sessionId: string,
  lastEventId: string,
  result: ReadAfterResult,
  onGap: () => void,
): EventLogEntry[] {
  if (result.ok) return result.entries;
  onGap();
  const oldestSeq = result.reason === "evicted" ? result.oldestSeq : 0;
  const message =
    result.reason === "evicted"
      ? `Events after ${lastEventId} are no longer held by the server (event log bound reached); events before ${formatEventId(sessionId, oldestSeq)} were lost`
      : `Last-Event-ID ${lastEventId} names no event of this session; nothing can be replayed`;
  stream.write({
    id: result.reason === "evicted" ? formatEventId(sessionId, oldestSeq - 1) : lastEventId,
    event: "error",
    data: JSON.stringify({ code: REPLAY_GAP_CODE, message, lastEventId, reason: result.reason }),
  });
  return result.reason === "evicted" ? result.entries : [];
}
