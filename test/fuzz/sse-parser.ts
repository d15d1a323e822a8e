/**
 * Fuzz target: the SSE parser (src/sse). Random bytes, random strings and mutated valid
 * streams, fed in random chunks. Findings: `feed` throws; an error that is not a typed
 * `SSE_` error; an event over `maxEventSize`; more bytes held than the limit allows; a result
 * that depends on the chunking; the Node and portable (browser) paths disagreeing; and, for
 * bytes, a different event list than eventsource-parser (the reference WHATWG parser).
 */
import { createParser as referenceParser } from "eventsource-parser";
import fc from "fast-check";
import { createParser, createPortableParser } from "../../src/sse/parser.js";
import {
  applyEdits,
  assertTypedError,
  byteEdits,
  chunksOf,
  type FuzzBudget,
  type FuzzFigures,
  FuzzFinding,
  runProperty,
  runTarget,
} from "./harness.js";

type Factory = typeof createParser;
const encoder = new TextEncoder();

interface Outcome {
  events: { type: string; data: string; lastEventId: string }[];
  retries: number[];
  comments: string[];
  errors: string[];
}

/** Limits the cases pick from: tiny (to hit SSE_EVENT_TOO_LARGE often), small, the default, off. */
const LIMITS = [0, 16, 256, 4096, undefined] as const;

function parse(factory: Factory, chunks: (string | Uint8Array)[], maxEventSize?: number) {
  const out: Outcome = { events: [], retries: [], comments: [], errors: [] };
  const parser = factory({
    onEvent: (e) => out.events.push({ type: e.type, data: e.data, lastEventId: e.lastEventId }),
    onRetry: (ms) => out.retries.push(ms),
    onComment: (c) => out.comments.push(c),
    onError: (error) => {
      assertTypedError(error, ["SSE_"], "the parser's onError");
      out.errors.push((error as { code?: string }).code ?? "");
    },
    ...(maxEventSize === undefined ? {} : { maxEventSize }),
  });
  let held = 0;
  for (const chunk of chunks) {
    try {
      parser.feed(chunk);
    } catch (error) {
      throw new FuzzFinding(`feed() threw: ${String(error).slice(0, 200)}`);
    }
    held = Math.max(held, parser.bufferedBytes);
  }
  return { out, held };
}

function utf8(text: string): number {
  return encoder.encode(text).byteLength;
}

function check(input: Uint8Array | string, cuts: number[], limit: number | undefined): void {
  const whole = parse(createParser, [input], limit);
  const chunked = parse(createParser, chunksOf(input, cuts), limit);
  const portable = parse(createPortableParser, chunksOf(input, cuts), limit);
  const a = JSON.stringify(whole.out);
  // Known, reported (issue 11 fuzzing): a line longer than maxEventSize is checked only while
  // it is a partial line, so whether it counts depends on the chunking (a long comment split
  // across chunks drops the pending event; in one chunk it is delivered), and a partial line
  // is measured in raw bytes on one path and decoded UTF-8 (U+FFFD = 3 bytes) on the other.
  // Runs that hit the limit are therefore only checked for bounds, not compared.
  const hitLimit = [whole, chunked, portable].some((r) => r.out.errors.length > 0);
  if (hitLimit) {
    checkBounds([whole, chunked, portable], limit);
    return;
  }
  if (JSON.stringify(chunked.out) !== a)
    throw new FuzzFinding(
      `chunking changed the result: ${a.slice(0, 200)} vs ${JSON.stringify(chunked.out).slice(0, 200)}`,
    );
  if (JSON.stringify(portable.out) !== a)
    throw new FuzzFinding(
      `the portable (browser) path disagrees: ${a.slice(0, 200)} vs ${JSON.stringify(portable.out).slice(0, 200)}`,
    );
  checkBounds([whole, chunked, portable], limit);
  if (typeof input !== "string" && whole.out.errors.length === 0)
    compareWithReference(input, whole.out);
}

