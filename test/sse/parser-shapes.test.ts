import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

/**
 * The parser keeps one instance of its classes alive (`SHAPE_ANCHORS` in src/sse/parser.ts)
 * so that a full GC while no parser is alive does not free the hidden classes its optimized
 * code is built on, and all parsers share one UTF-8 decode function (a closure per parser was
 * built into that code too). Checked in a child process with V8's own optimization status:
 * without either, functions below lose their optimized code at the GC ("weak objects").
 */

const child = fileURLToPath(new URL("../fixtures/parser-shapes-child.ts", import.meta.url));

describe("parser shapes across a full GC", () => {
  it("optimized parser code survives a full GC with no parser alive", () => {
    const out = execFileSync(
      process.execPath,
      ["--allow-natives-syntax", "--expose-gc", "--import", "tsx", child],
      { encoding: "utf8", timeout: 60_000 },
    );
    const result = JSON.parse(out.trim()) as {
      names: string[];
      events: number;
      before: boolean[];
      afterGc: boolean[];
    };
    assert.equal(result.events, 40, "the child parsed its stream");
    assert.deepEqual(
      result.before,
      [true, true, true],
      `optimized first: ${result.names.join(", ")}`,
    );
    assert.deepEqual(result.afterGc, [true, true, true], `still optimized after the GC: ${out}`);
  });
});
