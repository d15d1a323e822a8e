import type { Utf8Decode } from "./parser-decode.js";
import type { LineSplitter } from "./parser-lines.js";
import { concatBytes, type NativeBytes, unfinishedCharacterStart } from "./utf8.js";

/**
 * The SSE parser's front end: every fed chunk, bytes or string, becomes text for the line
 * splitter. Bytes take one of two paths:
 *
 * - the latin1 fast path, where the runtime has a native single-byte decoder (Node's
 *   `latin1Slice`, feature-detected): the chunk becomes a latin1 string in one call (char
 *   index = byte index) and is split into lines as is, since CR, LF, ':' and ' ' are ASCII;
 *   only values with a non-ASCII byte are decoded later, by the line splitter;
 * - the decoding path, for mostly non-ASCII chunks (and every chunk in a browser, the
 *   portable path): decoded in one call up to the last complete character (an unfinished
 *   one waits for the next chunk, as in a streaming decode).
 *
 * It holds the bytes not read yet: an unfinished character (1-3 bytes), the start of a BOM,
 * or (on the decoding path) a partial line that was held as latin1. It strips the
 * stream-start BOM given as bytes (the splitter strips a U+FEFF in text).
 */

/**
 * A byte chunk with more than 1/16 non-ASCII bytes is decoded whole (one decoder call)
 * rather than read as latin1 with its non-ASCII values decoded one by one.
 */
const WIDE_CHUNK_SHARE = 16;
/** Bytes sampled from a chunk that follows a mostly non-ASCII one. */
const WIDE_SAMPLE_BYTES = 512;

export class ByteFrontEnd {
  /** Bytes not read yet (see above). */
  private heldBytes: Uint8Array | undefined = undefined;
  /** The last byte chunk was decoded whole (a speed hint only). */
  private lastChunkWide = false;
  private readonly lines: LineSplitter;
  private readonly decode: Utf8Decode;
  /** Node's native latin1 decoder and UTF-8 length, or `undefined` (the portable path). */
  private readonly native: NativeBytes | undefined;

  constructor(lines: LineSplitter, decode: Utf8Decode, native: NativeBytes | undefined) {
    this.lines = lines;
    this.decode = decode;
    this.native = native;
  }

  reset(): void {
    this.heldBytes = undefined;
    this.lastChunkWide = false;
  }

  /** Bytes held, not yet handed to the line splitter. */
  heldLength(): number {
    return this.heldBytes?.length ?? 0;
  }

  feed(chunk: string | Uint8Array): void {
    if (chunk.length === 0) return;
    if (typeof chunk !== "string") this.feedBytes(chunk);
    else this.feedString(chunk);
  }

  private feedString(chunk: string): void {
    const lines = this.lines;
    lines.pendingToText();
    if (this.heldBytes !== undefined) {
      // Text after an unfinished character: that character is invalid (U+FFFD).
      const held = this.heldBytes;
      this.heldBytes = undefined;
      const myEpoch = lines.epoch;
      lines.feedText(this.decode(held), false);
      if (lines.epoch !== myEpoch) return;
    }
    lines.feedText(chunk, true);
  }

  private feedBytes(chunk: Uint8Array): void {
    const native = this.native;
    // The latin1 path, unless text fed as a string left a partial line or an unfinished
    // character (then this chunk is decoded as before; mixing is rare).
    if (native !== undefined && !this.lines.holdsStringLine()) {
      // After a mostly non-ASCII chunk, a sample of this one saves slicing it for nothing.
      if (!(this.lastChunkWide && sampleIsWide(chunk))) {
        const text = native.latin1Slice.call(chunk, 0, chunk.length);
        const wideBytes = native.utf8Length(text) - text.length; // non-ASCII bytes in it
        // Many non-ASCII bytes: decoding value by value would cost more than one decode.
        if (wideBytes * WIDE_CHUNK_SHARE <= chunk.length) {
          this.lastChunkWide = false;
          this.lines.pendingToLatin1(native.latin1Slice);
          this.feedLatin1(chunk, text, wideBytes !== 0, native);
          return;
        }
      }
      this.lastChunkWide = true;
      const pending = this.lines.takeLatin1Pending();
      if (pending !== undefined) this.heldBytes = pending;
    }
    let bytes = chunk;
    const heldBytes = this.heldBytes;
    if (heldBytes !== undefined) {
      bytes = concatBytes([heldBytes, chunk], heldBytes.length + chunk.length);
      this.heldBytes = undefined;
    }
    const cut = unfinishedCharacterStart(bytes);
    if (cut < bytes.length) this.heldBytes = bytes.slice(cut); // a copy: the caller may reuse its buffer
    if (cut > 0) {
      this.lines.feedText(
        this.decode(cut === bytes.length ? bytes : bytes.subarray(0, cut)),
        false,
      );
    }
  }

  /** The fast path for bytes: `chunkText` is `chunk` as latin1 (one char per byte). */
  private feedLatin1(
    chunk: Uint8Array,
    chunkText: string,
    chunkWide: boolean,
    native: NativeBytes,
  ): void {
    let bytes = chunk;
    let text = chunkText;
    let wide = chunkWide;
    const heldBytes = this.heldBytes;
    if (heldBytes !== undefined) {
      // The start of a BOM at stream start, or an unfinished character the decoding path
      // left: the next bytes of the stream either way (so CR LF and skipping work as usual).
      bytes = concatBytes([heldBytes, chunk], heldBytes.length + chunk.length);
      this.heldBytes = undefined;
      text = native.latin1Slice.call(bytes, 0, bytes.length);
      wide = true;
    }
    let start = 0;
    const lines = this.lines;
    if (lines.atStreamStart) {
      // Strip one EF BB BF, even split across chunks: hold a prefix of it until it is whole.
      if (bytes.length < 3 && bytes[0] === 0xef && (bytes.length === 1 || bytes[1] === 0xbb)) {
        this.heldBytes = bytes.slice(); // a copy: the caller may reuse its buffer
        return;
      }
      lines.atStreamStart = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) start = 3;
    }
    lines.feedLatin1(bytes, text, start, wide);
  }
}

/** Whether the first bytes of `chunk` (a sample) are more than 1/16 non-ASCII. */
function sampleIsWide(chunk: Uint8Array): boolean {
  const n = Math.min(chunk.length, WIDE_SAMPLE_BYTES);
  let wide = 0;
  for (let i = 0; i < n; i++) if (chunk[i]! >= 0x80) wide++;
  return wide * WIDE_CHUNK_SHARE > n;
}