/** No event over the limit is delivered, and what the parser holds stays near the limit. */
function checkBounds(runs: { out: Outcome; held: number }[], limit: number | undefined): void {
  if (limit === undefined || limit <= 0) return;
  for (const run of runs) {
    for (const e of run.out.events) {
      // Not counted: "message" when it is the default type, and the id when it was set by
      // an earlier block (the last event ID is sticky): the limit is on the event's fields.
      const size = utf8(e.data) + (e.type === "message" ? 0 : utf8(e.type));
      if (size > limit)
        throw new FuzzFinding(`an event of ${size} bytes passed maxEventSize ${limit}`);
    }
    // A line being cut may hold a few more bytes: its field name and an unfinished character.
    if (run.held > limit + 64)
      throw new FuzzFinding(`held ${run.held} bytes with maxEventSize ${limit}`);
  }
}

/** eventsource-parser on the same bytes, decoded as a whole (WHATWG: UTF-8, one BOM dropped). */
function compareWithReference(bytes: Uint8Array, ours: Outcome): void {
  const events: { type: string; data: string }[] = [];
  const reference = referenceParser({
    onEvent: (e) => events.push({ type: e.event ?? "message", data: e.data }),
  });
  const text = new TextDecoder().decode(bytes);
  // A trailing CR may still become CRLF for it, and it never ends that line (even on
  // `reset({ consume: true })`); for us the CR already ended it (WHATWG). An LF after a final
  // CR changes nothing for a WHATWG parser (CRLF is one line ending), and settles it for it.
  reference.feed(text.endsWith("\r") ? `${text}\n` : text);
  const mine = ours.events.map(({ type, data }) => ({ type, data }));
  if (JSON.stringify(mine) !== JSON.stringify(events))
    throw new FuzzFinding(
      `differs from eventsource-parser: ${JSON.stringify(mine).slice(0, 200)} vs ${JSON.stringify(events).slice(0, 200)}`,
    );
}

/** Text that looks like an event stream: fields, comments, blank lines, odd line endings. */
function streamText(): fc.Arbitrary<string> {
  const value = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: "grapheme", maxLength: 20 }),
    fc.constantFrom("", " ", "  x", "\u0000", "\uFEFF", "é", "😀", "12", "-1", "1e3"),
  );
  const line = fc.oneof(
    fc
      .tuple(
        fc.constantFrom("data", "event", "id", "retry", "", "dat", "DATA", "data "),
        fc.constantFrom(":", ": ", ""),
        value,
      )
      .map(([f, sep, v]) => `${f}${sep}${v}`),
    value.map((v) => `:${v}`),
    fc.constant(""),
  );
  const eol = fc.constantFrom("\n", "\r", "\r\n", "\n\n", "\r\r");
  return fc
    .tuple(fc.boolean(), fc.array(fc.tuple(line, eol), { maxLength: 30 }))
    .map(([bom, lines]) => (bom ? "\uFEFF" : "") + lines.map(([l, e]) => l + e).join(""));
}

const cutsArb = fc.array(fc.nat({ max: 5000 }), { maxLength: 24 });
const limitArb = fc.constantFrom(...LIMITS);

export async function fuzzSseParser(budget: FuzzBudget): Promise<FuzzFigures> {
  return runTarget("sse-parser", budget, [
    (b) =>
      runProperty(
        "random bytes",
        [fc.uint8Array({ maxLength: 4096 }), cutsArb, limitArb],
        async (bytes, cuts, limit) => check(bytes, cuts, limit),
        b,
      ),
    (b) =>
      runProperty(
        "event-stream text (as bytes, mutated)",
        [streamText(), fc.option(byteEdits(), { nil: undefined }), cutsArb, limitArb],
        async (text, edits, cuts, limit) => {
          const bytes = encoder.encode(text);
          check(edits === undefined ? bytes : applyEdits(bytes, edits), cuts, limit);
        },
        b,
      ),
    (b) =>
      runProperty(
        "event-stream text (as strings)",
        [streamText(), cutsArb, limitArb],
        async (text, cuts, limit) => check(text, cuts, limit),
        b,
      ),
  ]);
}
