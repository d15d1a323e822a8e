import type { Utf8Decode } from "./parser-decode.js";
import type { SseEventBuilder } from "./parser-event.js";
import { LatinText } from "./parser-latin1.js";
import { firstNonAscii, type Latin1Slice, latin1Bytes, utf8Length } from "./utf8.js";

/**
 * The SSE parser's line splitter: text in, fields out to the event builder. Lines end with
 * CR, LF or CR LF, also across chunks (WHATWG); the unfinished last line is held (the
 * "partial line") and counted toward `maxEventSize`, and an overlong one is skipped to its
 * line break. Lines are found with `String.prototype.indexOf` (memchr-fast), searching for
 * CR only while the text has one; `data:`, `id:` and `event:` are recognised by their first
 * characters, and a one-line `data:` event followed by its blank line is dispatched without
 * touching the data buffer.
 *
 * The text is either decoded text or latin1 text (char index = byte index, from the byte
 * front end's fast path): in latin1 text only a field value holding a non-ASCII byte is
 * decoded as UTF-8, on its own (`fieldValue`).
 */

const LF = 0x0a;
const SPACE = 0x20;
const COLON = 0x3a;
const BOM = 0xfeff;
const utf8Encoder = new TextEncoder();

export class LineSplitter {
  /** Bumped by `reset()`, so a reset from inside a callback stops the current feed. */
  epoch = 0;
  /** The one leading BOM is still to be stripped (as U+FEFF here, as bytes by the front end). */
  atStreamStart = true;
  /** The last line ended with a CR at the end of input: skip one LF. */
  private pendingCR = false;
  /** Discarding the rest of an overlong line. */
  private skipLine = false;
  /** The partial last line. */
  private pendingText = "";
  /** Exact UTF-8 size of `pendingText`, or -1: not counted yet. */
  private pendingTextBytes = 0;
  /** `pendingText` holds raw bytes as latin1 chars (fast path); `pendingWide`: not all ASCII. */
  private pendingLatin1 = false;
  private pendingWide = false;
  /** `pendingText` holds text fed as a string (no bytes behind it). */
  private pendingFromString = false;
  /** The latin1 text being read when it holds a non-ASCII byte (its values are checked). */
  private latin1: LatinText | undefined = undefined;
  private readonly events: SseEventBuilder;
  private readonly onComment: ((comment: string) => void) | undefined;
  private readonly decode: Utf8Decode;
  /** UTF-8 length of latin1 text (its length plus one per non-ASCII char), native if can be. */
  private readonly latin1Utf8Length: (text: string) => number;

  constructor(
    events: SseEventBuilder,
    onComment: ((comment: string) => void) | undefined,
    decode: Utf8Decode,
    latin1Utf8Length: (text: string) => number,
  ) {
    this.events = events;
    this.onComment = onComment;
    this.decode = decode;
    this.latin1Utf8Length = latin1Utf8Length;
  }

  reset(): void {
    this.epoch++;
    this.atStreamStart = true;
    this.pendingCR = false;
    this.skipLine = false;
    this.pendingText = "";
    this.pendingTextBytes = 0;
    this.pendingLatin1 = false;
    this.pendingWide = false;
    this.pendingFromString = false;
  }

  /** UTF-8 bytes of the partial line. Counted once, then incrementally: linear over a stream. */
  pendingBytes(): number {
    if (this.pendingTextBytes === -1) this.pendingTextBytes = utf8Length(this.pendingText);
    return this.pendingTextBytes;
  }

  /** Whether a partial line of text fed as a string is held (bytes then take the slow path). */
  holdsStringLine(): boolean {
    return this.pendingFromString && this.pendingText !== "";
  }

