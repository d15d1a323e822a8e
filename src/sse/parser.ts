import { ByteFrontEnd } from "./parser-bytes.js";
import { createUtf8Decode } from "./parser-decode.js";
import { SseEventBuilder } from "./parser-event.js";
import { LatinText } from "./parser-latin1.js";
import { LineSplitter } from "./parser-lines.js";
import type { EventStreamParser, ParserCallbacks } from "./types.js";
import { findNativeBytes, type NativeBytes, utf8Length } from "./utf8.js";

/**
 * A streaming Server-Sent Events parser: text or UTF-8 bytes in, events out, following the
 * WHATWG HTML "interpreting an event stream" rules. A pure function of its input (STYLE #1):
 * it knows nothing of fetch, sockets, reconnection or MCP.
 *
 * This file only wires the public `createParser` / `createPortableParser`. The work is done
 * by three parts, each holding its own state, called in this order for every chunk:
 *
 * 1. `ByteFrontEnd` (parser-bytes.ts): bytes to text — the latin1 fast path (no decoding,
 *    char index = byte index) or one decode per chunk (the portable path), the stream-start
 *    BOM as bytes, and the bytes held between chunks (an unfinished character).
 * 2. `LineSplitter` (parser-lines.ts): text to lines and fields — CR / LF / CR LF across
 *    chunks, the partial line and overlong lines, the `data:` fast paths, and the UTF-8
 *    decode of a latin1 field value that holds a non-ASCII byte.
 * 3. `SseEventBuilder` (parser-event.ts): fields to events — the WHATWG buffers,
 *    `maxEventSize` accounting (the typed `SSE_EVENT_TOO_LARGE` error, once per event) and
 *    dispatch.
 *
 * Nothing is measured in UTF-8 until an event could be near the size limit (3 bytes per
 * UTF-16 unit is the cheap upper bound; a latin1 partial line is its exact byte size).
 */

export { DEFAULT_MAX_EVENT_SIZE } from "./parser-event.js";

/** What `createParser` returns: the `EventStreamParser` contract plus two read-only views. */
export interface SseParser extends EventStreamParser {
  /**
   * The last event ID buffer (WHATWG): set by an `id` field without NUL, even in a block that
   * dispatches nothing. A reader sends it as `Last-Event-ID` when it reconnects.
   */
  readonly lastEventId: string;
  /** UTF-8 bytes held right now (partial line + pending event): for tests and metrics. */
  readonly bufferedBytes: number;
}

/** Node's native latin1 decoder and UTF-8 length, or `undefined` (browser: portable path). */
const nativeBytes = findNativeBytes();

/**
 * One UTF-8 decode for every parser: it holds no state between calls (each is given whole
 * characters), and a parser of its own cost two `TextDecoder`s per stream. Shared, it is also
 * one function for the optimized code that calls it: a closure per parser was recorded by
 * V8's call feedback and built into that code, which a full GC then invalidated once the
 * parser was gone (see `SHAPE_ANCHORS`).
 */
const utf8Decode = createUtf8Decode();

export function createParser(callbacks: ParserCallbacks): SseParser {
  return buildParser(callbacks, nativeBytes);
}

/**
 * The parser as a browser runs it (no single-byte decoder), in any runtime: lets tests and
 * the bench check and measure that path in Node too. Same contract as `createParser`.
 */
export function createPortableParser(callbacks: ParserCallbacks): SseParser {
  return buildParser(callbacks, undefined);
}

function buildParser(callbacks: ParserCallbacks, native: NativeBytes | undefined): SseParser {
  const decode = utf8Decode;
  const events = new SseEventBuilder(callbacks);
  // Only called on latin1 text, which exists only when `native` does.
  const latin1Utf8Length = native?.utf8Length ?? utf8Length;
  const lines = new LineSplitter(events, callbacks.onComment, decode, latin1Utf8Length);
  const input = new ByteFrontEnd(lines, decode, native);
  return {
    feed(chunk: string | Uint8Array): void {
      input.feed(chunk);
    },
    reset(): void {
      lines.reset(); // bumps the epoch: a feed this reset was called from stops
      input.reset();
      events.reset();
    },
    get lastEventId() {
      return events.idBuffer;
    },
    get bufferedBytes() {
      return input.heldLength() + lines.pendingBytes() + events.eventSize();
    },
  };
}

/**
 * One parser (and one `LatinText`) kept for the process's life, never fed. V8 holds the
 * hidden classes ("maps") that instances get as their fields are added only weakly (through
 * the transitions from the class's initial map): a full GC while no instance is alive frees
 * them, and marks every optimized function built on them for deoptimization (`--trace-deopt`:
 * "reason: weak objects"). The next stream then runs unoptimized code, and recompiles, for
 * tens of milliseconds (the parse bench, a full GC before each pass: the parser's pass took
 * about 2x its steady-state CPU). A client whose parsers are short-lived (one per POST
 * answer) meets this at each full GC. Live instances keep the maps alive, so the optimized
 * code stays valid; these cost a few hundred bytes.
 */
export const SHAPE_ANCHORS: readonly object[] = [
  buildParser({ onEvent: () => {} }, nativeBytes),
  new LatinText(new Uint8Array(0), 0),
];
