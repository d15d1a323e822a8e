/**
 * Deepest JSON nesting (arrays and objects) a POST body may have. `JSON.parse` copes with far
 * deeper input, but the message validation after it recurses once per level and overflowed
 * the stack from about 4,500 levels (a 500). MCP messages nest a few dozen levels at most.
 */
export const DEFAULT_MAX_JSON_DEPTH = 1000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * True when the JSON text in `bytes` nests deeper than `maxDepth` (brackets inside strings do
 * not count). One linear pass over the UTF-8 bytes, no parse: the characters that matter are
 * ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII. Malformed JSON is left to the
 * parser. `0` disables the bound.
 */
export function exceedsJsonDepth(bytes: Uint8Array, maxDepth: number): boolean {
  if (maxDepth <= 0) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) depth--;
  }
  return false;
}
