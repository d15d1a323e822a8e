import assert from "node:assert/strict";
import { describe, mock, test } from "node:test";
import type { SseSink } from "../../src/server/sse-stream.js";
import {
  encodeFrame,
  KeepAliveGroup,
  SseStream,
  sseStreamOf,
} from "../../src/server/sse-stream.js";
import { encodeEvent } from "../../src/sse/encoder.js";

/** A sink that records what it is given; `unread` stands for what the socket holds. */
function recordingSink() {
  const chunks: Uint8Array[] = [];
  const sink = {
    unread: 0,
    ended: 0,
    destroyed: [] as Error[],
    get writableLength() {
      return sink.unread;
    },
    write(bytes: Uint8Array) {
      chunks.push(bytes);
      sink.unread += bytes.byteLength;
    },
    end() {
      sink.ended++;
    },
    destroy(error: Error) {
      sink.destroyed.push(error);
    },
    text: () => new TextDecoder().decode(Buffer.concat(chunks)),
    chunks,
  };
  return sink satisfies SseSink;
}

describe("SseStream written to a sink (the node adapter's socket path)", () => {
  test("what was written before the sink came is flushed first, in order, then live frames", () => {
    const s = new SseStream({ keepAliveMs: 0 });
    s.write({ id: "s:1", event: "endpoint", data: "/messages?sessionId=s" });
    const sink = recordingSink();
    s.attachSink(sink);
    s.write({ id: "s:2", event: "message", data: "{}" });
    s.comment("keepalive");
    assert.equal(
      sink.text(),
      "id: s:1\nevent: endpoint\ndata: /messages?sessionId=s\n\nid: s:2\nevent: message\ndata: {}\n\n: keepalive\n\n",
    );
    s.close();
    assert.equal(sink.ended, 1);
    assert.equal(s.write({ id: "s:3", data: "late" }), false);
    assert.equal(sink.chunks.length, 3, "nothing written after the end");
  });

  test("a stream closed before the sink came ends it at once, after its frames", () => {
    let closed = 0;
    const s = new SseStream({ keepAliveMs: 0, onClose: () => closed++ });
    s.write({ id: "s:1", data: "a" });
    s.close();
    const sink = recordingSink();
    s.attachSink(sink);
    assert.equal(sink.text(), "id: s:1\ndata: a\n\n");
    assert.equal(sink.ended, 1);
    assert.equal(closed, 1);
  });

  test("what the socket has not taken counts against the bound: a slow client is dropped once", () => {
    let slow = 0;
    let closed = 0;
    const s = new SseStream({
      keepAliveMs: 0,
      maxBufferedBytes: 1000,
      onSlowClient: () => slow++,
      onClose: () => closed++,
    });
    const sink = recordingSink();
    s.attachSink(sink);
    let wrote = 0;
    while (s.write({ id: `s:${wrote}`, data: "y".repeat(100) })) wrote++;
    assert.ok(wrote >= 7 && wrote <= 10, `wrote ${wrote}`);
    assert.equal(slow, 1);
    assert.equal(closed, 1);
    assert.equal(sink.destroyed.length, 1);
    assert.match(sink.destroyed[0]?.message ?? "", /did not read 1000 buffered bytes/);
    assert.equal(sink.ended, 0, "dropped, not ended cleanly");
  });

  test("a socket that keeps up is never cut off, however much goes through it", () => {
    const s = new SseStream({ keepAliveMs: 0, maxBufferedBytes: 1000 });
    const sink = recordingSink();
    s.attachSink(sink);
    for (let i = 0; i < 100; i++) {
      assert.equal(s.write({ id: `s:${i}`, data: "y".repeat(100) }), true);
      sink.unread = 0; // the socket took it
    }
    assert.equal(sink.destroyed.length, 0);
  });

  test("the client leaving (abandon) ends the stream without ending the sink", () => {
    let closed = 0;
    const s = new SseStream({ keepAliveMs: 0, onClose: () => closed++ });
    const sink = recordingSink();
    s.attachSink(sink);
    s.abandon();
    assert.equal(closed, 1);
    assert.equal(s.write({ id: "s:1", data: "a" }), false);
    assert.equal(sink.chunks.length, 0);
  });

  test("an encoded frame goes to a sink as is and to a web reader as a copy", async () => {
    const bytes = encodeFrame({ id: "f.1", data: '{"n":1}' });
    const toSink = new SseStream({ keepAliveMs: 0 });
    const sink = recordingSink();
    toSink.attachSink(sink);
    toSink.writeEncoded(bytes);
    assert.equal(sink.chunks[0], bytes);
    const toWeb = new SseStream({ keepAliveMs: 0 });
    toWeb.writeEncoded(bytes);
    toWeb.close();
    assert.equal(await new Response(toWeb.body).text(), 'id: f.1\ndata: {"n":1}\n\n');
  });

  test("an encoded frame goes to a sink's writeShared when it has one; other frames to write", () => {
    const bytes = encodeFrame({ id: "f.1", data: '{"n":1}' });
    const sink = recordingSink();
    const shared: Uint8Array[] = [];
    const s = new SseStream({ keepAliveMs: 0, maxBufferedBytes: 64 });
    s.attachSink({
      ...sink,
      get writableLength() {
        return sink.unread;
      },
      writeShared(b: Uint8Array) {
        shared.push(b);
        sink.unread += b.byteLength;
      },
    });
    s.writeEncoded(bytes);
    s.comment("keepalive");
    assert.deepEqual(shared, [bytes], "the same bytes, given as shared");
    assert.equal(sink.text(), ": keepalive\n\n");
    // The bound counts what the shared writes left unread: the next one is too many bytes.
    assert.equal(s.writeEncoded(encodeFrame({ id: "f.2", data: "x".repeat(64) })), false);
    assert.equal(sink.destroyed.length, 1);
  });

  test("a sink that takes text gets each frame and comment as text, with its UTF-8 size", () => {
    const sink = recordingSink();
    const texts: Array<{ text: string; byteLength: number }> = [];
    const s = new SseStream({ keepAliveMs: 0, maxBufferedBytes: 200 });
    s.attachSink({
      ...sink,
      get writableLength() {
        return sink.unread;
      },
      writeText(text: string, byteLength: number) {
        texts.push({ text, byteLength });
        sink.unread += byteLength;
      },
    });
    s.write({ id: "s:1", event: "message", data: '{"t":"é ✓ 😀"}' });
    s.comment("keepalive");
    const frame = 'id: s:1\nevent: message\ndata: {"t":"é ✓ 😀"}\n\n';
    assert.deepEqual(texts, [
      { text: frame, byteLength: Buffer.byteLength(frame) },
      { text: ": keepalive\n\n", byteLength: 13 },
    ]);
    assert.equal(sink.chunks.length, 0, "nothing went through write");
    // The bound counts bytes, not chars: 200 - 60 unread leaves no room for 70 two-byte chars.
    sink.unread = 60;
    assert.equal(s.write({ id: "s:2", data: "é".repeat(70) }), false);
    assert.equal(sink.destroyed.length, 1);
    assert.equal(texts.length, 2, "the frame over the bound was not written");
  });

  test("writeEvent gives a text sink the frame encodeEvent makes, with its exact UTF-8 size", () => {
    const texts: Array<{ text: string; byteLength: number }> = [];
    const s = new SseStream({ keepAliveMs: 0 });
    s.attachSink({
      ...recordingSink(),
      writableLength: 0,
      writeText(text: string, byteLength: number) {
        texts.push({ text, byteLength });
      },
    });
    // Non-ASCII in every field, line breaks in data, a lone surrogate: each frame's size is
    // checked against the encoded text's own UTF-8 size (it frames the HTTP chunk).
    const cases: Array<[string, string | undefined, string]> = [
      ["s:1", "message", '{"t":"é ✓ 😀"}'],
      ["sé:2", "évent", "a\r\nb✓\rc\n😀"],
      ["s:3", undefined, "lone \ud800 surrogate\n"],
      ["s:4", undefined, ""],
    ];
    for (const [id, event, data] of cases) assert.equal(s.writeEvent(id, event, data), true);
    assert.deepEqual(
      texts.map((t) => t.text),
      cases.map(([id, event, data]) =>
        encodeEvent(event === undefined ? { id, data } : { id, event, data }),
      ),
    );
    for (const { text, byteLength } of texts) assert.equal(byteLength, Buffer.byteLength(text));
    s.close();
    assert.equal(s.writeEvent("s:5", "message", "{}"), false, "closed");
  });

  test("writeEvent checks its fields as write does, and reaches a bytes-only sink as bytes", () => {
    const sink = recordingSink();
    const s = new SseStream({ keepAliveMs: 0 });
    s.attachSink(sink);
    assert.throws(() => s.writeEvent("s:1\n", "message", "{}"), /SSE "id" field/);
    assert.throws(() => s.writeEvent("s:1", "a\rb", "{}"), /SSE "event" field/);
    assert.equal(s.writeEvent("s:1", "message", "{}"), true);
    assert.equal(sink.text(), "id: s:1\nevent: message\ndata: {}\n\n");
  });

  test("sseStreamOf finds the stream behind an unread body, and not once it is read", async () => {
    const s = new SseStream({ keepAliveMs: 0 });
    const response = new Response(s.body);
    assert.equal(sseStreamOf(response), s);
    assert.equal(sseStreamOf(new Response("x")), undefined);
    s.close();
    await response.text();
    assert.equal(sseStreamOf(response), undefined);
  });
});

