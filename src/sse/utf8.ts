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
