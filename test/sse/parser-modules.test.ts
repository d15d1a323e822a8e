import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { McpSseError } from "../../src/errors.js";
import { createParser, createPortableParser } from "../../src/sse/parser.js";

/**
 * The parser is split into modules (front end, line splitter, event builder, wiring): these
 * check what the split must not change and the per-test vectors do not reach.
 */

const sseDir = new URL("../../src/sse/", import.meta.url);

describe("parser modules", () => {
  it("import no node: module at runtime (src/sse runs in a browser)", () => {
    const files = readdirSync(sseDir).filter((f) => /^(parser.*|utf8)\.ts$/.test(f));
    assert.ok(files.length >= 5, `parser modules found: ${files.join(", ")}`);
    for (const file of files) {
      const source = readFileSync(new URL(file, sseDir), "utf8");
      assert.doesNotMatch(source, /from\s+["']node:/, `${file} imports a node: module`);
    }
  });

  for (const [name, create] of [
    ["createParser", createParser],
    ["createPortableParser", createPortableParser],
  ] as const) {
    it(`${name} calls every callback as a plain function (no parser object as this)`, () => {
      const receivers: unknown[] = [];
      const parser = create({
        onEvent(this: unknown) {
          receivers.push(this);
        },
        onComment(this: unknown) {
          receivers.push(this);
        },
        onRetry(this: unknown) {
          receivers.push(this);
        },
        onError(this: unknown, error: Error) {
          receivers.push(this);
          assert.ok(error instanceof McpSseError);
          assert.equal(error.code, "SSE_EVENT_TOO_LARGE");
        },
        maxEventSize: 8,
      });
      parser.feed(new TextEncoder().encode(": hi\nretry: 5\ndata: a\n\ndata: b\ndata: c\n\n"));
      parser.feed("data: 0123456789\n\n");
      // comment, retry, one-line event, two-line event, and the too-large one
      assert.equal(receivers.length, 5);
      for (const receiver of receivers) assert.equal(receiver, undefined);
    });
  }
});
