import { McpSseError } from "../../errors.js";
import { textBytes } from "../sse-stream.js";
import type { EventLogEntry, ReadAfterResult, ServerBackend, SessionRecord } from "./types.js";
import { formatEventId } from "./types.js";

/** Bytes an event counts against `eventLogBytes`: its UTF-8 data plus its id. */
function sizeOf(sessionId: string, seq: number, data: string): number {
  return textBytes(data) + sessionId.length + 1 + decimalDigits(seq);
}

function decimalDigits(n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  return digits;
}

/** Events kept per session for replay. `0` disables the log (no replay). */
export const DEFAULT_EVENT_LOG_SIZE = 1000;
/** Bytes (UTF-8 data plus id) kept per session for replay. `0` disables the byte bound. */
export const DEFAULT_EVENT_LOG_BYTES = 8 * 1024 * 1024;

export interface MemoryBackendOptions {
  /** Events kept per session for replay; oldest evicted first. Default `DEFAULT_EVENT_LOG_SIZE`. */
  eventLogSize?: number;
  /**
   * Bytes (UTF-8 data plus id) kept per session; oldest evicted first, so a few huge messages
   * cannot hold `eventLogSize` times their size. Default `DEFAULT_EVENT_LOG_BYTES`; `0`
   * disables this bound.
   */
  eventLogBytes?: number;
  /** Called with how many events were evicted (for the queue-drop metric). */
  onEvict?: (sessionId: string, count: number) => void;
}

/**
 * One session's held events: their data strings and little else, in one array (data and
 * logical stream of each event in a row). A log holds up to `eventLogSize` events for every
 * session, and each one outlives several collections, so what it holds per event is copied by
 * the GC (measured: the legacy fan-out spent more host CPU on the log than on writing the
 * events); one array, not one per field, for an idle session's one or two events. The events
 * are numbered in a row, so a sequence number is an index; their entries (with ids) and sizes
 * are made when needed.
 */
interface SessionLog {
  /** Next sequence number; sequence numbers start at 1 (0 means "nothing seen yet"). */
  nextSeq: number;
  /** The sequence number of event index 0. */
  firstSeq: number;
  /** Event `i`'s data at `2i`, its logical stream at `2i + 1`. Events before `head` are emptied. */
  events: string[];
  /** Index of the oldest live event (a ring would do; shifting in batches keeps it simple and O(1) amortized). */
  head: number;
  /** Bytes held by the live events (`[head..]`). */
  bytes: number;
}

function newLog(): SessionLog {
  return { nextSeq: 1, firstSeq: 1, events: [], head: 0, bytes: 0 };
}

const dataAt = (log: SessionLog, index: number): string => log.events[2 * index] ?? "";
const streamAt = (log: SessionLog, index: number): string => log.events[2 * index + 1] ?? "";

function entryAt(sessionId: string, log: SessionLog, index: number): EventLogEntry {
  const seq = log.firstSeq + index;
  return {
    id: formatEventId(sessionId, seq),
    seq,
    stream: streamAt(log, index),
    data: dataAt(log, index),
  };
}

/** Drop the oldest events past the bounds; returns how many went. */
function evict(sessionId: string, log: SessionLog, maxEvents: number, maxBytes: number): number {
  let evicted = 0;
  while (live(log) > 0 && (live(log) > maxEvents || (maxBytes > 0 && log.bytes > maxBytes))) {
    log.bytes -= sizeOf(sessionId, log.firstSeq + log.head, dataAt(log, log.head));
    log.events[2 * log.head] = ""; // collectable before the next compaction
    log.events[2 * log.head + 1] = "";
    log.head++;
    evicted++;
  }
  // Compact once the dead prefix is as large as the live part.
  if (evicted > 0 && log.head >= live(log)) {
    log.events = log.events.slice(2 * log.head);
    log.firstSeq += log.head;
    log.head = 0;
  }
  return evicted;
}

function live(log: SessionLog): number {
  return log.events.length / 2 - log.head;
}

/** The replica id of a memory backend: there is only this one. */
export const MEMORY_REPLICA_ID = "local";

/** The memory backend always appends at once (`appendNow`). */
export type MemoryBackend = ServerBackend & Required<Pick<ServerBackend, "appendNow">>;

/** The single-process backend: everything in maps, bounded per session. */
export function createMemoryBackend(options: MemoryBackendOptions = {}): MemoryBackend {
  const maxEvents = options.eventLogSize ?? DEFAULT_EVENT_LOG_SIZE;
  const maxBytes = options.eventLogBytes ?? DEFAULT_EVENT_LOG_BYTES;
  const sessions = new Map<string, SessionRecord>();
  const logs = new Map<string, SessionLog>();
  let handler: ((message: string) => void) | undefined;

  function appendNow(sessionId: string, stream: string, data: string): EventLogEntry {
    const log = logs.get(sessionId);
    if (!log) {
      // Never recreate the log of a closed session (nobody would ever delete it again).
      throw new McpSseError(
        "SERVER_SESSION_CLOSED",
        `Session ${sessionId} is closed; its event log takes no more events`,
      );
    }
    const seq = log.nextSeq++;
    if (maxEvents > 0) {
      const size = sizeOf(sessionId, seq, data);
      log.events.push(data, stream);
      log.bytes += size;
      const evicted = evict(sessionId, log, maxEvents, maxBytes);
      if (evicted > 0) options.onEvict?.(sessionId, evicted);
    } else log.firstSeq = log.nextSeq; // nothing held: the array stays empty
    return { id: formatEventId(sessionId, seq), seq, stream, data };
  }

  return {
    replicaId: MEMORY_REPLICA_ID,
    async createSession(record) {
      sessions.set(record.id, record);
      logs.set(record.id, newLog());
    },
    async getSession(id) {
      return sessions.get(id);
    },
    async deleteSession(id) {
      sessions.delete(id);
      logs.delete(id);
    },
    append: async (sessionId, stream, data) => appendNow(sessionId, stream, data),
    appendNow,
    async readAfter(sessionId, lastSeq, stream): Promise<ReadAfterResult> {
      const log = logs.get(sessionId);
      if (!log || lastSeq >= log.nextSeq || lastSeq < 0) return { ok: false, reason: "unknown" };
      const oldestSeq = live(log) > 0 ? log.firstSeq + log.head : log.nextSeq;
      // The stream an id belongs to is only known while its event is held.
      let streamOf = stream ?? null;
      if (streamOf === null && lastSeq >= oldestSeq) {
        streamOf = streamAt(log, lastSeq - log.firstSeq);
      }
      const entries: EventLogEntry[] = [];
      const end = log.events.length / 2;
      for (let i = Math.max(log.head, lastSeq + 1 - log.firstSeq); i < end; i++) {
        if (streamOf === null || streamAt(log, i) === streamOf)
          entries.push(entryAt(sessionId, log, i));
      }
      // Events after lastSeq were evicted: the oldest held one is not the very next.
      if (lastSeq + 1 < oldestSeq) {
        return { ok: false, reason: "evicted", stream: streamOf, oldestSeq, entries };
      }
      if (streamOf === null) streamOf = "";
      return { ok: true, stream: streamOf, entries };
    },
    async send(replicaId, message) {
      // One process: the only replica listening is this one.
      if (replicaId !== MEMORY_REPLICA_ID || handler === undefined) return false;
      handler(message);
      return true;
    },
    onMessage(onMessage) {
      handler = onMessage;
    },
    async close() {
      sessions.clear();
      logs.clear();
      handler = undefined;
    },
  };
}