  /** Before the latin1 path: a partial line decoded from bytes turns latin1. */
  pendingToLatin1(latin1Slice: Latin1Slice): void {
    if (this.pendingLatin1 || this.pendingText === "") return;
    // Text decoded from bytes re-encodes to bytes that decode to it again (invalid input
    // became U+FFFD, which round-trips), so the partial line reads as if never decoded.
    const bytes = utf8Encoder.encode(this.pendingText);
    this.pendingText = latin1Slice.call(bytes, 0, bytes.length);
    this.pendingTextBytes = this.pendingText.length;
    this.pendingLatin1 = true;
    this.pendingWide = firstNonAscii(bytes) < bytes.length;
  }

  /** Before the decoding path: a latin1 partial line goes back to bytes (returned to hold). */
  takeLatin1Pending(): Uint8Array | undefined {
    if (!this.pendingLatin1 || this.pendingText === "") return undefined;
    const bytes = latin1Bytes(this.pendingText, 0, this.pendingText.length);
    this.pendingText = "";
    this.pendingTextBytes = 0;
    this.pendingLatin1 = false;
    this.pendingWide = false;
    return bytes;
  }

  /**
   * Before text fed as a string: a partial line held as raw bytes becomes text (an
   * unfinished character at its end is invalid, U+FFFD, as text follows).
   */
  pendingToText(): void {
    if (!this.pendingLatin1 || this.pendingText === "") return;
    if (this.pendingWide) {
      this.pendingText = this.decode(latin1Bytes(this.pendingText, 0, this.pendingText.length));
    }
    this.pendingTextBytes = -1;
    this.pendingLatin1 = false;
    this.pendingWide = false;
  }

  /** Read decoded text; `fromString`: it was fed as a string (not decoded from bytes). */
  feedText(chunk: string, fromString: boolean): void {
    let text = chunk;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    if (this.skipLine) text = text.slice(this.skipOverlongLine(text));
    if (text.length === 0) return;
    if (this.pendingText !== "") {
      if (text.indexOf("\n") === -1 && text.indexOf("\r") === -1) {
        this.pendingText += text;
        if (this.pendingTextBytes !== -1) this.pendingTextBytes += utf8Length(text);
        if (fromString) this.pendingFromString = true;
        this.checkPartialText();
        return;
      }
      text = this.pendingText + text;
      this.pendingText = "";
      this.pendingTextBytes = 0;
    }
    const outer = this.latin1; // decoded text (a callback may feed text while bytes are read)
    this.latin1 = undefined;
    const rest = this.processText(text, 0);
    this.latin1 = outer;
    if (rest === -1 || rest === text.length) return;
    // Mid-way through dropping an event, a non-blank partial line can only be skipped.
    if (this.events.skipEvent) {
      this.skipLine = true;
      return;
    }
    this.pendingText = text.slice(rest);
    this.pendingTextBytes = -1;
    this.pendingLatin1 = false;
    this.pendingFromString = fromString;
    this.checkPartialText();
  }

