/**
 * What a server backend stores: session records (bound to a principal), a bounded event log
 * per session for `Last-Event-ID` replay, and a publish/subscribe hook that routes a message
 * to the replica holding a session's open stream. Memory is the default (`memory.ts`); a
 * Redis backend can implement the same interface for several replicas.
 *
 * Everything is async so that a networked backend fits; the memory backend resolves in call
 * order, which keeps a session's events in the order they were appended.
 */

/** Which wire transport opened a session. */
export type SessionTransportKind = "sse" | "streamable";

export interface SessionRecord {
  id: string;
  transport: SessionTransportKind;
  /** The principal id that opened the session (`null` when no auth is configured). */
  principalId: string | null;
  createdAt: number;
}

/** One logged outbound event. `id` is `<sessionId>:<seq>` and is written as the SSE id. */
export interface EventLogEntry {
  id: string;
  seq: number;
  /** The logical stream the event belongs to (legacy: `"sse"`; /mcp: a per-request or the GET stream). */
  stream: string;
  /** The SSE data (a serialized JSON-RPC message; `""` for a priming event). */
  data: string;
}

/** The answer to "what came after this id?". */
export type ReadAfterResult =
  | { ok: true; stream: string; entries: EventLogEntry[] }
  /** The log no longer holds the events right after `lastEventId` (evicted): a gap. */
  | {
      ok: false;
      reason: "evicted";
      stream: string | null;
      oldestSeq: number;
      entries: EventLogEntry[];
    }
  /** The id names no event this session ever logged. */
  | { ok: false; reason: "unknown" };

export interface ServerBackend {
  createSession(record: SessionRecord): Promise<void>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  deleteSession(id: string): Promise<void>;
  countSessions(): Promise<number>;
  /** Append an event to the session's bounded log; assigns and returns its id. */
  append(sessionId: string, stream: string, data: string): Promise<EventLogEntry>;
  /**
   * Events of the same logical stream as `lastEventId`, logged after it, in order. `stream`
   * narrows the search when the caller already knows it.
   */
  readAfter(sessionId: string, lastSeq: number, stream?: string): Promise<ReadAfterResult>;
  /** Deliver `message` to whoever subscribed to `channel` (on any replica). */
  publish(channel: string, message: string): Promise<void>;
  /** Returns an unsubscribe function. */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Build the SSE id of an event: the session is recoverable from a bare id. */
export function formatEventId(sessionId: string, seq: number): string {
  return `${sessionId}:${seq}`;
}

/** Parse `<sessionId>:<seq>`; `undefined` when the id is not one of ours. */
export function parseEventId(id: string): { sessionId: string; seq: number } | undefined {
  const colon = id.lastIndexOf(":");
  if (colon <= 0) return undefined;
  const seqText = id.slice(colon + 1);
  if (!/^\d{1,15}$/.test(seqText)) return undefined;
  return { sessionId: id.slice(0, colon), seq: Number(seqText) };
}
