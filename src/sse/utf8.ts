/**
 * UTF-8 helpers for the SSE parser. No `node:` imports (this layer runs in browsers).
 */

/**
 * Number of bytes `text` (from index `from`) takes in UTF-8, as `TextEncoder` would write it:
 * a surrogate pair is 4 bytes, a lone surrogate becomes U+FFFD (3 bytes).
 */
export function utf8Length(text: string, from = 0): number {
  let bytes = 0;
  const len = text.length;
  for (let i = from; i < len; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** The byte arrays `parts` (of `total` bytes together) copied into one new array. */
export function concatBytes(parts: readonly Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Index of the first byte of `bytes` from `from` on that is not ASCII (bit 7 set), or
 * `bytes.length`. Reads four bytes at a time: about as fast as a native decode of ASCII,
 * which lets the parser give each part of a chunk the decoder that suits it.
 */
export function firstNonAscii(bytes: Uint8Array, from = 0): number {
  const len = bytes.length;
  let i = from;
  const misaligned = from + ((4 - ((bytes.byteOffset + from) & 3)) & 3);
  for (; i < misaligned && i < len; i++) if (bytes[i]! & 0x80) return i;
  const words = (len - i) >>> 2;
  if (words > 0) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    let w = 0;
    // Sixteen words per step with one test: non-ASCII input is the rare case.
    for (; w + 16 <= words; w += 16) {
      const any =
        view[w]! |
        view[w + 1]! |
        view[w + 2]! |
        view[w + 3]! |
        view[w + 4]! |
        view[w + 5]! |
        view[w + 6]! |
        view[w + 7]! |
        view[w + 8]! |
        view[w + 9]! |
        view[w + 10]! |
        view[w + 11]! |
        view[w + 12]! |
        view[w + 13]! |
        view[w + 14]! |
        view[w + 15]!;
      if (any & 0x80808080) break;
    }
    for (; w < words; w++) if (view[w]! & 0x80808080) break;
    i += w << 2;
  }
  for (; i < len; i++) if (bytes[i]! & 0x80) return i;
  return len;
}

/** Index of the last byte of `bytes` that is not ASCII, or -1. Four bytes at a time. */
export function lastNonAscii(bytes: Uint8Array): number {
  let i = bytes.length;
  const alignedEnd = i - ((bytes.byteOffset + i) & 3);
  for (; i > alignedEnd && i > 0; i--) if (bytes[i - 1]! & 0x80) return i - 1;
  const words = i >>> 2;
  if (words > 0) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i - words * 4, words);
    let w = words;
    while (w > 0 && !(view[w - 1]! & 0x80808080)) w--;
    i -= (words - w) * 4;
  }
  for (; i > 0; i--) if (bytes[i - 1]! & 0x80) return i - 1;
  return -1;
}

/**
 * Where an unfinished UTF-8 character starts at the end of `bytes` (its lead byte announces
 * more bytes than follow), or `bytes.length` when the last character is complete or invalid
 * anyway (invalid bytes decode to U+FFFD whatever comes next).
 */
export function unfinishedCharacterStart(bytes: Uint8Array): number {
  const len = bytes.length;
  for (let i = len - 1; i >= 0 && i >= len - 3; i--) {
    const b = bytes[i]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const needed = b >= 0xf5 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 1;
    return len - i < needed ? i : len;
  }
  return len;
}

/** `Buffer.prototype.latin1Slice`: one byte to one char, natively, with no UTF-8 decoding. */
export type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;

/** Native byte helpers of the runtime (Node, Bun), used by the parser's fast path. */
export interface NativeBytes {
  latin1Slice: Latin1Slice;
  /** UTF-8 size of a string (`Buffer.byteLength`): on latin1 text, length + non-ASCII count. */
  utf8Length: (text: string) => number;
}

/**
 * The runtime's fast single-byte decoder and UTF-8 length, when it has them: Node's Buffer
 * `latin1Slice` and `byteLength`, found by feature detection (no `node:` import, so browsers
 * load this file too and get `undefined`: the parser's portable path).
 */
export function findNativeBytes(): NativeBytes | undefined {
  const holder = globalThis as {
    Buffer?: { byteLength?: unknown; prototype?: { latin1Slice?: unknown } };
  };
  const slice = holder.Buffer?.prototype?.latin1Slice;
  const byteLength = holder.Buffer?.byteLength;
  if (typeof slice !== "function" || typeof byteLength !== "function") return undefined;
  const latin1Slice = slice as Latin1Slice;
  const length = byteLength as (text: string, encoding: "utf8") => number;
  const native: NativeBytes = { latin1Slice, utf8Length: (text) => length(text, "utf8") };
  try {
    // Check both behave as relied on, on a plain Uint8Array (not a Buffer).
    const probe = latin1Slice.call(new Uint8Array([0x41, 0xe9, 0x0a]), 0, 3);
    return probe === "A\u00e9\n" && native.utf8Length(probe) === 4 ? native : undefined;
  } catch (error) {
    // A runtime whose Buffer rejects plain Uint8Arrays: the portable path is used instead.
    void error;
    return undefined;
  }
}

/**
 * Below this many chars the JS loop beats the call into the native latin1 writer (its share
 * of the parse bench's profile went from 1.7 % to 0.4 % with the native one above this).
 */
const NATIVE_LATIN1_WRITE_MIN = 64;

/** `Buffer.prototype.latin1Write`: each char code to one byte, natively. */
type Latin1Write = (this: Uint8Array, text: string, offset: number, length: number) => number;

/** Node's latin1 writer when it works on a plain Uint8Array (feature-detected, as above). */
const nativeLatin1Write = findLatin1Write();

function findLatin1Write(): Latin1Write | undefined {
  const holder = globalThis as { Buffer?: { prototype?: { latin1Write?: unknown } } };
  const write = holder.Buffer?.prototype?.latin1Write;
  if (typeof write !== "function") return undefined;
  try {
    const probe = new Uint8Array(3);
    const written = (write as Latin1Write).call(probe, "A\u00e9\u00ff", 0, 3);
    return written === 3 && probe[0] === 0x41 && probe[1] === 0xe9 && probe[2] === 0xff
      ? (write as Latin1Write)
      : undefined;
  } catch (error) {
    void error; // a runtime whose Buffer rejects plain Uint8Arrays: the JS loop is used
    return undefined;
  }
}

/**
 * The bytes a latin1 string stands for (each char code is one byte), `text[from, end)`:
 * a held partial line of latin1 text going back to bytes, to be decoded as UTF-8.
 */
export function latin1Bytes(text: string, from: number, end: number): Uint8Array {
  const out = new Uint8Array(end - from);
  if (nativeLatin1Write !== undefined && end - from >= NATIVE_LATIN1_WRITE_MIN) {
    const part = from === 0 && end === text.length ? text : text.slice(from, end);
    nativeLatin1Write.call(out, part, 0, end - from);
    return out;
  }
  for (let i = from; i < end; i++) out[i - from] = text.charCodeAt(i);
  return out;
}
