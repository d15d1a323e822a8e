import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { connectMcps, type McpsEvent, type McpsManager } from "../../src/client/index.js";
import { encrypt, generateKey } from "../../src/fernet/index.js";
import { createDemoServer } from "../../src/server/demo.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";
import { waitFor } from "../helpers/wait-for.js";

/** Tokens made by Python's cryptography.fernet (shared vectors, beside the repo). */
const FERNET_VECTORS = JSON.parse(
  readFileSync(new URL("../../../shared/vectors/fernet.json", import.meta.url), "utf8"),
) as { valid: { secret: string; token: string; plaintext: string }[] };

/** Take events from an iterator until `count` arrived (bounded by `ms`). */
async function take<T>(
  iterator: AsyncIterableIterator<T>,
  count: number,
  ms = 10_000,
): Promise<T[]> {
  const out: T[] = [];
  const timer = setTimeout(() => void iterator.return?.(), ms);
  try {
    for await (const item of iterator) {
      out.push(item);
      if (out.length >= count) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

describe("events: demo data_update, filters, batching, slow handlers, fernet", () => {
  let demo: Fixture;
  let plain: Fixture;
  let mcps: McpsManager;
  const key = generateKey();

  before(async () => {
    demo = await startFixture({ createServer: () => createDemoServer({ intervalMs: 20 }) });
    plain = await startFixture();
    mcps = await connectMcps({
      mcps: [
        { name: "demo", transport: "streamable-http", url: demo.url, timeout: 5 },
        {
          name: "plain",
          transport: "streamable-http",
          url: plain.url,
          timeout: 5,
          encryption_key: key,
        },
      ],
    });
  });
  after(async () => {
    await mcps?.close();
    await demo?.close();
    await plain?.close();
  });

  it("delivers the demo server's data_update events with their data, filtered by server and type", async () => {
    await mcps.call("demo", "realtime_monitor", { stream_id: "s-1" });
    const events = await take(mcps.events({ server: "demo", type: "data_update" }), 5);
    assert.equal(events.length, 5);
    for (const ev of events) {
      assert.equal(ev.server, "demo");
      assert.equal(ev.type, "data_update");
      const data = ev.data as { event: string; payload: { value: number; seq: number } };
      assert.equal(data.event, "data_update");
      assert.equal(typeof data.payload.value, "number");
      assert.equal(typeof ev.receivedAt, "number");
      assert.equal(ev.level, "info");
    }
    const seqs = events.map((e) => (e.data as { payload: { seq: number } }).payload.seq);
    assert.deepEqual(
      seqs,
      seqs.map((_, i) => (seqs[0] as number) + i),
      "in order, none missing",
    );
    const later = await take(
      mcps.events({
        type: "data_update",
        filter: (e) => (e.data as { payload: { stream_id?: string } }).payload.stream_id === "s-1",
      }),
      1,
    );
    assert.equal(
      (later[0]?.data as { payload: { stream_id?: string } } | undefined)?.payload.stream_id,
      "s-1",
    );
  });

  it("minLevel drops log events below it; other servers' events are not mixed in", async () => {
    const iterator = mcps.events({ server: "plain", minLevel: "warning" });
    await plain.broadcast({ note: "quiet" }, "debug");
    await plain.broadcast({ note: "loud" }, "error");
    const [ev] = await take(iterator, 1);
    assert.equal(ev?.type, "log");
    assert.equal(ev?.level, "error");
    assert.deepEqual((ev?.data as { data: unknown } | undefined)?.data, { note: "loud" });
  });

  it("batches events into arrays by size", async () => {
    const batches = await take(
      mcps.events({ server: "demo", type: "data_update", batch: { size: 3 } }),
      2,
    );
    assert.equal(batches.length, 2);
    for (const batch of batches) {
      assert.ok(Array.isArray(batch));
      assert.equal(batch.length, 3);
    }
  });

  it("batches by time: a partial batch is flushed after ms", async () => {
    const iterator = mcps.events({ server: "plain", type: "tick", batch: { size: 100, ms: 50 } });
    await plain.broadcast({ event: "tick", n: 1 });
    await plain.broadcast({ event: "tick", n: 2 });
    const [batch] = await take(iterator, 1);
    assert.ok(batch && batch.length >= 1 && batch.length <= 2);
    assert.equal((batch[0]?.data as { n: number } | undefined)?.n, 1);
  });

  it("a slow handler drops its oldest events (counted) and never blocks other subscribers", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: number[] = [];
    const droppedBefore = mcps.metrics().servers["plain"]?.eventsDropped ?? 0;
    const off = mcps.on(
      "burst",
      async (ev) => {
        seen.push((ev.data as { n: number }).n);
        await gate;
      },
      { queueSize: 2 },
    );
    const fast = mcps.events({ server: "plain", type: "burst" });
    for (let n = 1; n <= 20; n += 1) await plain.broadcast({ event: "burst", n });
    const all = await take(fast, 20);
    assert.deepEqual(
      all.map((e) => (e.data as { n: number }).n),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    const dropped = (mcps.metrics().servers["plain"]?.eventsDropped ?? 0) - droppedBefore;
    assert.ok(dropped >= 17, `expected >= 17 dropped, got ${dropped}`);
    release();
    await waitFor(() => seen.includes(20), { timeout: 10_000 });
    assert.equal(seen.at(-1), 20, "the newest event is kept");
    assert.ok(seen.length <= 3, "the handler saw only what its queue held");
    off();
  });

  it("on('*') and on(type) handlers receive events; unsubscribe stops them", async () => {
    const got: McpsEvent[] = [];
    const off = mcps.on("ping_evt", (ev) => {
      got.push(ev);
    });
    await plain.broadcast({ event: "ping_evt", n: 1 });
    await waitFor(() => got.length === 1, { timeout: 10_000 });
    off();
    await plain.broadcast({ event: "ping_evt", n: 2 });
    await plain.broadcast({ event: "after_off" });
    await take(mcps.events({ type: "after_off" }), 0);
    assert.equal(got.length, 1);
  });

  it("decrypts fernet encrypted_payload events; a bad token is an error event, no plaintext", async () => {
    const iterator = mcps.events({ server: "plain", type: ["secret", "error"] });
    const token = await encrypt(JSON.stringify({ temperature: 21.5 }), key);
    await plain.broadcast({ event: "secret", encrypted_payload: token });
    await plain.broadcast({ event: "secret", encrypted_payload: `${token.slice(0, -4)}AAAA` });
    const [good, bad] = await take(iterator, 2);
    assert.equal(good?.type, "secret");
    assert.deepEqual(good?.data, { event: "secret", payload: { temperature: 21.5 } });
    assert.equal(bad?.type, "error");
    const data = bad?.data as { code: string; message: string };
    assert.equal(data.code, "CLIENT_EVENT_DECRYPT");
    assert.doesNotMatch(JSON.stringify(bad), /temperature/);
  });

  it("decrypts tokens made by Python's cryptography.fernet (shared vectors)", async () => {
    const vector = FERNET_VECTORS.valid[0];
    assert.ok(vector);
    const local = await connectMcps({
      mcps: [
        { name: "py", transport: "streamable-http", url: plain.url, encryption_key: vector.secret },
      ],
    });
    try {
      const iterator = local.events({ server: "py", type: ["py_event", "error"] });
      await plain.broadcast({ event: "py_event", encrypted_payload: vector.token });
      const [ev] = await take(iterator, 1);
      assert.equal(ev?.type, "py_event");
      assert.deepEqual(
        ev?.data,
        { event: "py_event", payload: vector.plaintext },
        "non-JSON plaintext is delivered as a string in payload",
      );
    } finally {
      await local.close();
    }
  });

  it("Python-made feed events over a real server: raw and base64-wrapped tokens decrypt into payload, the tampered one is an error event", async () => {
    const feed = JSON.parse(
      readFileSync(new URL("../fixtures/fernet-feed.json", import.meta.url), "utf8"),
    ) as { key: string; payload: unknown; events: Record<string, Record<string, unknown>> };
    const local = await connectMcps({
      mcps: [
        { name: "py", transport: "streamable-http", url: plain.url, encryption_key: feed.key },
      ],
    });
    try {
      const iterator = local.events({ server: "py", type: ["data_update", "error"] });
      for (const name of ["raw", "base64", "tampered"]) await plain.broadcast(feed.events[name]);
      const [raw, wrapped, bad] = await take(iterator, 3);
      for (const ev of [raw, wrapped]) {
        const data = ev?.data as Record<string, unknown>;
        assert.equal(ev?.type, "data_update");
        assert.deepEqual(data["payload"], feed.payload);
        assert.equal(data["priority"], 7);
        assert.equal("encrypted_payload" in data, false);
      }
      assert.equal(bad?.type, "error");
      assert.equal((bad?.data as { code?: string } | undefined)?.code, "CLIENT_EVENT_DECRYPT");
    } finally {
      await local.close();
    }
  });

  it("tools/list_changed becomes an event, refreshes the tool list, then tools_updated says it is in place", async () => {
    const iterator = mcps.events({
      server: "plain",
      type: ["tools_list_changed", "tools_updated"],
    });
    plain.addTool("late_tool");
    const [ev, updated] = await take(iterator, 2);
    assert.equal(ev?.type, "tools_list_changed");
    assert.equal(updated?.type, "tools_updated");
    assert.equal(
      (updated?.data as { tools?: string[] } | undefined)?.tools?.includes("late_tool"),
      true,
    );
    // By the time tools_updated is delivered, tools() already lists the new tool.
    assert.equal(
      mcps.tools().some((t) => t.qualifiedName === "plain__late_tool"),
      true,
    );
    const result = await mcps.call("plain", "late_tool", {});
    assert.deepEqual(result.content, [{ type: "text", text: "late_tool" }]);
  });

  it("aborting options.signal closes the manager", async () => {
    const controller = new AbortController();
    const local = await connectMcps(
      { mcps: [{ name: "p", transport: "streamable-http", url: plain.url }] },
      { signal: controller.signal },
    );
    assert.equal(local.servers()[0]?.state, "ready");
    controller.abort();
    await waitFor(() => local.servers()[0]?.state === "closed", { timeout: 10_000 });
    await local.close();
  });

  it("events() iterators end when the manager closes", async () => {
    const local = await connectMcps({
      mcps: [{ name: "p", transport: "streamable-http", url: plain.url }],
    });
    const iterator = local.events();
    const pending = (async () => {
      const types: string[] = [];
      for await (const ev of iterator) types.push(ev.type);
      return types;
    })();
    await local.close();
    const types = await pending;
    assert.ok(types.includes("state"), "the closed state event was delivered before the end");
  });
});
