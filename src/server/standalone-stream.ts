/**
 * The standalone stream of a Streamable HTTP session (`GET /mcp`, server-initiated messages):
 * what is kept for it while no client holds it, and which stream a resumption continues.
 * Used by `StreamableSessionTransport` (streamable-transport.ts) and forward.ts.
 */
import type { EventLogEntry, ReadAfterResult } from "./backends/types.js";
import type { SseStream } from "./sse-stream.js";
import { REPLAY_GAP_CODE } from "./stream-slot.js";

/** The logical stream of `GET /mcp` (server-initiated messages). */
export const STANDALONE_STREAM = "get";
/**
 * Standalone-stream messages kept for the next `GET /mcp` while no client holds that stream
 * (the oldest go first beyond this; the GET is then told of the gap).
 */
export const MAX_UNDELIVERED_STANDALONE = 1000;

/**
 * Standalone-stream messages sent while no `GET /mcp` was attached. A server request
 * without a related request (the SDK v2 `ctx.mcpReq.elicitInput` sends one) goes to the
 * standalone stream; a client opens that stream only after `initialized`, so without
 * this it was logged and never delivered, and the tool waited forever.
 */
export class UndeliveredBuffer {
  #entries: EventLogEntry[] = [];
  #dropped = 0;

  keep(entry: EventLogEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > MAX_UNDELIVERED_STANDALONE) {
      this.#entries.shift();
      this.#dropped++;
    }
  }

  /** What was kept (and how many went past the bound), emptying the buffer. */
  take(): { entries: EventLogEntry[]; dropped: number } {
    const taken = { entries: this.#entries, dropped: this.#dropped };
    this.#entries = [];
    this.#dropped = 0;
    return taken;
  }
}

/** Tell a fresh standalone stream that messages sent before it were dropped (never silently). */
export function writeUndeliveredGap(stream: SseStream, sessionId: string, dropped: number): void {
  stream.write({
    event: "error",
    data: JSON.stringify({
      code: REPLAY_GAP_CODE,
      message: `${dropped} server messages for session ${sessionId} were dropped while no GET stream was open (more than ${MAX_UNDELIVERED_STANDALONE} waited)`,
      reason: "undelivered",
    }),
  });
}

/**
 * Which logical stream a resumption continues, from the log read after its `Last-Event-ID`
 * (on whichever replica it lands). When the id's own entry is evicted, its stream is unknown:
 * the standalone one is resumed.
 */
export function resumedStream(result: ReadAfterResult): { key: string; result: ReadAfterResult } {
  if (result.ok) return { key: result.stream || STANDALONE_STREAM, result };
  if (result.reason !== "evicted") return { key: STANDALONE_STREAM, result };
  if (result.stream) return { key: result.stream, result };
  return {
    key: STANDALONE_STREAM,
    result: { ...result, entries: result.entries.filter((e) => e.stream === STANDALONE_STREAM) },
  };
}