  /**
   * Read latin1 text: `latin1` is `bytes` one char per byte, read from `from` on (after a
   * stream-start BOM); `wide`: some byte is not ASCII. No character is ever split: a partial
   * line is held as latin1 too, so its size in bytes is exact.
   */
  feedLatin1(bytes: Uint8Array, latin1: string, from: number, wide: boolean): void {
    let start = from;
    let text = latin1;
    if (this.pendingCR) {
      this.pendingCR = false;
      if (bytes[start] === LF) start++;
    }
    if (start > 0) text = text.slice(start);
    if (this.skipLine) {
      const skipped = this.skipOverlongLine(text);
      if (skipped > 0) {
        text = text.slice(skipped);
        start += skipped;
      }
    }
    if (text.length === 0) return;
    // The chunk's first CR, searched once here for both the held line's end and the lines.
    const firstCR = text.indexOf("\r");
    const held = this.pendingText.length;
    let bridge: string | undefined;
    let pos = 0;
    let endsWithCR = false;
    if (held !== 0) {
      const lineEnd = firstLineBreak(text, firstCR);
      if (lineEnd === -1) {
        this.pendingText += text;
        this.pendingTextBytes = this.pendingText.length; // latin1: one char per byte, exact
        this.pendingWide ||= wide;
        this.checkPartialText();
        return;
      }
      // Only the line the held part ends is joined to it (`pendingText + text` would copy
      // the whole chunk when searched); the chunk is read from the next line on.
      bridge = `${this.pendingText}${text.slice(0, lineEnd)}\n`;
      pos = lineEnd + 1;
      if (text.charCodeAt(lineEnd) !== LF) {
        if (pos === text.length) endsWithCR = true;
        else if (text.charCodeAt(pos) === LF) pos++;
      }
      this.pendingText = "";
      this.pendingTextBytes = 0;
    }
    // Saved and restored, not cleared: a callback may feed this parser again (nested).
    const outer = this.latin1;
    const textBytes = start === 0 ? bytes : bytes.subarray(start);
    let rest = 0;
    if (bridge !== undefined) {
      this.latin1 = wide || this.pendingWide ? new LatinText(textBytes, held) : undefined;
      this.pendingWide = false;
      rest = this.processText(bridge, 0);
    }
    if (endsWithCR && rest !== -1) this.pendingCR = true; // after the bridge, which clears it
    // (A non-ASCII byte skipped above leaves `wide` set: harmless, values are checked.)
    this.latin1 = wide ? new LatinText(textBytes, 0) : undefined;
    if (rest !== -1) rest = this.processText(text, pos, firstCR);
    // Not kept past this call (outside a nested one): the caller may reuse its buffer.
    this.latin1 = outer;
    if (rest === -1 || rest === text.length) return;
    if (this.events.skipEvent) {
      this.skipLine = true;
      return;
    }
    this.pendingText = text.slice(rest);
    this.pendingTextBytes = this.pendingText.length;
    this.pendingLatin1 = true;
    this.pendingWide = wide && this.latin1Utf8Length(this.pendingText) !== this.pendingText.length;
    this.pendingFromString = false;
    this.checkPartialText();
  }

