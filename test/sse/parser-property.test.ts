import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encodeEvent } from "../../src/sse/encoder.js";
import { createParser, createPortableParser } from "../../src/sse/parser.js";
import type { SseEvent, SseFrame } from "../../src/sse/types.js";

interface Output {
  events: SseEvent[];
  retry: number[];
  comments: string[];
  lastEventId: string;
}

/** The two ways bytes are read: Node's latin1 fast path, and the browser's (portable) one. */
const factories = [
  { name: "fast path", create: createParser },
  { name: "portable path", create: createPortableParser },
];

function parse(chunks: (string | Uint8Array)[], create = createParser): Output {
  const out: Output = { events: [], retry: [], comments: [], lastEventId: "" };
  const parser = create({
    onEvent: (e) => out.events.push(e),
    onRetry: (ms) => out.retry.push(ms),
    onComment: (c) => out.comments.push(c),
    onError: (e) => assert.fail(`unexpected error ${e.message}`),
  });
  for (const chunk of chunks) parser.feed(chunk);
  out.lastEventId = parser.lastEventId;
  return out;
}

/**
 * The WHATWG steps written the slow, obvious way (whole input, regex line split): the
 * oracle the streaming parser must agree with.
 */
function reference(text: string): Output {
  const out: Output = { events: [], retry: [], comments: [], lastEventId: "" };
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r\n|\r|\n/);
  lines.pop(); // the part after the last line break is not a line: discarded at end of stream
  let data = "";
  let type = "";
  let id = "";
  for (const line of lines) {
    if (line === "") {
      out.lastEventId = id;
      if (data !== "") {
        out.events.push({ type: type || "message", data: data.slice(0, -1), lastEventId: id });
      }
      data = "";
      type = "";
      continue;
    }
    if (line.startsWith(":")) {
      out.comments.push(line.slice(line.startsWith(": ") ? 2 : 1));
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data += `${value}\n`;
    else if (field === "event") type = value;
    else if (field === "id" && !value.includes("\0")) id = value;
    else if (field === "retry" && /^[0-9]+$/.test(value)) out.retry.push(Number(value));
  }
  out.lastEventId = id;
  return out;
}

const lineEnd = fc.constantFrom("\n", "\r", "\r\n");
const value = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.constantFrom("", " ", "  x", "a:b", "\0", "\uFEFF", "é", "日本", "😀", "12", "1a"),
);
const line = fc.oneof(
  fc.tuple(fc.constantFrom("data", "event", "id", "retry", "", "foo", "Data", "\uFEFFdata"), value),
  fc.constant(["", "" as string] as const),
);
/** A stream: lines from a small SSE grammar with mixed line ends, an optional BOM. */
const stream = fc
  .tuple(
    fc.boolean(),
    fc.array(fc.tuple(line, fc.constantFrom(":", ": ", ""), lineEnd, fc.boolean()), {
      maxLength: 30,
    }),
    fc.string({ unit: "binary", maxLength: 5 }),
  )
  .map(([bom, parts, tail]) => {
    let text = bom ? "\uFEFF" : "";
    for (const [[field, v], sep, end, blank] of parts) {
      text += field === "" && v === "" ? end : `${field}${sep}${sep === "" ? "" : v}${end}`;
      if (blank) text += end;
    }
    return text + tail.replace(/[\r\n]/g, "");
  });

/** Random cut points of an array-like of `length`. */
const cuts = (length: number) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 12 })
    .map((xs) => xs.sort((a, b) => a - b));

function splitAt<T extends { slice(a: number, b?: number): T }>(whole: T, points: number[]): T[] {
  const parts: T[] = [];
  let from = 0;
  for (const p of points) {
    parts.push(whole.slice(from, p));
    from = p;
  }
  parts.push(whole.slice(from));
  return parts;
}

const encoder = new TextEncoder();

/** Arbitrary bytes, rich in line breaks and UTF-8 lead/continuation bytes, as field lines. */
const byte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(
    0x0a,
    0x0d,
    0x3a,
    0x20,
    0xc3,
    0xa9,
    0xe2,
    0x82,
    0xac,
    0xf0,
    0x9f,
    0xef,
    0xbb,
    0xbf,
  ),
);
const prefixes = fc.constantFrom("data:", "data: ", "id: ", "event:", "", "retry: 1");
const rawBytes = fc
  .array(fc.tuple(prefixes, fc.array(byte, { maxLength: 20 })), { maxLength: 20 })
  .map((parts) => {
    const all: number[] = [];
    for (const [p, bs] of parts) all.push(...encoder.encode(p), ...bs, 0x0a);
    return new Uint8Array(all);
  });

