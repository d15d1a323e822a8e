import type { Utf8Decode } from "./parser-decode.js";
import { firstNonAscii, latin1Bytes } from "./utf8.js";

/**
 * The text the line splitter is reading when it is latin1 (raw bytes, one char per byte) and
 * holds a non-ASCII byte: its field values are checked, and one with a non-ASCII byte is
 * decoded as UTF-8 on its own, which equals a whole-stream decode because a value is bounded
 * by ASCII bytes (line break, ':' or ' ') or the stream start.
 *
 * `bytes` are the bytes behind the text from `bytesStart` on (the text before is a held
 * partial line, rebuilt from its chars when a value starts there). A cursor over them
 * remembers where the next non-ASCII byte is: values are read in order, so the bytes are
 * scanned once, four at a time, instead of measuring every value.
 */
export class LatinText {
  private readonly bytes: Uint8Array;
  private readonly bytesStart: number;
  /** No byte in [wideFrom, wideAt) is non-ASCII, and `wideAt` is the first that is (or the end). */
  private wideFrom = 0;
  private wideAt = -1;

  constructor(bytes: Uint8Array, bytesStart: number) {
    this.bytes = bytes;
    this.bytesStart = bytesStart;
  }

  /** The value `text[from, end)` as a string (`latin1Utf8Length`: for a held partial line). */
  value(
    text: string,
    from: number,
    end: number,
    decode: Utf8Decode,
    latin1Utf8Length: (text: string) => number,
  ): string {
    const start = this.bytesStart;
    if (from >= start) {
      const byteFrom = from - start;
      if (byteFrom < this.wideFrom || this.wideAt < byteFrom) {
        this.wideFrom = byteFrom;
        this.wideAt = firstNonAscii(this.bytes, byteFrom);
      }
      if (this.wideAt >= end - start) return text.slice(from, end);
      return decode(this.bytes.subarray(byteFrom, end - start));
    }
    // The value starts in the held partial line: no bytes behind it at hand.
    const value = text.slice(from, end);
    if (latin1Utf8Length(value) === value.length) return value;
    return decode(latin1Bytes(text, from, end));
  }
}
