import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import {
  createDemoServer,
  DATA_UPDATE_EVENT,
  type DataUpdateEvent,
  type DemoServerOptions,
} from "../../src/server/demo.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A demo server and an SDK v2 client over an in-memory pair, recording every log event. */
async function connect(options: DemoServerOptions = {}) {
  const server = createDemoServer({ intervalMs: 20, ...options });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: "demo-test", version: "1.0.0" });
  const events: DataUpdateEvent[] = [];
  const loggers: Array<string | undefined> = [];
  client.setNotificationHandler("notifications/message", (n) => {
    loggers.push(n.params.logger);
    events.push(n.params.data as DataUpdateEvent);
  });
  await server.connect(serverSide);
  await client.connect(clientSide);
  return { server, client, events, loggers };
}

/** Wait (bounded) until `events` holds at least `n` entries. */
async function waitForEvents(events: unknown[], n: number): Promise<void> {
  const until = Date.now() + 10_000;
  while (events.length < n) {
    if (Date.now() > until) assert.fail(`expected ${n} events, got ${events.length}`);
    await sleep(10);
  }
}

function text(result: { content?: unknown }): string {
  const [first] = result.content as Array<{ type: string; text: string }>;
  return first?.text ?? "";
}

describe("demo server", () => {
  test("lists the seed's two tools with their required arguments", async () => {
    const { client } = await connect({ intervalMs: 0 });
    try {
      const { tools } = await client.listTools();
      const byName = new Map(tools.map((t) => [t.name, t]));
      assert.deepEqual([...byName.keys()].sort(), ["realtime_monitor", "weather_monitor"]);
      assert.deepEqual(byName.get("realtime_monitor")?.inputSchema.required, ["stream_id"]);
      assert.deepEqual(byName.get("weather_monitor")?.inputSchema.required, ["location"]);
    } finally {
      await client.close();
    }
  });

  test("tools answer with what they started monitoring; bad arguments are a tool error", async () => {
    const { client } = await connect({ intervalMs: 0 });
    try {
      const stream = await client.callTool({
        name: "realtime_monitor",
        arguments: { stream_id: "btc-usd" },
      });
      assert.equal(text(stream), "Started monitoring stream: btc-usd");
      const weather = await client.callTool({
        name: "weather_monitor",
        arguments: { location: "Paris" },
      });
      assert.equal(text(weather), "Started monitoring weather for: Paris");
      const bad = await client.callTool({ name: "realtime_monitor", arguments: {} });
      assert.equal(bad.isError, true);
    } finally {
      await client.close();
    }
  });

  test("every session gets data_update logging notifications, numbered and timestamped", async () => {
    let n = 0;
    const { client, events, loggers } = await connect({
      nextValue: () => ++n * 1.5,
      now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
    });
    try {
      await waitForEvents(events, 3);
      assert.deepEqual(
        events.slice(0, 3).map((e) => [e.event, e.payload.seq, e.payload.value, e.timestamp]),
        [
          [DATA_UPDATE_EVENT, 1, 1.5, "2026-01-02T03:04:05.000Z"],
          [DATA_UPDATE_EVENT, 2, 3, "2026-01-02T03:04:05.000Z"],
          [DATA_UPDATE_EVENT, 3, 4.5, "2026-01-02T03:04:05.000Z"],
        ],
      );
      assert.ok(loggers.every((l) => l === DATA_UPDATE_EVENT));
      assert.equal(events[0]?.payload.stream_id, undefined, "nothing monitored yet");
      assert.deepEqual(events[0]?.payload.monitoring, { stream_ids: [], locations: [] });
    } finally {
      await client.close();
    }
  });

  test("once a session monitors something, its updates carry the ids; other sessions stay apart", async () => {
    const a = await connect();
    const b = await connect();
    try {
      await a.client.callTool({ name: "realtime_monitor", arguments: { stream_id: "s-1" } });
      await a.client.callTool({ name: "weather_monitor", arguments: { location: "Oslo" } });
      const from = a.events.length;
      await waitForEvents(a.events, from + 1);
      const last = a.events.at(-1);
      assert.equal(last?.payload.stream_id, "s-1");
      assert.equal(last?.payload.location, "Oslo");
      assert.deepEqual(last?.payload.monitoring, { stream_ids: ["s-1"], locations: ["Oslo"] });

      await waitForEvents(b.events, 2);
      assert.ok(
        b.events.every(
          (e) => e.payload.stream_id === undefined && e.payload.location === undefined,
        ),
      );
    } finally {
      await a.client.close();
      await b.client.close();
    }
  });

  test("events stop when the session closes (no timer outlives it)", async () => {
    const { server, client, events } = await connect({ intervalMs: 10 });
    await waitForEvents(events, 2);
    await client.close();
    assert.equal(server.isConnected(), false);
    const count = events.length;
    await sleep(100);
    assert.equal(events.length, count, "no event after close");
  });

  test("a client that sets its log level above info stops receiving data_update", async () => {
    const { client, events } = await connect({ intervalMs: 10 });
    try {
      await waitForEvents(events, 1);
      await client.setLoggingLevel("warning");
      const count = events.length;
      await sleep(100);
      assert.equal(events.length, count, "no info-level event after setLevel warning");
      await client.setLoggingLevel("debug");
      await waitForEvents(events, count + 1);
    } finally {
      await client.close();
    }
  });

  test("intervalMs 0 disables the live events", async () => {
    const { client, events } = await connect({ intervalMs: 0 });
    try {
      await client.ping();
      await sleep(80);
      assert.equal(events.length, 0);
    } finally {
      await client.close();
    }
  });
});
