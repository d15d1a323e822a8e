import type { EventLogEntry, ReadAfterResult } from "./types.js";
import { formatEventId } from "./types.js";

/**
 * A session's event log as a Redis Stream: entry id `<seq>-0` (so the stream's own order is
 * the sequence), fields `s` (logical stream) and `d` (data). Trimmed with `MAXLEN ~` on every
 * append: Redis keeps at least the bound, a little more until a whole node can go.
 */

/** The Redis Stream id of sequence number `seq`. */
export function streamIdOf(seq: number): string {
  return `${seq}-0`;
}

/** What XRANGE / XREVRANGE answer, as node-redis shapes it. */
export interface RawStreamEntry {
  id: string;
  message: Record<string, string>;
}

export function entryOf(sessionId: string, raw: RawStreamEntry): EventLogEntry {
  const seq = Number(raw.id.slice(0, raw.id.indexOf("-")));
  return {
    id: formatEventId(sessionId, seq),
    seq,
    stream: raw.message.s ?? "",
    data: raw.message.d ?? "",
  };
}

/**
 * The answer to "what came after `lastSeq`?" from three reads of the Redis log: the entries
 * from `lastSeq` on, and the oldest and newest entries held. The same semantics as the memory
 * backend: `unknown` past the newest, `evicted` when the very next event is gone.
 */
export function readAfterFromLog(
  sessionId: string,
  lastSeq: number,
  stream: string | undefined,
  fromLast: RawStreamEntry[],
  oldestRaw: RawStreamEntry | undefined,
  newestRaw: RawStreamEntry | undefined,
): ReadAfterResult {
  if (!oldestRaw || !newestRaw) return { ok: false, reason: "unknown" };
  const oldestSeq = entryOf(sessionId, oldestRaw).seq;
  const newestSeq = entryOf(sessionId, newestRaw).seq;
  if (lastSeq > newestSeq || lastSeq < 0) return { ok: false, reason: "unknown" };
  const entries = fromLast.map((raw) => entryOf(sessionId, raw));
  let streamOf = stream ?? null;
  const own = entries[0]?.seq === lastSeq ? entries.shift() : undefined;
  if (streamOf === null && own) streamOf = own.stream;
  const after = entries.filter(
    (e) => e.seq > lastSeq && (streamOf === null || e.stream === streamOf),
  );
  if (lastSeq + 1 < oldestSeq) {
    return { ok: false, reason: "evicted", stream: streamOf, oldestSeq, entries: after };
  }
  return { ok: true, stream: streamOf ?? "", entries: after };
}