for (const { name, create } of factories) {
  describe(`sse parser: properties (${name})`, () => {
    it("agrees with the whole-input reference, whatever the byte chunking", () => {
      fc.assert(
        fc.property(
          stream.chain((text) => {
            const bytes = encoder.encode(text);
            return fc.tuple(fc.constant(text), fc.constant(bytes), cuts(bytes.length));
          }),
          ([text, bytes, points]) => {
            // Text with lone surrogates changes when encoded; the oracle reads what was sent.
            const expected = reference(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes));
            assert.deepEqual(parse([bytes], create), expected, JSON.stringify(text));
            assert.deepEqual(parse(splitAt(bytes, points), create), expected, `cuts ${points}`);
          },
        ),
        { numRuns: 400 },
      );
    });

    it("agrees with the reference whatever the string chunking", () => {
      fc.assert(
        fc.property(
          stream.chain((text) => fc.tuple(fc.constant(text), cuts(text.length))),
          ([text, points]) => {
            const expected = reference(text);
            assert.deepEqual(parse([text], create), expected);
            assert.deepEqual(parse(splitAt(text, points), create), expected, `cuts ${points}`);
          },
        ),
        { numRuns: 400 },
      );
    });

    it("decodes any bytes like one whole-stream TextDecoder, whatever the chunking", () => {
      fc.assert(
        fc.property(
          rawBytes.chain((bytes) => fc.tuple(fc.constant(bytes), cuts(bytes.length))),
          ([bytes, points]) => {
            const expected = reference(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes));
            assert.deepEqual(parse(splitAt(bytes, points), create), expected);
            const single = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
            assert.deepEqual(parse(single, create), expected);
          },
        ),
        { numRuns: 300 },
      );
    });

    it("agrees with the reference for each of two parsers fed in turn or nested (one shared decoder)", () => {
      const bytes = fc.oneof(
        rawBytes,
        stream.map((text) => encoder.encode(text)),
      );
      const chunked = bytes.chain((b) => fc.tuple(fc.constant(b), cuts(b.length)));
      fc.assert(
        fc.property(chunked, chunked, fc.boolean(), ([a, aCuts], [b, bCuts], nested) => {
          const decodeAll = (x: Uint8Array) =>
            new TextDecoder("utf-8", { ignoreBOM: true }).decode(x);
          const outA: Output = { events: [], retry: [], comments: [], lastEventId: "" };
          const outB: Output = { events: [], retry: [], comments: [], lastEventId: "" };
          const aChunks = splitAt(a, aCuts);
          const bChunks = splitAt(b, bCuts);
          const parserB = create({
            onEvent: (e) => outB.events.push(e),
            onRetry: (ms) => outB.retry.push(ms),
            onComment: (c) => outB.comments.push(c),
          });
          // Nested: B is fed from inside A's callbacks, in the middle of A's chunk.
          const feedB = () => {
            const next = bChunks.shift();
            if (next !== undefined) parserB.feed(next);
          };
          const parserA = create({
            onEvent: (e) => {
              outA.events.push(e);
              if (nested) feedB();
            },
            onRetry: (ms) => outA.retry.push(ms),
            onComment: (c) => {
              outA.comments.push(c);
              if (nested) feedB();
            },
          });
          for (const chunk of aChunks) {
            parserA.feed(chunk);
            feedB();
          }
          while (bChunks.length > 0) feedB();
          outA.lastEventId = parserA.lastEventId;
          outB.lastEventId = parserB.lastEventId;
          assert.deepEqual(outA, reference(decodeAll(a)));
          assert.deepEqual(outB, reference(decodeAll(b)));
        }),
      );
    });

    it("round-trips any event through the encoder", () => {
      const noBreak = fc
        .string({ unit: "binary", maxLength: 20 })
        .map((s) => s.replace(/[\r\n\0]/g, ""));
      const data = fc
        .array(
          fc.tuple(
            fc.string({ unit: "binary", maxLength: 20 }),
            fc.constantFrom("\n", "\r", "\r\n"),
          ),
          {
            maxLength: 5,
          },
        )
        .map((parts) => parts.map(([s, br]) => s + br).join(""))
        .chain((head) => fc.string({ unit: "binary", maxLength: 20 }).map((t) => head + t));
      const frame = fc.record(
        { event: noBreak, data, id: noBreak },
        { requiredKeys: ["data"] },
      ) as fc.Arbitrary<SseFrame & { data: string }>;
      fc.assert(
        fc.property(fc.array(frame, { minLength: 1, maxLength: 8 }), fc.nat(), (frames, seed) => {
          const wire = frames.map((f) => encodeEvent(f)).join("");
          const bytes = encoder.encode(wire);
          let lastEventId = "";
          const expected = frames.map((f) => {
            if (f.id !== undefined) lastEventId = f.id;
            return {
              type: f.event === undefined || f.event === "" ? "message" : f.event,
              data: f.data.replace(/\r\n|\r/g, "\n"),
              lastEventId,
            };
          });
          const cut = bytes.length === 0 ? 0 : seed % bytes.length;
          const halves = [bytes.subarray(0, cut), bytes.subarray(cut)];
          assert.deepEqual(parse(halves, create).events, expected);
          assert.deepEqual(parse([wire], create).events, expected);
        }),
        { numRuns: 400 },
      );
    });

    it("reads sparse non-ASCII in long ASCII lines right, whatever the byte chunking", () => {
      // Few non-ASCII bytes per chunk: the fast path reads such chunks as latin1 and decodes
      // only the values that need it, also when a value started in an earlier chunk.
      const ascii = fc.integer({ min: 0, max: 300 }).map((n) => "a".repeat(n));
      const wideChar = fc.constantFrom("", "", "é", "日", "😀", "\u0080", "\uFFFD");
      const field = fc.constantFrom("data: ", "data:", "id: ", "event: ", ": ", "retry: ", "x: ");
      const line = fc
        .tuple(field, ascii, wideChar, ascii, lineEnd, fc.boolean())
        .map(([f, a, w, b, end, blank]) => `${f}${a}${w}${b}${end}${blank ? end : ""}`);
      const input = fc
        .tuple(fc.boolean(), fc.array(line, { maxLength: 12 }), fc.array(fc.boolean()))
        .map(([bom, lines, invalid]) => {
          const bytes = encoder.encode((bom ? "\uFEFF" : "") + lines.join(""));
          // Break some multi-byte characters: a lone lead or continuation byte is U+FFFD.
          invalid.forEach((yes, i) => {
            if (yes && i * 97 < bytes.length && bytes[i * 97]! >= 0x80) bytes[i * 97] = 0xc3;
          });
          return bytes;
        });
      fc.assert(
        fc.property(
          input.chain((bytes) => fc.tuple(fc.constant(bytes), cuts(bytes.length))),
          ([bytes, points]) => {
            const expected = reference(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes));
            assert.deepEqual(parse(splitAt(bytes, points), create), expected, `cuts ${points}`);
          },
        ),
        { numRuns: 300 },
      );
    });

    it("agrees with the reference when pieces are fed as strings and bytes in any mix", () => {
      // Long ASCII and long non-ASCII stretches, so chunks take both ways bytes are read
      // (value by value, or whole chunks decoded) and switch between them mid-line.
      const stretch = fc.oneof(
        fc.constantFrom("data: ", "id: ", "event: ", ": ", "\n", "\n\n", "\r\n", "\r"),
        fc.constantFrom("x".repeat(40), "é".repeat(30), "日本語".repeat(10), "😀".repeat(8)),
        value,
      );
      const text = fc
        .tuple(fc.boolean(), fc.array(stretch, { maxLength: 40 }))
        .map(([bom, parts]) => (bom ? "\uFEFF" : "") + parts.join(""))
        // Only well-formed text: a lone surrogate fed as bytes would become U+FFFD.
        .map((t) => new TextDecoder("utf-8", { ignoreBOM: true }).decode(encoder.encode(t)));
      fc.assert(
        fc.property(
          text.chain((t) =>
            fc.tuple(fc.constant(t), cuts(t.length), fc.array(fc.boolean(), { maxLength: 13 })),
          ),
          ([t, points, asBytes]) => {
            // Never cut a surrogate pair: each piece must be well-formed on its own.
            const safe = points.filter((p) => {
              const c = t.charCodeAt(p);
              return !(c >= 0xdc00 && c <= 0xdfff);
            });
            const pieces = splitAt(t, safe).map((piece, i) =>
              asBytes[i] === true ? encoder.encode(piece) : piece,
            );
            assert.deepEqual(parse(pieces, create), reference(t), `cuts ${safe} bytes ${asBytes}`);
          },
        ),
        { numRuns: 400 },
      );
    });
  });
}
