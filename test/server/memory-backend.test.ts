import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isMcpSseError } from "../../src/errors.js";
import { DEFAULT_EVENT_LOG_BYTES } from "../../src/server/backends/memory.js";
import { createMemoryBackend, formatEventId, parseEventId } from "../../src/server/index.js";
import { SseStream } from "../../src/server/sse-stream.js";

describe("event ids", () => {
  test("round-trip <sessionId>:<seq>, and refuse what is not ours", () => {
    const id = formatEventId("0b3c-uuid", 42);
    assert.equal(id, "0b3c-uuid:42");
    assert.deepEqual(parseEventId(id), { sessionId: "0b3c-uuid", seq: 42 });
    for (const bad of ["", "42", ":1", "abc:", "abc:x1", "abc:1e3", "abc:-1"]) {
      assert.equal(parseEventId(bad), undefined, bad);
    }
  });
});

describe("memory backend", () => {
  test("sessions: create, get, delete", async () => {
    const b = createMemoryBackend();
    await b.createSession({
      id: "s1",
      transport: "sse",
      principalId: "p",
      createdAt: 1,
      owner: "local",
    });
    assert.equal((await b.getSession("s1"))?.principalId, "p");
    await b.deleteSession("s1");
    assert.equal(await b.getSession("s1"), undefined);
  });

  test("the log replays what came after an id, on that id's stream only", async () => {
    const b = createMemoryBackend();
    await b.createSession({
      id: "s",
      transport: "streamable",
      principalId: null,
      createdAt: 0,
      owner: "local",
    });
    const a1 = await b.append("s", "A", "a1");
    await b.append("s", "B", "b1");
    await b.append("s", "A", "a2");
    await b.append("s", "B", "b2");
    assert.equal(a1.id, "s:1");
    const after = await b.readAfter("s", a1.seq);
    assert.deepEqual(after.ok && after.entries.map((e) => e.data), ["a2"]);
    assert.equal(after.ok && after.stream, "A");
    const fromStart = await b.readAfter("s", 0, "B");
    assert.deepEqual(fromStart.ok && fromStart.entries.map((e) => e.data), ["b1", "b2"]);
  });

  test("a bounded log evicts the oldest, counts it, and reports the gap", async () => {
    let evicted = 0;
    const b = createMemoryBackend({ eventLogSize: 3, onEvict: (_s, n) => (evicted += n) });
    await b.createSession({
      id: "s",
      transport: "sse",
      principalId: null,
      createdAt: 0,
      owner: "local",
    });
    for (let i = 1; i <= 10; i++) await b.append("s", "sse", `m${i}`);
    assert.equal(evicted, 7);
    const ok = await b.readAfter("s", 7, "sse");
    assert.deepEqual(ok.ok && ok.entries.map((e) => e.seq), [8, 9, 10]);
    const gap = await b.readAfter("s", 2, "sse");
    assert.equal(gap.ok, false);
    assert.ok(!gap.ok && gap.reason === "evicted" && gap.oldestSeq === 8);
    assert.deepEqual(
      !gap.ok && gap.reason === "evicted" && gap.entries.map((e) => e.seq),
      [8, 9, 10],
    );
    const future = await b.readAfter("s", 99, "sse");
    assert.ok(!future.ok && future.reason === "unknown");
  });

  test("a log bounded by eventLogBytes evicts the oldest and reports the gap", async () => {
    assert.equal(DEFAULT_EVENT_LOG_BYTES, 8 * 1024 * 1024);
    let evicted = 0;
    const b = createMemoryBackend({
      eventLogSize: 1000,
      eventLogBytes: 1000,
      onEvict: (_id, n) => {
        evicted += n;
      },
    });
    await b.createSession({
      id: "s",
      transport: "sse",
      principalId: null,
      createdAt: 0,
      owner: "local",
    });
    for (let i = 0; i < 10; i++) await b.append("s", "sse", "é".repeat(150)); // 300 bytes
    // 300 data bytes + 3-4 id bytes each: three fit in 1000 bytes, seven were evicted.
    assert.equal(evicted, 7);
    const gap = await b.readAfter("s", 1);
    assert.ok(!gap.ok && gap.reason === "evicted");
    assert.equal(gap.oldestSeq, 8);
    assert.deepEqual(
      gap.entries.map((e) => e.seq),
      [8, 9, 10],
    );
    const fine = await b.readAfter("s", 8);
    assert.ok(fine.ok);
    assert.deepEqual(
      fine.entries.map((e) => e.seq),
      [9, 10],
    );
  });

  test("one event larger than eventLogBytes is not kept: asking for it is a gap, not silence", async () => {
    const b = createMemoryBackend({ eventLogBytes: 100 });
    await b.createSession({
      id: "s",
      transport: "sse",
      principalId: null,
      createdAt: 0,
      owner: "local",
    });
    await b.append("s", "sse", "small");
    await b.append("s", "sse", "x".repeat(500));
    const result = await b.readAfter("s", 1);
    assert.ok(!result.ok && result.reason === "evicted");
    assert.deepEqual(result.entries, []);
  });

  test("append on an unknown (closed) session rejects with SERVER_SESSION_CLOSED", async () => {
    const b = createMemoryBackend();
    await b.createSession({
      id: "s",
      transport: "sse",
      principalId: null,
      createdAt: 0,
      owner: "local",
    });
    await b.append("s", "sse", "{}");
    await b.deleteSession("s");
    await assert.rejects(b.append("s", "sse", "{}"), (e) =>
      isMcpSseError(e, "SERVER_SESSION_CLOSED"),
    );
    assert.deepEqual(await b.readAfter("s", 0), { ok: false, reason: "unknown" });
  });

  test("memory stays bounded over many appends (compaction)", async () => {
    const b = createMemoryBackend({ eventLogSize: 10 });
    await b.createSession({
      id: "s",
      transport: "sse",
      principalId: null,
      createdAt: 0,
      owner: "local",
    });
    for (let i = 0; i < 10_000; i++) await b.append("s", "sse", "x");
    const r = await b.readAfter("s", 9_990, "sse");
    assert.deepEqual(
      r.ok && r.entries.map((e) => e.seq),
      [9_991, 9_992, 9_993, 9_994, 9_995, 9_996, 9_997, 9_998, 9_999, 10_000],
    );
  });

  test("after evictions and compaction, events keep their ids, streams and data", async () => {
    const b = createMemoryBackend({ eventLogSize: 4 });
    await b.createSession({
      id: "s",
      transport: "streamable",
      principalId: null,
      createdAt: 0,
      owner: "local",
    });
    const appended = [];
    for (let i = 1; i <= 23; i++)
      appended.push(await b.append("s", i % 2 ? "odd" : "even", `d${i}`));
    assert.deepEqual(appended.at(-1), { id: "s:23", seq: 23, stream: "odd", data: "d23" });
    // The stream of an id is found from the id alone while its event is held.
    const odd = await b.readAfter("s", 21);
    assert.deepEqual(odd, {
      ok: true,
      stream: "odd",
      entries: [{ id: "s:23", seq: 23, stream: "odd", data: "d23" }],
    });
    const even = await b.readAfter("s", 20, "even");
    assert.deepEqual(even.ok && even.entries.map((e) => e.id), ["s:22"]);
    const gap = await b.readAfter("s", 18, "odd");
    assert.ok(!gap.ok && gap.reason === "evicted" && gap.oldestSeq === 20);
    assert.deepEqual(
      gap.entries.map((e) => e.data),
      ["d21", "d23"],
    );
  });

  test("send reaches this replica's handler only (one process: no other replica listens)", async () => {
    const b = createMemoryBackend();
    const got: string[] = [];
    assert.equal(await b.send(b.replicaId, "before"), false, "no handler yet");
    b.onMessage((m) => got.push(m));
    assert.equal(await b.send(b.replicaId, "one"), true);
    assert.equal(await b.send("another-replica", "nope"), false);
    await b.close();
    assert.equal(await b.send(b.replicaId, "two"), false, "closed");
    assert.deepEqual(got, ["one"]);
  });
});

describe("SseStream", () => {
  test("writes frames through the encoder and refuses CR/LF in ids", async () => {
    const s = new SseStream({ keepAliveMs: 0 });
    s.write({ id: "s:1", event: "message", data: '{"a":1}' });
    assert.throws(() => s.write({ id: "bad\nid", data: "x" }), /must not contain CR, LF or NUL/);
    s.close();
    const text = await new Response(s.body).text();
    assert.equal(text, 'id: s:1\nevent: message\ndata: {"a":1}\n\n');
  });

  test("a reader that does not drain the bound is cut off, once, and writes then fail", async () => {
    let slow = 0;
    let closed = 0;
    const s = new SseStream({
      keepAliveMs: 0,
      maxBufferedBytes: 1000,
      onSlowClient: () => slow++,
      onClose: () => closed++,
    });
    let wrote = 0;
    while (s.write({ id: `s:${wrote}`, data: "y".repeat(100) })) wrote++;
    assert.ok(wrote >= 7 && wrote <= 10, `wrote ${wrote}`);
    assert.equal(slow, 1);
    assert.equal(closed, 1);
    assert.equal(s.write({ id: "s:x", data: "z" }), false);
    await assert.rejects(new Response(s.body).text(), /did not read/);
  });
});
