import { McpSseError } from "../../errors.js";
import type { EventLogEntry, ReadAfterResult, ServerBackend, SessionRecord } from "./types.js";
import { formatEventId } from "./types.js";

function sizeOf(entry: EventLogEntry): number {
  return utf8Length(entry.data) + entry.id.length;
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

interface SessionLog {
  /** Next sequence number; sequence numbers start at 1 (0 means "nothing seen yet"). */
  nextSeq: number;
  /** Evicted slots before `head` are `undefined` until the next compaction. */
  entries: (EventLogEntry | undefined)[];
  /** Start index into `entries` (a ring would do; shifting in batches keeps it simple and O(1) amortized). */
  head: number;
  /** Bytes held by the live entries (`entries[head..]`). */
  bytes: number;
}

/** UTF-8 length without encoding (a log append must not copy the message again). */
export function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2; // a surrogate pair: 4 bytes for 2 code units
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/** The replica id of a memory backend: there is only this one. */
export const MEMORY_REPLICA_ID = "local";

/** The single-process backend: everything in maps, bounded per session. */
export function createMemoryBackend(options: MemoryBackendOptions = {}): ServerBackend {
  const maxEvents = options.eventLogSize ?? DEFAULT_EVENT_LOG_SIZE;
  const maxBytes = options.eventLogBytes ?? DEFAULT_EVENT_LOG_BYTES;
  const sessions = new Map<string, SessionRecord>();
  const logs = new Map<string, SessionLog>();
  let handler: ((message: string) => void) | undefined;

  const live = (log: SessionLog) => log.entries.length - log.head;

  return {
    replicaId: MEMORY_REPLICA_ID,
    async createSession(record) {
      sessions.set(record.id, record);
      logs.set(record.id, { nextSeq: 1, entries: [], head: 0, bytes: 0 });
    },
    async getSession(id) {
      return sessions.get(id);
    },
    async deleteSession(id) {
      sessions.delete(id);
      logs.delete(id);
    },
    async append(sessionId, stream, data) {
      const log = logs.get(sessionId);
      if (!log) {
        // Never recreate the log of a closed session (nobody would ever delete it again).
        throw new McpSseError(
          "SERVER_SESSION_CLOSED",
          `Session ${sessionId} is closed; its event log takes no more events`,
        );
      }
      const seq = log.nextSeq++;
      const entry: EventLogEntry = { id: formatEventId(sessionId, seq), seq, stream, data };
      if (maxEvents > 0) {
        log.entries.push(entry);
        log.bytes += sizeOf(entry);
        let evicted = 0;
        while (live(log) > 0 && (live(log) > maxEvents || (maxBytes > 0 && log.bytes > maxBytes))) {
          const oldest = log.entries[log.head];
          if (oldest) log.bytes -= sizeOf(oldest);
          log.entries[log.head] = undefined; // collectable before the next compaction
          log.head++;
          evicted++;
        }
        if (evicted > 0) {
          options.onEvict?.(sessionId, evicted);
          // Compact once the dead prefix is as large as the live part.
          if (log.head >= live(log)) {
            log.entries = log.entries.slice(log.head);
            log.head = 0;
          }
        }
      }
      return entry;
    },
    async readAfter(sessionId, lastSeq, stream): Promise<ReadAfterResult> {
      const log = logs.get(sessionId);
      if (!log || lastSeq >= log.nextSeq || lastSeq < 0) return { ok: false, reason: "unknown" };
      const oldest = log.entries[log.head];
      const oldestSeq = oldest ? oldest.seq : log.nextSeq;
      // The stream an id belongs to is only known while its entry is held.
      let streamOf = stream ?? null;
      if (streamOf === null && lastSeq >= oldestSeq) {
        streamOf = log.entries[log.head + (lastSeq - oldestSeq)]?.stream ?? null;
      }
      const entries: EventLogEntry[] = [];
      for (let i = log.head; i < log.entries.length; i++) {
        const e = log.entries[i];
        if (e && e.seq > lastSeq && (streamOf === null || e.stream === streamOf)) entries.push(e);
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
