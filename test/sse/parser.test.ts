import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { isMcpSseError } from "../../src/errors.js";
import { createParser, DEFAULT_MAX_EVENT_SIZE } from "../../src/sse/parser.js";
import type { SseEvent } from "../../src/sse/types.js";

interface Vector {
  name: string;
  chunks?: string[];
  chunks_base64?: string[];
  events: SseEvent[];
  retry: number[];
}

const vectorFile = new URL("../../../shared/vectors/sse-parse.json", import.meta.url);
const { vectors } = JSON.parse(readFileSync(vectorFile, "utf8")) as { vectors: Vector[] };

const encoder = new TextEncoder();

interface Collected {
  events: SseEvent[];
  retry: number[];
  comments: string[];
  errors: Error[];
}

function collector(maxEventSize?: number) {
  const out: Collected = { events: [], retry: [], comments: [], errors: [] };
  const parser = createParser({
    onEvent: (e) => out.events.push(e),
    onRetry: (ms) => out.retry.push(ms),
    onComment: (c) => out.comments.push(c),
    onError: (e) => out.errors.push(e),
    ...(maxEventSize === undefined ? {} : { maxEventSize }),
  });
  return { parser, out };
}

function parseAll(chunks: (string | Uint8Array)[], maxEventSize?: number): Collected {
  const { parser, out } = collector(maxEventSize);
  for (const chunk of chunks) parser.feed(chunk);
  return out;
}

