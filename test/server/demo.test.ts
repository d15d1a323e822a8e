import assert from "node:assert/strict";
import { afterEach, describe, mock, test } from "node:test";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import {
  createDemoServer,
  DATA_UPDATE_EVENT,
  type DataUpdateEvent,
  type DemoServerOptions,
} from "../../src/server/demo.js";
import { flushQueuedWork, waitFor } from "../helpers/wait-for.js";

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
      await waitFor(() => events.length >= 3, { timeout: 10_000 });
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
      await waitFor(() => a.events.length >= from + 1, { timeout: 10_000 });
      const last = a.events.at(-1);
      assert.equal(last?.payload.stream_id, "s-1");
      assert.equal(last?.payload.location, "Oslo");
      assert.deepEqual(last?.payload.monitoring, { stream_ids: ["s-1"], locations: ["Oslo"] });

      await waitFor(() => b.events.length >= 2, { timeout: 10_000 });
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

  // The live events run on the demo's interval: fake it, and tick it.
  afterEach(() => mock.timers.reset());

  test("events stop when the session closes (no timer outlives it)", async () => {
    mock.timers.enable({ apis: ["setInterval"] });
    const { server, client, events } = await connect({ intervalMs: 10 });
    mock.timers.tick(20);
    await waitFor(() => events.length >= 2, { message: "two events on the fake interval" });
    await client.close();
    assert.equal(server.isConnected(), false);
    const count = events.length;
    mock.timers.tick(10_000);
    await flushQueuedWork();
    assert.equal(events.length, count, "no event after close");
  });

  test("a client that sets its log level above info stops receiving data_update", async () => {
    mock.timers.enable({ apis: ["setInterval"] });
    const { client, events } = await connect({ intervalMs: 10 });
    try {
      mock.timers.tick(10);
      await waitFor(() => events.length >= 1, { message: "a first event" });
      await client.setLoggingLevel("warning");
      const count = events.length;
      mock.timers.tick(10_000);
      // A round trip after the ticks: what they sent arrived before its answer.
      await client.ping();
      assert.equal(events.length, count, "no info-level event after setLevel warning");
      await client.setLoggingLevel("debug");
      mock.timers.tick(10);
      await waitFor(() => events.length >= count + 1, { message: "events again at debug" });
    } finally {
      await client.close();
    }
  });

  test("intervalMs 0 disables the live events", async () => {
    mock.timers.enable({ apis: ["setInterval"] });
    const { client, events } = await connect({ intervalMs: 0 });
    try {
      mock.timers.tick(60_000);
      await client.ping();
      assert.equal(events.length, 0);
    } finally {
      await client.close();
    }
  });
});