describe("KeepAliveGroup: one timer for many streams", () => {
  const MS = 1000;

  test("every period, each open stream gets one keep-alive; closed ones leave the group", (t) => {
    t.mock.timers.enable({ apis: ["setInterval"] });
    const group = new KeepAliveGroup(MS);
    const sinks = [recordingSink(), recordingSink(), recordingSink()];
    const streams = sinks.map((sink) => {
      const s = new SseStream({ keepAlive: group });
      s.attachSink(sink);
      return s;
    });
    assert.equal(group.size, 3);
    t.mock.timers.tick(MS - 1);
    assert.deepEqual(
      sinks.map((sink) => sink.text()),
      ["", "", ""],
      "nothing before the period",
    );
    t.mock.timers.tick(1);
    assert.deepEqual(
      sinks.map((sink) => sink.text()),
      [": keepalive\n\n", ": keepalive\n\n", ": keepalive\n\n"],
    );
    streams[1]?.close();
    streams[2]?.abandon();
    assert.equal(group.size, 1);
    t.mock.timers.tick(MS);
    assert.equal(sinks[0]?.text(), ": keepalive\n\n: keepalive\n\n");
    assert.equal(sinks[1]?.text(), ": keepalive\n\n", "nothing after its close");
    assert.equal(sinks[2]?.text(), ": keepalive\n\n");
  });

  test("the timer stops with the last stream and starts again with the next one", (t) => {
    t.mock.timers.enable({ apis: ["setInterval"] });
    const setIntervalCalls = mock.method(globalThis, "setInterval");
    const clearIntervalCalls = mock.method(globalThis, "clearInterval");
    t.after(() => {
      setIntervalCalls.mock.restore();
      clearIntervalCalls.mock.restore();
    });
    const group = new KeepAliveGroup(MS);
    const a = new SseStream({ keepAlive: group });
    const b = new SseStream({ keepAlive: group });
    assert.equal(setIntervalCalls.mock.callCount(), 1, "one timer for both");
    a.close();
    assert.equal(clearIntervalCalls.mock.callCount(), 0);
    b.close();
    assert.equal(clearIntervalCalls.mock.callCount(), 1, "stopped with the last stream");
    const sink = recordingSink();
    const c = new SseStream({ keepAlive: group });
    c.attachSink(sink);
    assert.equal(setIntervalCalls.mock.callCount(), 2);
    t.mock.timers.tick(MS);
    assert.equal(sink.text(), ": keepalive\n\n");
    c.close();
  });

  test("a stream cut as too slow by its keep-alive leaves; the others still get theirs", (t) => {
    t.mock.timers.enable({ apis: ["setInterval"] });
    const group = new KeepAliveGroup(MS);
    const stalled = recordingSink();
    stalled.unread = 100; // what its socket has not taken
    const reading = recordingSink();
    const cut = new SseStream({ keepAlive: group, maxBufferedBytes: 105 });
    cut.attachSink(stalled);
    const kept = new SseStream({ keepAlive: group });
    kept.attachSink(reading);
    t.mock.timers.tick(MS);
    assert.equal(stalled.destroyed.length, 1);
    assert.equal(cut.closed, true);
    assert.equal(group.size, 1);
    assert.equal(reading.text(), ": keepalive\n\n");
    kept.close();
  });

  test("an interval of 0 writes nothing and runs no timer", (t) => {
    t.mock.timers.enable({ apis: ["setInterval"] });
    const group = new KeepAliveGroup(0);
    const sink = recordingSink();
    const s = new SseStream({ keepAlive: group });
    s.attachSink(sink);
    assert.equal(group.size, 0);
    t.mock.timers.tick(60_000);
    assert.equal(sink.text(), "");
    s.close();
  });
});
