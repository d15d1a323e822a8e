/**
 * What a server backend does for the host, and nothing more:
 * - session records, each naming the replica that owns it (runs its MCP server);
 * - a bounded event log per session for `Last-Event-ID` replay;
 * - one message channel per replica, so a request that lands on another replica reaches the
 *   owner (`send` / `onMessage`).
 * Memory is the default (`memory.ts`, one process: every session is local, `send` only
 * reaches itself); Redis (`redis.ts`, the `mcp-sse/redis` export) shares them between
 * replicas. See docs/scaling.md.
 *
 * Everything is async so that a networked backend fits; `append` resolves in call order,
 * which keeps a session's events in the order they were appended.
 */

/** Which wire transport opened a session. */
export type SessionTransportKind = "sse" | "streamable";

export interface SessionRecord {
  id: string;
  transport: SessionTransportKind;
  /** The principal id that opened the session (`null` when no auth is configured). */
  principalId: string | null;
  createdAt: number;
  /** The replica that runs the session's MCP server (`ServerBackend.replicaId`). */
  owner: string;
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
  /** This replica's id: the owner named in the records it creates, and its channel. */
  readonly replicaId: string;
  createSession(record: SessionRecord): Promise<void>;
  /**
   * The record of session `id`, whichever replica owns it; `undefined` when it is unknown,
   * closed, or its owner stopped renewing its claim (died).
   */
  getSession(id: string): Promise<SessionRecord | undefined>;
  deleteSession(id: string): Promise<void>;
  /** Append an event to the session's bounded log; assigns and returns its id. */
  append(sessionId: string, stream: string, data: string): Promise<EventLogEntry>;
  /**
   * Optional: the same append, done before returning, for a backend whose log is in this
   * process (memory; Redis on the owner, which serves from memory). Saves a promise and a
   * microtask turn per message sent (the fan-out's hot path). Throws where `append` rejects.
   */
  appendNow?(sessionId: string, stream: string, data: string): EventLogEntry;
  /**
   * Events of the same logical stream as `lastEventId`, logged after it, in order. `stream`
   * narrows the search when the caller already knows it.
   */
  readAfter(sessionId: string, lastSeq: number, stream?: string): Promise<ReadAfterResult>;
  /**
   * Deliver `message` to replica `replicaId`'s `onMessage`. Resolves `false` when no such
   * replica is listening (it died or never existed). Messages to one replica arrive in the
   * order they were sent.
   */
  send(replicaId: string, message: string): Promise<boolean>;
  /** Where this replica's messages go (one handler; a later call replaces it). */
  onMessage(handler: (message: string) => void): void;
  /**
   * Deliver `message` to every replica's `onBroadcast`, this one included, in one order for
   * all (the event feed's fan-out). Absent on a one-process backend (memory), whose feed
   * delivers directly. Rejects when the message cannot be sent (the caller then delivers
   * locally).
   */
  broadcast?(message: string): Promise<void>;
  /** Where broadcasts go on this replica (one handler; a later call replaces it). */
  onBroadcast?(handler: (message: string) => void): void;
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
