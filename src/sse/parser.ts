import { McpSseError } from "../errors.js";
import { createUtf8Decode } from "./parser-decode.js";
import type { EventStreamParser, ParserCallbacks, SseEvent } from "./types.js";
import {
  concatBytes,
  findNativeBytes,
  firstNonAscii,
  latin1Bytes,
  type NativeBytes,
  unfinishedCharacterStart,
  utf8Length,
} from "./utf8.js";

/**
 * A streaming Server-Sent Events parser: text or UTF-8 bytes in, events out, following the
 * WHATWG HTML "interpreting an event stream" rules. A pure function of its input (STYLE #1):
 * it knows nothing of fetch, sockets, reconnection or MCP.
 *
 * How it is fast: bytes are never decoded one line at a time, and mostly not decoded at all.
 * Where the runtime has a native single-byte decoder (Node's `latin1Slice`, feature-detected),
 * each byte chunk becomes a latin1 string in one call (char index = byte index): lines and
 * fields are found in it exactly as in decoded text, since CR, LF, ':' and ' ' are ASCII, and
 * only a field value holding a non-ASCII byte is decoded as UTF-8, on its own — the same
 * result as decoding the whole stream, because every value is bounded by ASCII bytes. A
 * mostly non-ASCII chunk (and every chunk in a browser, the portable path) is instead decoded
 * in one call up to its last complete character (an unfinished one waits for the next chunk).
 * Lines are found with `String.prototype.indexOf` (memchr-fast), searching for CR only while
 * the text has one; `data:`, `id:` and `event:` are recognised by their first characters, and
 * a one-line `data:` event followed by its blank line is dispatched without touching the data
 * buffer. Nothing is measured in UTF-8 until an event could be near the size limit (3 bytes
 * per UTF-16 unit is the cheap upper bound; a latin1 partial line is its exact byte size).
 */

/** Default `maxEventSize`: 16 MiB of UTF-8 (data, type and id of one event). */
export const DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024;

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

const LF = 0x0a;
const SPACE = 0x20;
const COLON = 0x3a;
const BOM = 0xfeff;
/**
 * A byte chunk with more than 1/16 non-ASCII bytes is decoded whole (one decoder call)
 * rather than read as latin1 with its non-ASCII values decoded one by one.
 */
const WIDE_CHUNK_SHARE = 16;
/** Bytes sampled from a chunk that follows a mostly non-ASCII one. */
const WIDE_SAMPLE_BYTES = 512;

