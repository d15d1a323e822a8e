import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createParser } from "../../src/sse/parser.js";

/**
 * The parser's latin1 path (Node: bytes read one char per byte, values decoded alone) when a
 * partial line held as latin1 goes back to bytes: by a JS loop under 64 chars, by Node's
 * native latin1 writer from 64 on (src/sse/utf8.ts `latin1Bytes`).
 */

const encoder = new TextEncoder();

function datas(chunks: (string | Uint8Array)[]): string[] {
  const out: string[] = [];
  const parser = createParser({ onEvent: (e) => out.push(e.data) });
  for (const chunk of chunks) parser.feed(chunk);
  return out;
}

describe("sse parser: held latin1 line back to bytes", () => {
  it("reads a value cut in a held partial line right, short or long", () => {
    // Both sizes, cut at every byte around a 4-byte character; after the held part comes a
    // latin1 chunk, a mostly non-ASCII chunk (decoded whole: the held line goes back to bytes)
    // or a string chunk (the held line is decoded; a character cut there is U+FFFD).
    const wideTail = "日本語日本語日本語日本語";
    for (const fill of [10, 200]) {
      const value = `${"a".repeat(fill)}😀é${"b".repeat(fill)}`;
      const wire = encoder.encode(`data: ${value}\n\n`);
      const emojiAt = "data: ".length + fill;
      for (let cut = emojiAt - 1; cut <= emojiAt + 6; cut++) {
        const head = wire.subarray(0, cut);
        const rest = wire.subarray(cut);
        const where = `${fill} a's, cut at ${cut}`;
        assert.deepEqual(datas([head, rest]), [value], `latin1 after, ${where}`);
        const restOfLine = rest.subarray(0, rest.length - 2);
        assert.deepEqual(
          datas([head, restOfLine, encoder.encode(`${wideTail}\n\n`)]),
          [`${value}${wideTail}`],
          `decoded after, ${where}`,
        );
        const text = new TextDecoder().decode(rest);
        const expected = `${new TextDecoder().decode(head)}${text}`.slice("data: ".length, -2);
        assert.deepEqual(datas([head, text]), [expected], `text after, ${where}`);
      }
    }
  });
});