function vectorBytes(v: Vector): Uint8Array[] {
  if (v.chunks_base64) return v.chunks_base64.map((c) => new Uint8Array(Buffer.from(c, "base64")));
  return (v.chunks ?? []).map((c) => encoder.encode(c));
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function expectVector(v: Vector, got: Collected, how: string): void {
  assert.deepEqual(got.events, v.events, `${v.name} (${how}): events`);
  assert.deepEqual(got.retry, v.retry, `${v.name} (${how}): retry`);
  assert.deepEqual(got.errors, [], `${v.name} (${how}): errors`);
}

describe("sse parser: shared vectors", () => {
  it("loads a non-trivial vector file", () => {
    assert.ok(vectors.length >= 30, `only ${vectors.length} vectors`);
  });

  for (const v of vectors) {
    describe(v.name, () => {
      it("as given, byte chunks", () => expectVector(v, parseAll(vectorBytes(v)), "as given"));

      if (v.chunks) {
        const chunks = v.chunks;
        it("as given, string chunks", () => expectVector(v, parseAll(chunks), "string chunks"));
      }

      it("whole, split at every byte position, one byte at a time", () => {
        const whole = concat(vectorBytes(v));
        expectVector(v, parseAll([whole]), "whole bytes");
        for (let i = 0; i <= whole.length; i++) {
          const parts = [whole.subarray(0, i), whole.subarray(i)];
          expectVector(v, parseAll(parts), `bytes split at ${i}`);
        }
        const single = Array.from(whole, (_, i) => whole.subarray(i, i + 1));
        expectVector(v, parseAll(single), "one byte at a time");
      });

      if (v.chunks) {
        const text = v.chunks.join("");
        it("whole, split at every string position, one unit at a time", () => {
          expectVector(v, parseAll([text]), "whole string");
          for (let i = 0; i <= text.length; i++) {
            expectVector(v, parseAll([text.slice(0, i), text.slice(i)]), `string split at ${i}`);
          }
          expectVector(v, parseAll(text.split("")), "one code unit at a time");
        });
      }
    });
  }
});

describe("sse parser: rules", () => {
  it("dispatches as soon as CR CR arrives, before any later input", () => {
    const { parser, out } = collector();
    parser.feed("data: a\r");
    parser.feed("\r");
    assert.deepEqual(out.events, [{ type: "message", data: "a", lastEventId: "" }]);
    parser.feed("\ndata: b\n\n"); // this LF is a new blank line, not part of the CR
    assert.equal(out.events.length, 2);
    assert.equal(out.events[1]?.data, "b");
  });

  it("dispatches as soon as LF LF arrives (bytes)", () => {
    const { parser, out } = collector();
    parser.feed(encoder.encode("data: a\n"));
    assert.equal(out.events.length, 0);
    parser.feed(encoder.encode("\n"));
    assert.equal(out.events.length, 1);
  });

  it("a CR at the end of one chunk and LF at the start of the next is one line break", () => {
    for (const feed of [(s: string) => s, (s: string) => encoder.encode(s)]) {
      const { parser, out } = collector();
      parser.feed(feed("data: a\r"));
      parser.feed(feed("\ndata: b\r"));
      parser.feed(feed("\n\r"));
      parser.feed(feed("\n"));
      assert.deepEqual(
        out.events.map((e) => e.data),
        ["a\nb"],
      );
    }
  });

  it("strips exactly one BOM at stream start, split across byte chunks", () => {
    const bom = [0xef, 0xbb, 0xbf];
    const body = encoder.encode("data: x\n\n");
    const got = parseAll([new Uint8Array([0xef]), new Uint8Array([0xbb, 0xbf]), body]);
    assert.deepEqual(got.events, [{ type: "message", data: "x", lastEventId: "" }]);
    // A second BOM is part of the first field name ("\uFEFFdata"), so that block is ignored.
    const twice = parseAll([new Uint8Array([...bom, ...bom]), body, body]);
    assert.deepEqual(
      twice.events.map((e) => e.data),
      ["x"],
    );
    // Text already decoded by a caller's decoder: still only one U+FEFF is stripped.
    const text = parseAll(["\uFEFF", "\uFEFFdata: y\n\n", "data: z\n\n"]);
    assert.deepEqual(
      text.events.map((e) => e.data),
      ["z"],
    );
    // A BOM later in the stream is data.
    const later = parseAll(["data: a\n\n", "\uFEFFdata: b\n\n"]);
    assert.deepEqual(
      later.events.map((e) => e.data),
      ["a"],
    );
  });

  it("keeps id across events, ignores an id with NUL, and an id-only block sets lastEventId", () => {
    const { parser, out } = collector();
    parser.feed("id: 1\ndata: a\n\ndata: b\n\nid: 2\u00003\ndata: c\n\nid: 9\n\ndata: d\n\n");
    assert.deepEqual(
      out.events.map((e) => [e.data, e.lastEventId]),
      [
        ["a", "1"],
        ["b", "1"],
        ["c", "1"],
        ["d", "9"],
      ],
    );
    assert.equal(parser.lastEventId, "9");
    parser.feed("id: 10\n\n");
    assert.equal(parser.lastEventId, "10");
    assert.equal(out.events.length, 4);
  });

  it("accepts retry with digits only", () => {
    const got = parseAll(["retry: 100\nretry:200\nretry: 1.5\nretry: -1\nretry:\nretry: 12 \n\n"]);
    assert.deepEqual(got.retry, [100, 200]);
    assert.deepEqual(got.events, []);
  });

  it("reads fields without colon, removes one leading space, keeps the rest", () => {
    const got = parseAll(["event\ndata\ndata:  two\ndata:three\n\n"]);
    assert.deepEqual(got.events, [{ type: "message", data: "\n two\nthree", lastEventId: "" }]);
  });

  it("reports comments without the colon and one space", () => {
    const got = parseAll([": ping\n:\n:  two\n:x\ndata: d\n\n"]);
    assert.deepEqual(got.comments, ["ping", "", " two", "x"]);
    assert.equal(got.events.length, 1);
  });

  it("decodes UTF-8 split at every byte, and turns invalid bytes into U+FFFD", () => {
    const text = "data: h\u00e9llo \u20ac \u{1F600}\n\n";
    const bytes = encoder.encode(text);
    for (let i = 0; i <= bytes.length; i++) {
      const got = parseAll([bytes.subarray(0, i), bytes.subarray(i)]);
      assert.equal(got.events[0]?.data, "h\u00e9llo \u20ac \u{1F600}", `split at ${i}`);
    }
    const invalid = new Uint8Array([...encoder.encode("data: a"), 0xff, 0xc3, 0x0a, 0x0a]);
    assert.equal(parseAll([invalid]).events[0]?.data, "a\uFFFD\uFFFD");
    // A truncated sequence at a line end is U+FFFD, and the next line is intact.
    const truncated = new Uint8Array([
      ...encoder.encode("data: a"),
      0xe2,
      0x82,
      ...encoder.encode("\ndata: b\n\n"),
    ]);
    assert.equal(parseAll([truncated]).events[0]?.data, "a\uFFFD\nb");
  });

  it("discards pending data at end of input and dispatches nothing for empty data", () => {
    const got = parseAll(["event: x\n\ndata: a\ndata: b"]);
    assert.deepEqual(got.events, []);
  });

  it("names the type 'message' when there is none and resets it after each event", () => {
    const got = parseAll(["event: a\ndata: 1\n\ndata: 2\n\nevent:\ndata: 3\n\n"]);
    assert.deepEqual(
      got.events.map((e) => e.type),
      ["a", "message", "message"],
    );
  });

  it("reset() forgets the partial line, pending event, lastEventId and BOM state", () => {
    const { parser, out } = collector();
    parser.feed(encoder.encode("id: 5\n\ndata: half"));
    parser.feed(encoder.encode("\u00e9".slice(0, 1)));
    parser.reset();
    assert.equal(parser.lastEventId, "");
    assert.equal(parser.bufferedBytes, 0);
    parser.feed(encoder.encode("\uFEFFdata: fresh\n\n"));
    assert.deepEqual(out.events, [{ type: "message", data: "fresh", lastEventId: "" }]);
    // After reset, the stream may switch from bytes to text.
    parser.reset();
    parser.feed("data: x\n");
    parser.feed("\n");
    assert.equal(out.events[1]?.data, "x");
  });

  it("reset() from inside onEvent stops the rest of that chunk", () => {
    const events: string[] = [];
    const parser = createParser({
      onEvent: (e) => {
        events.push(e.data);
        if (e.data === "stop") parser.reset();
      },
    });
    parser.feed("data: a\n\ndata: stop\n\ndata: lost\n\ndata: partial");
    parser.feed("data: b\n\n");
    assert.deepEqual(events, ["a", "stop", "b"]);
  });

  it("handles text after bytes and bytes after text without crashing (converted)", () => {
    const a = parseAll([encoder.encode("data: \u00e9"), "t\u00e9\n", encoder.encode("\n")]);
    assert.deepEqual(
      a.events.map((e) => e.data),
      ["\u00e9t\u00e9"],
    );
    const e = encoder.encode("\u00e9");
    const b = parseAll(["data: a", e.subarray(0, 1), e.subarray(1), "\n\n"]);
    assert.deepEqual(
      b.events.map((ev) => ev.data),
      ["a\u00e9"],
    );
  });

  it("reads sparse non-ASCII values right when mostly ASCII chunks cut them (latin1 path)", () => {
    // Few non-ASCII bytes per chunk: Node reads these chunks as latin1, decoding values alone.
    const wire = encoder.encode(
      `id: ${"i".repeat(60)}é\nevent: ${"t".repeat(60)}日\ndata: ${"a".repeat(100)}😀${"b".repeat(100)}\n: ${"c".repeat(60)}ü\n\n`,
    );
    const expected = {
      type: `${"t".repeat(60)}日`,
      data: `${"a".repeat(100)}😀${"b".repeat(100)}`,
      lastEventId: `${"i".repeat(60)}é`,
    };
    for (let cut = 1; cut < wire.length; cut += 7) {
      const got = parseAll([wire.subarray(0, cut), wire.subarray(cut)]);
      assert.deepEqual(got.events, [expected], `cut at ${cut}`);
      assert.deepEqual(got.comments, [`${"c".repeat(60)}ü`], `cut at ${cut}`);
    }
  });

  it("switches between whole-chunk decoding and latin1 reading mid-line and after a CR", () => {
    // A mostly non-ASCII chunk is decoded whole; the next, ASCII one is read as latin1. The
    // CR ending the first chunk is followed by an unfinished character, not by the LF.
    const got = parseAll([
      new Uint8Array([...encoder.encode("data: "), 0xde, 0x0d, 0xe1, 0x99]),
      new Uint8Array([0x0a]),
      encoder.encode("data: y\n\n"),
    ]);
    assert.deepEqual(
      got.events.map((e) => e.data),
      ["\uFFFD\ny"],
    );
    // A partial line that started in a decoded chunk and ends in a latin1 one.
    const wide = encoder.encode("data: ééééé");
    const mixed = parseAll([wide, encoder.encode(`${"x".repeat(200)}é\n\n`)]);
    assert.deepEqual(
      mixed.events.map((e) => e.data),
      [`ééééé${"x".repeat(200)}é`],
    );
  });

  it("decodes values right when a callback feeds the parser again (nested feed)", () => {
    const datas: string[] = [];
    const line = (fill: string, wide: string) => `data: ${fill.repeat(50)}${wide}\n\n`;
    const parser = createParser({
      onEvent: (e) => {
        datas.push(e.data);
        if (datas.length === 1) parser.feed(encoder.encode(line("c", "ñ")));
      },
    });
    parser.feed(encoder.encode(line("a", "é") + line("b", "ü")));
    assert.deepEqual(datas, [`${"a".repeat(50)}é`, `${"c".repeat(50)}ñ`, `${"b".repeat(50)}ü`]);
  });

  it("does not keep a reference to the caller's buffer", () => {
    const { parser, out } = collector();
    const buf = encoder.encode("data: abc");
    parser.feed(buf);
    buf.fill(0x78); // the caller reuses its buffer
    parser.feed(encoder.encode("\n\n"));
    assert.equal(out.events[0]?.data, "abc");
  });
});

describe("sse parser: size limit", () => {
  it("exports a 16 MiB default", () => {
    assert.equal(DEFAULT_MAX_EVENT_SIZE, 16 * 1024 * 1024);
  });

  it("drops an event whose data lines add up over the limit, reports it once", () => {
    for (const asBytes of [false, true]) {
      const { parser, out } = collector(100);
      const feed = (s: string) => parser.feed(asBytes ? encoder.encode(s) : s);
      feed("data: ok\n\n");
      for (let i = 0; i < 10; i++) feed(`data: ${"x".repeat(30)}\n`);
      feed("id: 7\nretry: 5\n\ndata: after\n\n");
      assert.equal(out.errors.length, 1);
      const err = out.errors[0];
      assert.ok(isMcpSseError(err, "SSE_EVENT_TOO_LARGE"), String(err));
      assert.equal(err.details["limit"], 100);
      assert.ok((err.details["size"] as number) > 100);
      assert.deepEqual(
        out.events.map((e) => e.data),
        ["ok", "after"],
      );
      // Lines after the overflow, up to the blank line, belong to the dropped event.
      assert.deepEqual(out.retry, []);
      assert.equal(out.events[1]?.lastEventId, "");
    }
  });

  it("counts UTF-8 bytes, not UTF-16 units", () => {
    const ok = parseAll([`data: ${"\u00e9".repeat(50)}\n\n`], 100);
    assert.equal(ok.events.length, 1);
    const over = parseAll([`data: ${"\u00e9".repeat(51)}\n\n`], 100);
    assert.equal(over.events.length, 0);
    assert.equal(over.errors.length, 1);
  });

  it("counts type and id toward the limit", () => {
    const got = parseAll(
      [`event: ${"t".repeat(60)}\nid: ${"i".repeat(30)}\ndata: ${"d".repeat(20)}\n\n`],
      100,
    );
    assert.equal(got.events.length, 0);
    assert.equal(got.errors.length, 1);
  });

  it("maxEventSize 0 disables the limit", () => {
    const big = "y".repeat(200_000);
    const got = parseAll([`data: ${big}\n\n`], 0);
    assert.equal(got.events[0]?.data, big);
  });

  for (const kind of ["bytes", "string"] as const) {
    it(`a 50 MB line fed in chunks (${kind}): one error, bounded memory, later events arrive`, () => {
      const limit = 1024 * 1024;
      const { parser, out } = collector(limit);
      const piece = "z".repeat(64 * 1024);
      const chunk = kind === "bytes" ? encoder.encode(piece) : piece;
      parser.feed(
        kind === "bytes" ? encoder.encode("data: before\n\ndata: ") : "data: before\n\ndata: ",
      );
      const heapBefore = process.memoryUsage().heapUsed;
      let maxBuffered = 0;
      for (let sent = 0; sent < 50 * 1024 * 1024; sent += piece.length) {
        parser.feed(chunk);
        maxBuffered = Math.max(maxBuffered, parser.bufferedBytes);
      }
      const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
      const end = "\nid: skipped\ndata: still part of the dropped event\n\nid: 2\ndata: after\n\n";
      parser.feed(kind === "bytes" ? encoder.encode(end) : end);
      assert.equal(out.errors.length, 1);
      assert.ok(isMcpSseError(out.errors[0], "SSE_EVENT_TOO_LARGE"));
      assert.ok(maxBuffered <= limit, `buffered ${maxBuffered} bytes`);
      assert.ok(heapGrowth < 20 * 1024 * 1024, `heap grew ${heapGrowth} bytes`);
      assert.deepEqual(out.events, [
        { type: "message", data: "before", lastEventId: "" },
        { type: "message", data: "after", lastEventId: "2" },
      ]);
      assert.equal(parser.bufferedBytes, 0);
    });
  }

  it("an overlong line ended by a CR at a chunk end does not swallow the next blank line", () => {
    const { parser, out } = collector(10);
    parser.feed("data: x\r");
    parser.feed("data: 0123456789abcdef");
    parser.feed("\r");
    parser.feed("\n\r");
    parser.feed("data: ok\r\r");
    assert.equal(out.errors.length, 1);
    assert.deepEqual(
      out.events.map((e) => e.data),
      ["ok"],
    );
  });
});
