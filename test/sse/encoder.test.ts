import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isMcpSseError } from "../../src/errors.js";
import { encodeComment, encodeDataEvent, encodeEvent } from "../../src/sse/encoder.js";
import { createParser } from "../../src/sse/parser.js";
import type { SseEvent } from "../../src/sse/types.js";

function parseText(text: string): { events: SseEvent[]; retry: number[]; comments: string[] } {
  const out = { events: [] as SseEvent[], retry: [] as number[], comments: [] as string[] };
  const parser = createParser({
    onEvent: (e) => out.events.push(e),
    onRetry: (ms) => out.retry.push(ms),
    onComment: (c) => out.comments.push(c),
  });
  parser.feed(text);
  return out;
}

function assertInvalidField(fn: () => unknown, field: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(isMcpSseError(error, "SSE_INVALID_FIELD"), String(error));
    assert.equal(error.details["field"], field);
    return true;
  });
}

describe("sse encoder", () => {
  it("writes id, event, retry and data, ending with a blank line", () => {
    const wire = encodeEvent({ id: "7", event: "message", retry: 1500, data: '{"a":1}' });
    assert.equal(wire, 'id: 7\nevent: message\nretry: 1500\ndata: {"a":1}\n\n');
    assert.deepEqual(parseText(wire), {
      events: [{ type: "message", data: '{"a":1}', lastEventId: "7" }],
      retry: [1500],
      comments: [],
    });
  });

  it("splits multi-line data (LF, CR, CRLF) into one data line each", () => {
    const wire = encodeEvent({ data: "a\nb\r\nc\rd\n" });
    assert.equal(wire, "data: a\ndata: b\ndata: c\ndata: d\ndata: \n\n");
    assert.equal(parseText(wire).events[0]?.data, "a\nb\nc\nd\n");
  });

  it("keeps leading spaces and colons in data", () => {
    const wire = encodeEvent({ data: " x: y" });
    assert.equal(parseText(wire).events[0]?.data, " x: y");
  });

  it("writes empty data as one empty data line, which dispatches an empty event", () => {
    const wire = encodeEvent({ data: "" });
    assert.equal(wire, "data: \n\n");
    assert.deepEqual(parseText(wire).events, [{ type: "message", data: "", lastEventId: "" }]);
  });

  it("writes no data line when data is undefined (an id-only frame)", () => {
    const wire = encodeEvent({ id: "42" });
    assert.equal(wire, "id: 42\n\n");
    const parser = createParser({ onEvent: () => assert.fail("nothing to dispatch") });
    parser.feed(wire);
    assert.equal(parser.lastEventId, "42");
  });

  for (const bad of ["a\nb", "a\rb", "a\0b", "\n"]) {
    it(`refuses ${JSON.stringify(bad)} in event and id with SSE_INVALID_FIELD`, () => {
      assertInvalidField(() => encodeEvent({ event: bad, data: "x" }), "event");
      assertInvalidField(() => encodeEvent({ id: bad, data: "x" }), "id");
    });
  }

  it("allows NUL in data (only event and id are restricted)", () => {
    assert.equal(parseText(encodeEvent({ data: "a\0b" })).events[0]?.data, "a\0b");
  });

  for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`refuses retry ${bad} with SSE_INVALID_FIELD`, () => {
      assertInvalidField(() => encodeEvent({ retry: bad }), "retry");
    });
  }

  it("accepts retry 0", () => {
    assert.deepEqual(parseText(encodeEvent({ retry: 0 })).retry, [0]);
  });

  it("writes comments, one line per line of text, that the parser reports", () => {
    assert.equal(encodeComment(), ":\n\n");
    assert.equal(encodeComment("ping"), ": ping\n\n");
    const wire = encodeComment("a\nb\r\nc");
    assert.equal(wire, ": a\n: b\n: c\n\n");
    assert.deepEqual(parseText(wire), { events: [], retry: [], comments: ["a", "b", "c"] });
  });

  it("a keep-alive comment between events dispatches nothing and changes nothing", () => {
    const wire =
      encodeEvent({ id: "1", data: "a" }) +
      encodeComment("keep-alive") +
      encodeEvent({ data: "b" });
    assert.deepEqual(
      parseText(wire).events.map((e) => [e.data, e.lastEventId]),
      [
        ["a", "1"],
        ["b", "1"],
      ],
    );
  });

  it("encodeDataEvent makes encodeEvent's text of { id, event, data } and checks the same fields", () => {
    for (const [id, event, data] of [
      ["s:1", "message", '{"a":1}'],
      ["s:2", undefined, ""],
      ["s:3", "message", "a\r\nb\rc\n"],
      ["é:4", "ünïcode", "✓ 😀"],
    ] as const) {
      assert.equal(
        encodeDataEvent(id, event, data),
        encodeEvent(event === undefined ? { id, data } : { id, event, data }),
      );
    }
    assertInvalidField(() => encodeDataEvent("a\nb", "message", "{}"), "id");
    assertInvalidField(() => encodeDataEvent("a\0b", undefined, "{}"), "id");
    assertInvalidField(() => encodeDataEvent("1", "a\rb", "{}"), "event");
  });
});
