/**
 * The stdio line splitter. Regression: the stdio transport kept `buffer += chunk` and
 * searched it from 0 for every chunk, so a 15 MiB line in 64 KiB chunks was rescanned and
 * recopied ~240 times (23 s). Linear work is asserted by counting, never by timing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  DEFAULT_MAX_LINE_CHARS,
  type LineOverflow,
  LineSplitter,
} from "../../../src/client/transports/line-splitter.js";
import { StdioClientTransport } from "../../../src/client/transports/stdio.js";
import type { McpSseError } from "../../../src/errors.js";
import { serverConfig } from "./helpers.js";

const MIB = 1024 * 1024;
const CHUNK = 64 * 1024;

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function collect(maxLineChars?: number) {
  const lines: string[] = [];
  const overflows: LineOverflow[] = [];
  const splitter = new LineSplitter({
    onLine: (line) => void lines.push(line),
    onOverflow: (o) => void overflows.push(o),
    ...(maxLineChars !== undefined ? { maxLineChars } : {}),
  });
  return { splitter, lines, overflows };
}

test("a 15 MiB line in 64 KiB chunks was rescanned per chunk (quadratic): each character is now scanned and copied once", () => {
  const payload = `${JSON.stringify({ jsonrpc: "2.0", id: 1, result: { s: "x".repeat(15 * MIB) } })}\n`;
  const { splitter, lines } = collect();
  const parts = chunks(payload, CHUNK);
  assert.ok(parts.length > 200, "many chunks");
  for (const part of parts) splitter.push(part);
  assert.equal(lines.length, 1);
  assert.equal(lines[0], payload.slice(0, -1));
  assert.equal(splitter.stats.scannedChars, payload.length, "every character searched once");
  assert.equal(splitter.stats.joinedChars, payload.length - 1, "the line copied once, at its end");
  assert.equal(splitter.bufferedChars, 0);
});

test("many lines in one chunk: scanned once, no joins", () => {
  const line = JSON.stringify({ jsonrpc: "2.0", method: "n", params: { d: "y".repeat(100) } });
  const text = `${line}\n`.repeat(20_000);
  const { splitter, lines } = collect();
  splitter.push(text);
  assert.equal(lines.length, 20_000);
  assert.ok(lines.every((l) => l === line));
  assert.equal(splitter.stats.scannedChars, text.length);
  assert.equal(splitter.stats.joinedChars, 0);
});

test("the stdio transport delivers a 15 MiB line written in 64 KiB chunks", async () => {
  const transport = new StdioClientTransport({
    server: serverConfig({ transport: "stdio", command: "unused" }),
  });
  const got: unknown[] = [];
  transport.onmessage = (m) => void got.push(m);
  const text = "z".repeat(15 * MIB);
  const payload = `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/big", params: { text } })}\n`;
  const feed = (transport as unknown as { onStdout(chunk: string): void }).onStdout.bind(transport);
  for (const part of chunks(payload, CHUNK)) feed(part);
  assert.equal(got.length, 1);
  assert.equal((got[0] as { params: { text: string } }).params.text.length, text.length);
});

test("a line over the limit is dropped and reported once; its rest is skipped; the next line arrives", () => {
  const { splitter, lines, overflows } = collect(10);
  // Over the limit across chunks: reported as soon as the held pieces pass it.
  for (const part of ["ok-1\n0123456", "789abcdef", "ghij", "klm\nok-2\n"]) splitter.push(part);
  assert.deepEqual(lines, ["ok-1", "ok-2"]);
  assert.equal(overflows.length, 1);
  assert.equal(overflows[0]?.maxLineChars, 10);
  assert.ok((overflows[0]?.chars ?? 0) > 10);
  assert.equal(splitter.bufferedChars, 0, "the dropped line's pieces were released");
  // Over the limit inside one chunk.
  splitter.push("01234567890\nok-3\n");
  assert.deepEqual(lines, ["ok-1", "ok-2", "ok-3"]);
  assert.equal(overflows.length, 2);
  // Exactly at the limit, with CRLF: kept.
  splitter.push("0123456789\r\n");
  assert.equal(lines.at(-1), "0123456789");
  assert.equal(overflows.length, 2);
});

test("the stdio transport reports an over-limit line as CLIENT_BAD_MESSAGE and carries on", () => {
  const transport = new StdioClientTransport({
    server: serverConfig({ transport: "stdio", command: "unused" }),
  });
  const got: unknown[] = [];
  const errors: McpSseError[] = [];
  transport.onmessage = (m) => void got.push(m);
  transport.onerror = (e) => void errors.push(e as McpSseError);
  const feed = (transport as unknown as { onStdout(chunk: string): void }).onStdout.bind(transport);
  const huge = "q".repeat(DEFAULT_MAX_LINE_CHARS + 2);
  for (const part of chunks(huge, 4 * MIB)) feed(part);
  feed(`\n${JSON.stringify({ jsonrpc: "2.0", method: "notifications/after" })}\n`);
  assert.deepEqual(
    errors.map((e) => e.code),
    ["CLIENT_BAD_MESSAGE"],
  );
  assert.deepEqual(got, [{ jsonrpc: "2.0", method: "notifications/after" }]);
});

test("end() delivers a last line without a newline; CR before LF is dropped; empty lines are kept", () => {
  const { splitter, lines } = collect();
  splitter.push("a\r\n\nb");
  splitter.push("c\r");
  splitter.push("\nd");
  splitter.end();
  assert.deepEqual(lines, ["a", "", "bc", "d"]);
  splitter.end();
  assert.deepEqual(lines, ["a", "", "bc", "d"], "end() twice adds nothing");
});

test("any chunking gives the lines of the whole text (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom("a", "b", "é", "\n", "\r", "\r\n", "😀"), { maxLength: 80 }),
      fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }),
      (tokens, sizes) => {
        const text = tokens.join("");
        const { splitter, lines } = collect(0);
        let at = 0;
        for (let i = 0; at < text.length; i++) {
          const size = sizes[i % sizes.length] ?? 1;
          splitter.push(text.slice(at, at + size));
          at += size;
        }
        splitter.end();
        // Reference: split the whole text; CR is dropped only before LF.
        const raw = text.split("\n");
        const last = raw.pop() ?? "";
        const expected = raw.map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
        if (last !== "") expected.push(last);
        assert.deepEqual(lines, expected);
        assert.equal(splitter.stats.scannedChars, text.length);
        assert.ok(splitter.stats.joinedChars <= text.length);
      },
    ),
    { numRuns: 300 },
  );
});
