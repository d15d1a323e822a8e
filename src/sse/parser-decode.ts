import { firstNonAscii, lastNonAscii } from "./utf8.js";

/**
 * Non-streaming UTF-8 decoding for the SSE parser, always given whole characters (or bytes
 * that are invalid whatever follows), so neither decoder holds state between calls.
 * No `node:` imports (this layer runs in browsers).
 */

/** Decodes complete UTF-8 `bytes` exactly as one whole-stream `TextDecoder` would. */
export type Utf8Decode = (bytes: Uint8Array) => string;

/**
 * Two decoders behind one function. ignoreBOM: the parser strips the one stream-start BOM
 * itself; a decoder would strip one per call. In Node the first takes the native fast path,
 * several times faster on ASCII; the second is switched to ICU (by one streaming call),
 * about 1.5x faster on non-ASCII. The ASCII head and tail of the bytes go to the first, the
 * part between the first and last non-ASCII byte to the second.
 */
export function createUtf8Decode(): Utf8Decode {
  const asciiDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
  let wideDecoder: TextDecoder | undefined;
  return (bytes) => {
    const first = firstNonAscii(bytes);
    if (first === bytes.length) return asciiDecoder.decode(bytes);
    if (wideDecoder === undefined) {
      wideDecoder = new TextDecoder("utf-8", { ignoreBOM: true });
      wideDecoder.decode(new Uint8Array(0), { stream: true });
    }
    // Cuts next to an ASCII byte are character boundaries (complete or invalid either way).
    const end = lastNonAscii(bytes) + 1;
    // Mostly non-ASCII: one call, no concatenation.
    if (end - first > bytes.length >> 1) return wideDecoder.decode(bytes);
    const middle = wideDecoder.decode(bytes.subarray(first, end));
    const head = first === 0 ? "" : asciiDecoder.decode(bytes.subarray(0, first));
    return end === bytes.length
      ? head + middle
      : head + middle + asciiDecoder.decode(bytes.subarray(end));
  };
}