/** Node's native latin1 decoder and UTF-8 length, or `undefined` (browser: portable path). */
const nativeBytes = findNativeBytes();
const utf8Encoder = new TextEncoder();

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
  const { onEvent, onRetry, onComment, onError } = callbacks;
  const limitOption = callbacks.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
  const limit = limitOption > 0 ? limitOption : Number.POSITIVE_INFINITY;
  const decode = createUtf8Decode();
  // Only called on latin1 text, which exists only when `native` does.
  const latin1Utf8Length = native?.utf8Length ?? utf8Length;

  // --- stream state (all of it is cleared by reset()) ---
  let epoch = 0; // bumped by reset(), so a reset from inside a callback stops the current feed
  let atStreamStart = true; // the one leading BOM is still to be stripped
  let pendingCR = false; // the last line ended with a CR at the end of input: skip one LF
  let skipLine = false; // discarding the rest of an overlong line
  let skipEvent = false; // discarding lines until the blank line that ends a too-large event
  // Bytes not read yet: an unfinished character (1-3 bytes), the start of a BOM, or (on the
  // decoding path) a partial line that was held as latin1.
  let heldBytes: Uint8Array | undefined;
  let pendingText = ""; // the partial last line
  let pendingTextBytes = 0; // exact UTF-8 size of pendingText, or -1: not counted yet
  let pendingLatin1 = false; // pendingText holds raw bytes as latin1 chars (fast path)
  let pendingWide = false; // ... and some of them are not ASCII
  let pendingFromString = false; // pendingText holds text fed as a string (no bytes behind it)
  let lastChunkWide = false; // the last byte chunk was decoded whole (a speed hint only)

  // --- the text being read, when it is latin1 (char index = byte index) with a non-ASCII
  // char in it: then its values are checked (and decoded as UTF-8 if need be), and the bytes
  // behind it from `textBytesStart` on are at hand (the text before is the held partial line).
  let textWide = false;
  let textBytes: Uint8Array | undefined;
  let textBytesStart = 0;

  // --- event buffers (WHATWG: data buffer, event type buffer, last event ID buffer) ---
  let data = "";
  let dataLines = 0;
  let dataCountedChars = 0; // prefix of `data` whose UTF-8 size is in dataBytes
  let dataBytes = 0;
  let type = "";
  let idBuffer = "";
  let idInBlock = false; // an id field in the current block counts toward the event's size

  /**
   * The field value `text[from, end)` as a string. Latin1 text is raw bytes: a value with a
   * non-ASCII byte is decoded as UTF-8 on its own, which equals a whole-stream decode
   * because it is bounded by ASCII bytes (line break, ':' or ' ') or the stream start.
   */
  /** Bytes as latin1 text (only called when `native` exists). */
  function latin1Text(bytes: Uint8Array): string {
    return native === undefined ? "" : native.latin1Slice.call(bytes, 0, bytes.length);
  }

  function fieldValue(text: string, from: number, end: number): string {
    const value = text.slice(from, end);
    // Native UTF-8 length of latin1 text: its length plus one per non-ASCII char.
    if (!textWide || latin1Utf8Length(value) === value.length) return value;
    const bytes =
      textBytes !== undefined && from >= textBytesStart
        ? textBytes.subarray(from - textBytesStart, end - textBytesStart)
        : latin1Bytes(text, from, end);
    return decode(bytes);
  }

  function resetEvent(): void {
    data = "";
    dataLines = 0;
    dataCountedChars = 0;
    dataBytes = 0;
    type = "";
    idInBlock = false;
  }

  /** Exact UTF-8 size of the pending event (counts only data not yet counted). */
  function eventSize(): number {
    if (dataCountedChars < data.length) {
      dataBytes += utf8Length(data, dataCountedChars);
      dataCountedChars = data.length;
    }
    return dataBytes + utf8Length(type) + (idInBlock ? utf8Length(idBuffer) : 0);
  }

  /**
   * Whether the pending event plus `extra` bytes is over the limit. The cheap bound (3 bytes
   * per UTF-16 unit) settles almost every call; exact counting happens only near the limit.
   */
  function overLimit(extra: number): boolean {
    const fieldChars = type.length + (idInBlock ? idBuffer.length : 0);
    if (extra + dataBytes + (data.length - dataCountedChars + fieldChars) * 3 <= limit) {
      return false;
    }
    return extra + eventSize() > limit;
  }

  /** Report a too-large event once, drop it, and skip to the blank line that ends it. */
  function dropEvent(size: number): void {
    resetEvent();
    skipEvent = true;
    onError?.(
      new McpSseError(
        "SSE_EVENT_TOO_LARGE",
        `SSE event exceeds the limit of ${limit} bytes (at least ${size} bytes); it was dropped. ` +
          "Raise maxEventSize if such events are expected.",
        { details: { limit, size } },
      ),
    );
  }

  function dispatch(): void {
    if (skipEvent) {
      skipEvent = false;
      resetEvent();
      return;
    }
    // WHATWG: the last event ID string takes the buffer's value even when nothing dispatches.
    if (dataLines === 0) {
      resetEvent();
      return;
    }
    const event: SseEvent = { type: type === "" ? "message" : type, data, lastEventId: idBuffer };
    resetEvent();
    onEvent(event);
  }

  function appendData(value: string): void {
    data = dataLines === 0 ? value : data + "\n" + value;
    dataLines++;
    if (limit !== Number.POSITIVE_INFINITY && overLimit(0)) dropEvent(eventSize());
  }

  function processField(field: string, value: string): void {
    switch (field) {
      case "data":
        appendData(value);
        return;
      case "event":
        setType(value);
        return;
      case "id":
        setId(value);
        return;
      case "retry":
        if (isDigits(value)) onRetry?.(Number.parseInt(value, 10));
        return;
      default:
        return; // unknown fields are ignored
    }
  }

  function setType(value: string): void {
    type = value;
    if (limit !== Number.POSITIVE_INFINITY && overLimit(0)) dropEvent(eventSize());
  }

  function setId(value: string): void {
    // WHATWG: an id containing NUL is ignored.
    if (value.indexOf("\0") !== -1) return;
    idBuffer = value;
    idInBlock = true;
    if (limit !== Number.POSITIVE_INFINITY && overLimit(0)) dropEvent(eventSize());
  }

  /** One complete line `text[start, end)` (no line break in it, not blank). */
  function processLine(text: string, start: number, end: number): void {
    const first = text.charCodeAt(start);
    // Fast path: "data:" (the character at `end` is the line break, never a space).
    if (
      first === 0x64 &&
      text.charCodeAt(start + 1) === 0x61 &&
      text.charCodeAt(start + 2) === 0x74 &&
      text.charCodeAt(start + 3) === 0x61 &&
      text.charCodeAt(start + 4) === COLON
    ) {
      const from = text.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5;
      appendData(fieldValue(text, from, end));
      return;
    }
    // Fast paths: "id:" and "event:".
    if (
      first === 0x69 &&
      text.charCodeAt(start + 1) === 0x64 &&
      text.charCodeAt(start + 2) === COLON
    ) {
      setId(fieldValue(text, text.charCodeAt(start + 3) === SPACE ? start + 4 : start + 3, end));
      return;
    }
    if (
      first === 0x65 &&
      text.charCodeAt(start + 1) === 0x76 &&
      text.charCodeAt(start + 2) === 0x65 &&
      text.charCodeAt(start + 3) === 0x6e &&
      text.charCodeAt(start + 4) === 0x74 &&
      text.charCodeAt(start + 5) === COLON
    ) {
      setType(fieldValue(text, text.charCodeAt(start + 6) === SPACE ? start + 7 : start + 6, end));
      return;
    }
    if (first === COLON) {
      if (onComment !== undefined) {
        onComment(
          fieldValue(text, text.charCodeAt(start + 1) === SPACE ? start + 2 : start + 1, end),
        );
      }
      return;
    }
    // Slice first so the colon search can never run past this line. A non-ASCII field name
    // is unknown however it decodes, so only the value needs decoding.
    const line = text.slice(start, end);
    const colon = line.indexOf(":");
    if (colon === -1) {
      processField(line, "");
      return;
    }
    const from = line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
    processField(line.slice(0, colon), fieldValue(text, start + from, end));
  }

  /**
   * Interpret every complete line of `text`; returns where the unfinished last line starts,
   * or -1 when a callback called reset().
   */
  function processText(text: string): number {
    const len = text.length;
    if (len === 0) return 0;
    let pos = 0;
    if (atStreamStart) {
      atStreamStart = false;
      if (text.charCodeAt(0) === BOM) pos = 1;
    }
    if (pendingCR) {
      pendingCR = false;
      if (text.charCodeAt(pos) === LF) pos++;
    }
    const myEpoch = epoch;
    let cr = text.indexOf("\r", pos); // most streams have none: then it is never searched again
    let lf = text.indexOf("\n", pos);
    while (lf !== -1 || cr !== -1) {
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        next = cr + 1;
        if (next === len) pendingCR = true;
        else if (text.charCodeAt(next) === LF) next++;
      }
      if (pos === end) {
        dispatch();
      } else if (!skipEvent) {
        // Fast path: one-line data event ending with LF LF: dispatch without buffering.
        if (
          dataLines === 0 &&
          text.charCodeAt(next) === LF &&
          next === end + 1 &&
          text.charCodeAt(pos) === 0x64 &&
          text.charCodeAt(pos + 1) === 0x61 &&
          text.charCodeAt(pos + 2) === 0x74 &&
          text.charCodeAt(pos + 3) === 0x61 &&
          text.charCodeAt(pos + 4) === COLON &&
          (limit === Number.POSITIVE_INFINITY ||
            (end - pos + type.length + (idInBlock ? idBuffer.length : 0)) * 3 <= limit)
        ) {
          const from = text.charCodeAt(pos + 5) === SPACE ? pos + 6 : pos + 5;
          const event: SseEvent = {
            type: type === "" ? "message" : type,
            data: fieldValue(text, from, end),
            lastEventId: idBuffer,
          };
          resetEvent();
          next++;
          onEvent(event);
        } else {
          processLine(text, pos, end);
        }
      }
      if (epoch !== myEpoch) return -1;
      pos = next;
      if (lf !== -1 && lf < pos) lf = text.indexOf("\n", pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf("\r", pos);
    }
    return pos;
  }

  /** Drop input up to and including the line break that ends an overlong line. */
  function skipOverlongLine(text: string): number {
    const lf = text.indexOf("\n");
    const cr = text.indexOf("\r");
    if (lf === -1 && cr === -1) return text.length;
    skipLine = false;
    if (cr === -1 || (lf !== -1 && lf < cr)) return lf + 1;
    if (cr + 1 === text.length) {
      pendingCR = true;
      return cr + 1;
    }
    return text.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
  }

  /** A partial line is held: drop it (and its event) if the event would be over the limit. */
  function checkPartialLine(partialBytes: number): void {
    if (!overLimit(partialBytes)) return;
    dropEvent(partialBytes + eventSize());
    pendingText = "";
    pendingTextBytes = 0;
    skipLine = true;
  }

  /**
   * The partial line is measured only once it could matter: while 3 bytes per UTF-16 unit
   * still fits, its exact size stays unknown (-1); after that it is counted incrementally.
   */
  function checkPartialText(): void {
    if (limit === Number.POSITIVE_INFINITY) return;
    if (pendingTextBytes === -1) {
      if (!overLimit(pendingText.length * 3)) return;
      pendingTextBytes = utf8Length(pendingText);
    }
    checkPartialLine(pendingTextBytes);
  }

  /** Read decoded text; `fromString`: it was fed as a string (not decoded from bytes). */
  /** Before the latin1 path: a partial line (and character) decoded from bytes turns latin1. */
  function pendingToLatin1(): void {
    // (Held bytes of an unfinished character stay held: `feedLatin1` reads them first.)
    if (pendingLatin1 || pendingText === "") return;
    // Text decoded from bytes re-encodes to bytes that decode to it again (invalid input
    // became U+FFFD, which round-trips), so the partial line reads as if never decoded.
    const bytes = utf8Encoder.encode(pendingText);
    pendingText = latin1Text(bytes);
    pendingTextBytes = pendingText.length;
    pendingLatin1 = true;
    pendingWide = firstNonAscii(bytes) < bytes.length;
  }

  /** Before the decoding path: a latin1 partial line goes back to being held bytes. */
  function pendingToBytes(): void {
    if (!pendingLatin1 || pendingText === "") return;
    heldBytes = latin1Bytes(pendingText, 0, pendingText.length);
    pendingText = "";
    pendingTextBytes = 0;
    pendingLatin1 = false;
    pendingWide = false;
  }

  function feedText(chunk: string, fromString: boolean): void {
    let text = chunk;
    if (pendingCR) {
      pendingCR = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    if (skipLine) text = text.slice(skipOverlongLine(text));
    if (text.length === 0) return;
    if (pendingText !== "") {
      if (text.indexOf("\n") === -1 && text.indexOf("\r") === -1) {
        pendingText += text;
        if (pendingTextBytes !== -1) pendingTextBytes += utf8Length(text);
        if (fromString) pendingFromString = true;
        checkPartialText();
        return;
      }
      text = pendingText + text;
      pendingText = "";
      pendingTextBytes = 0;
    }
    const rest = processText(text);
    if (rest === -1 || rest === text.length) return;
    // Mid-way through dropping an event, a non-blank partial line can only be skipped.
    if (skipEvent) {
      skipLine = true;
      return;
    }
    pendingText = text.slice(rest);
    pendingTextBytes = -1;
    pendingLatin1 = false;
    pendingFromString = fromString;
    checkPartialText();
  }

  /**
   * The fast path for bytes: the chunk becomes a latin1 string in one native call (no UTF-8
   * decoding; char index = byte index), lines and fields are found in it as in any text —
   * CR, LF, ':' and ' ' are ASCII — and only values with a non-ASCII byte are decoded
   * (`fieldValue`). No character is ever split: a partial line is held as latin1 too.
   */
  function feedLatin1(chunk: Uint8Array, chunkText: string, chunkWide: boolean): void {
    let bytes = chunk;
    let text = chunkText;
    let wide = chunkWide;
    if (heldBytes !== undefined) {
      // The start of a BOM at stream start, or an unfinished character the decoding path
      // left: the next bytes of the stream either way (so CR LF and skipping work as usual).
      bytes = concatBytes([heldBytes, chunk], heldBytes.length + chunk.length);
      heldBytes = undefined;
      text = latin1Text(bytes);
      wide = true;
    }
    let start = 0;
    if (atStreamStart) {
      // Strip one EF BB BF, even split across chunks: hold a prefix of it until it is whole.
      if (bytes.length < 3 && bytes[0] === 0xef && (bytes.length === 1 || bytes[1] === 0xbb)) {
        heldBytes = bytes.slice(); // a copy: the caller may reuse its buffer
        return;
      }
      atStreamStart = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    }
    if (pendingCR) {
      pendingCR = false;
      if (bytes[start] === LF) start++;
    }
    if (start > 0) text = text.slice(start);
    if (skipLine) {
      const skipped = skipOverlongLine(text);
      if (skipped > 0) {
        text = text.slice(skipped);
        start += skipped;
      }
    }
    if (text.length === 0) return;
    const held = pendingText.length;
    if (held !== 0) {
      if (text.indexOf("\n") === -1 && text.indexOf("\r") === -1) {
        pendingText += text;
        pendingTextBytes = pendingText.length; // latin1: one char per byte, exact
        pendingWide ||= wide;
        checkPartialText();
        return;
      }
      text = pendingText + text;
      wide ||= pendingWide;
      pendingText = "";
      pendingTextBytes = 0;
      pendingWide = false;
    }
    // (A non-ASCII byte skipped above leaves `wide` set: harmless, values are checked.)
    // Saved and restored, not cleared: a callback may feed this parser again (nested).
    const outer = { textWide, textBytes, textBytesStart };
    textWide = wide;
    textBytes = start === 0 ? bytes : bytes.subarray(start);
    textBytesStart = held;
    const rest = processText(text);
    // Not kept past this call (outside a nested one): the caller may reuse its buffer.
    ({ textWide, textBytes, textBytesStart } = outer);
    if (rest === -1 || rest === text.length) return;
    if (skipEvent) {
      skipLine = true;
      return;
    }
    pendingText = text.slice(rest);
    pendingTextBytes = pendingText.length;
    pendingLatin1 = true;
    pendingWide = wide && latin1Utf8Length(pendingText) !== pendingText.length;
    pendingFromString = false;
    checkPartialText();
  }

  /**
   * Bytes are decoded up to their last complete character (an unfinished one waits for the
   * next chunk, as in a streaming decode), then read as text.
   */
  function feedBytes(chunk: Uint8Array): void {
    // The latin1 path, unless text fed as a string left a partial line or an unfinished
    // character (then this chunk is decoded as before; mixing is rare).
    if (native !== undefined && !(pendingFromString && pendingText !== "")) {
      // After a mostly non-ASCII chunk, a sample of this one saves slicing it for nothing.
      if (!(lastChunkWide && sampleIsWide(chunk))) {
        const text = native.latin1Slice.call(chunk, 0, chunk.length);
        const wideBytes = native.utf8Length(text) - text.length; // non-ASCII bytes in it
        // Many non-ASCII bytes: decoding value by value would cost more than one decode.
        if (wideBytes * WIDE_CHUNK_SHARE <= chunk.length) {
          lastChunkWide = false;
          pendingToLatin1();
          feedLatin1(chunk, text, wideBytes !== 0);
          return;
        }
      }
      lastChunkWide = true;
      pendingToBytes();
    }
    let bytes = chunk;
    if (heldBytes !== undefined) {
      bytes = concatBytes([heldBytes, chunk], heldBytes.length + chunk.length);
      heldBytes = undefined;
    }
    const cut = unfinishedCharacterStart(bytes);
    if (cut < bytes.length) heldBytes = bytes.slice(cut); // a copy: the caller may reuse its buffer
    if (cut > 0) feedText(decode(cut === bytes.length ? bytes : bytes.subarray(0, cut)), false);
  }

  function feed(chunk: string | Uint8Array): void {
    if (chunk.length === 0) return;
    if (typeof chunk !== "string") {
      feedBytes(chunk);
      return;
    }
    if (pendingLatin1 && pendingText !== "") {
      // A partial line held as raw bytes becomes text (an unfinished character at its end
      // is invalid, U+FFFD, as text follows).
      if (pendingWide) pendingText = decode(latin1Bytes(pendingText, 0, pendingText.length));
      pendingTextBytes = -1;
      pendingLatin1 = false;
      pendingWide = false;
    }
    if (heldBytes !== undefined) {
      // Text after an unfinished character: that character is invalid (U+FFFD).
      const held = heldBytes;
      heldBytes = undefined;
      const myEpoch = epoch;
      feedText(decode(held), false);
      if (epoch !== myEpoch) return;
    }
    feedText(chunk, true);
  }

  function reset(): void {
    epoch++;
    atStreamStart = true;
    pendingCR = false;
    skipLine = false;
    skipEvent = false;
    heldBytes = undefined;
    pendingText = "";
    pendingTextBytes = 0;
    pendingLatin1 = false;
    pendingWide = false;
    pendingFromString = false;
    lastChunkWide = false;
    idBuffer = "";
    resetEvent();
  }

  return {
    feed,
    reset,
    get lastEventId() {
      return idBuffer;
    },
    get bufferedBytes() {
      // Counting once and then incrementally keeps a getter called after every chunk linear.
      if (pendingTextBytes === -1) pendingTextBytes = utf8Length(pendingText);
      return (heldBytes?.length ?? 0) + pendingTextBytes + eventSize();
    },
  };
}

/** Whether the first bytes of `chunk` (a sample) are more than 1/16 non-ASCII. */
function sampleIsWide(chunk: Uint8Array): boolean {
  const n = Math.min(chunk.length, WIDE_SAMPLE_BYTES);
  let wide = 0;
  for (let i = 0; i < n; i++) if (chunk[i]! >= 0x80) wide++;
  return wide * WIDE_CHUNK_SHARE > n;
}

/** WHATWG `retry`: the value must consist of ASCII digits only (and not be empty). */
function isDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