  /**
   * Interpret every complete line of `text`; returns where the unfinished last line starts,
   * or -1 when a callback called reset(). `firstCR`: the index of the first CR in all of
   * `text` (or -1), when the caller has searched for it already.
   */
  private processText(text: string, from: number, firstCR?: number): number {
    const len = text.length;
    if (len === from) return from;
    let pos = from;
    if (this.atStreamStart) {
      this.atStreamStart = false;
      if (text.charCodeAt(pos) === BOM) pos++;
    }
    if (this.pendingCR) {
      this.pendingCR = false;
      if (text.charCodeAt(pos) === LF) pos++;
    }
    const events = this.events;
    const myEpoch = this.epoch;
    // Most streams have no CR: then it is never searched again.
    let cr =
      firstCR === undefined || (firstCR !== -1 && firstCR < pos)
        ? text.indexOf("\r", pos)
        : firstCR;
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
        if (next === len) this.pendingCR = true;
        else if (text.charCodeAt(next) === LF) next++;
      }
      if (pos === end) {
        events.dispatch();
      } else if (!events.skipEvent) {
        // Fast path: one-line data event ending with LF LF: dispatch without buffering.
        if (
          text.charCodeAt(next) === LF &&
          next === end + 1 &&
          isDataField(text, pos) &&
          events.canDispatchLine(end - pos)
        ) {
          const data = this.fieldValue(
            text,
            text.charCodeAt(pos + 5) === SPACE ? pos + 6 : pos + 5,
            end,
          );
          next++;
          events.dispatchLine(data);
        } else {
          this.processLine(text, pos, end);
        }
      }
      if (this.epoch !== myEpoch) return -1;
      pos = next;
      if (lf !== -1 && lf < pos) lf = text.indexOf("\n", pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf("\r", pos);
    }
    return pos;
  }

  /** One complete line `text[start, end)` (no line break in it, not blank). */
  private processLine(text: string, start: number, end: number): void {
    const events = this.events;
    const first = text.charCodeAt(start);
    // Fast path: "data:" (the character at `end` is the line break, never a space).
    if (isDataField(text, start)) {
      const from = text.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5;
      events.appendData(this.fieldValue(text, from, end));
      return;
    }
    // Fast paths: "id:" and "event:".
    if (
      first === 0x69 &&
      text.charCodeAt(start + 1) === 0x64 &&
      text.charCodeAt(start + 2) === COLON
    ) {
      const from = text.charCodeAt(start + 3) === SPACE ? start + 4 : start + 3;
      events.setId(this.fieldValue(text, from, end));
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
      const from = text.charCodeAt(start + 6) === SPACE ? start + 7 : start + 6;
      events.setType(this.fieldValue(text, from, end));
      return;
    }
    if (first === COLON) {
      const onComment = this.onComment; // called as a plain function, as passed
      if (onComment !== undefined) {
        const from = text.charCodeAt(start + 1) === SPACE ? start + 2 : start + 1;
        onComment(this.fieldValue(text, from, end));
      }
      return;
    }
    // Slice first so the colon search can never run past this line. A non-ASCII field name
    // is unknown however it decodes, so only the value needs decoding.
    const line = text.slice(start, end);
    const colon = line.indexOf(":");
    if (colon === -1) {
      events.field(line, "");
      return;
    }
    const from = line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
    events.field(line.slice(0, colon), this.fieldValue(text, start + from, end));
  }

  /** The field value `text[from, end)` as a string (latin1 text: decoded if need be). */
  private fieldValue(text: string, from: number, end: number): string {
    const latin1 = this.latin1;
    if (latin1 === undefined) return text.slice(from, end);
    return latin1.value(text, from, end, this.decode, this.latin1Utf8Length);
  }

  /** Drop input up to and including the line break that ends an overlong line. */
  private skipOverlongLine(text: string): number {
    const lf = text.indexOf("\n");
    const cr = text.indexOf("\r");
    if (lf === -1 && cr === -1) return text.length;
    this.skipLine = false;
    if (cr === -1 || (lf !== -1 && lf < cr)) return lf + 1;
    if (cr + 1 === text.length) {
      this.pendingCR = true;
      return cr + 1;
    }
    return text.charCodeAt(cr + 1) === LF ? cr + 2 : cr + 1;
  }

  /**
   * A partial line is held: drop it (and its event) if the event would be over the limit.
   * It is measured only once it could matter: while 3 bytes per UTF-16 unit still fits, its
   * exact size stays unknown (-1); after that it is counted incrementally.
   */
  private checkPartialText(): void {
    const events = this.events;
    if (events.limit === Number.POSITIVE_INFINITY) return;
    if (this.pendingTextBytes === -1) {
      if (!events.overLimit(this.pendingText.length * 3)) return;
      this.pendingTextBytes = utf8Length(this.pendingText);
    }
    const partialBytes = this.pendingTextBytes;
    if (!events.overLimit(partialBytes)) return;
    events.dropEvent(partialBytes + events.eventSize());
    this.pendingText = "";
    this.pendingTextBytes = 0;
    this.skipLine = true;
  }
}

/** Whether `text` has `data:` at `at` (the commonest field, tested first). */
function isDataField(text: string, at: number): boolean {
  return (
    text.charCodeAt(at) === 0x64 &&
    text.charCodeAt(at + 1) === 0x61 &&
    text.charCodeAt(at + 2) === 0x74 &&
    text.charCodeAt(at + 3) === 0x61 &&
    text.charCodeAt(at + 4) === COLON
  );
}

/** Index of the first CR or LF in `text`, or -1; `firstCR`: the index of its first CR, or -1. */
function firstLineBreak(text: string, firstCR: number): number {
  const lf = text.indexOf("\n");
  if (lf === -1) return firstCR;
  return firstCR === -1 || lf < firstCR ? lf : firstCR;
}
