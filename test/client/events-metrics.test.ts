import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { EventBus } from "../../src/client/event-queue.js";
import type { McpsEvent } from "../../src/client/events.js";
import { connectMcps } from "../../src/client/index.js";
import { ServerMetrics, slowHandlerReport } from "../../src/client/metrics.js";
import type { Logger } from "../../src/logger.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";
import { waitFor } from "../helpers/wait-for.js";

/** A clock the test moves by hand. */
function manualClock(start = 1000) {
  let now = start;
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

const event = (extra: Partial<McpsEvent> = {}): McpsEvent => ({
  server: "feed",
  type: "data_update",
  data: { event: "data_update", id: "9" },
  receivedAt: 0,
  ...extra,
});

describe("metrics: connection duration and handler times (the guide's connection metrics)", () => {
  it("connectionMs is the current connection, connectedTotalMs adds the ended ones", () => {
    const clock = manualClock();
    const metrics = new ServerMetrics(16, clock.now);
    assert.equal(metrics.snapshot("connecting", undefined).connectionMs, 0);
    metrics.recordState("ready");
    clock.advance(1500);
    let snap = metrics.snapshot("ready", 0);
    assert.equal(snap.connectionMs, 1500);
    assert.equal(snap.connectedTotalMs, 1500);
    metrics.recordState("reconnecting");
    clock.advance(700); // not connected: counts nowhere
    snap = metrics.snapshot("reconnecting", undefined);
    assert.equal(snap.connectionMs, 0);
    assert.equal(snap.connectedTotalMs, 1500);
    metrics.recordState("ready");
    clock.advance(250);
    snap = metrics.snapshot("ready", 0);
    assert.equal(snap.connectionMs, 250);
    assert.equal(snap.connectedTotalMs, 1750);
  });

  it("handler min/avg/max/total/count, and slow ones counted", () => {
    const metrics = new ServerMetrics();
    assert.deepEqual(metrics.snapshot("ready", undefined).handlers, {
      count: 0,
      totalMs: 0,
      minMs: 0,
      avgMs: 0,
      maxMs: 0,
      slow: 0,
    });
    metrics.recordHandler(2);
    metrics.recordHandler(10, true);
    metrics.recordHandler(3);
    assert.deepEqual(metrics.snapshot("ready", undefined).handlers, {
      count: 3,
      totalMs: 15,
      minMs: 2,
      avgMs: 5,
      maxMs: 10,
      slow: 1,
    });
  });

  it("the EventBus times handlers with the clock it is given", async () => {
    const clock = manualClock();
    const times: number[] = [];
    const bus = new EventBus({ onHandlerTime: (_e, ms) => times.push(ms) }, clock.now);
    bus.subscribe(() => clock.advance(42));
    bus.publish(event());
    await waitFor(() => times.length === 1, { message: "the handler ran" });
    assert.deepEqual(times, [42]);
    bus.close();
  });

  it("slowHandlerReport names the type and the id (SSE id, else the event's id field); 0 disables", () => {
    const report = slowHandlerReport(event(), 1500.4, 1000);
    assert.ok(report);
    assert.match(report.message, /1500 ms for a "data_update" event \(id 9\) of server "feed"/);
    assert.deepEqual(report.fields, {
      server: "feed",
      type: "data_update",
      id: "9",
      ms: 1500,
      slowHandlerMs: 1000,
    });
    assert.equal(slowHandlerReport(event({ id: "sse-3" }), 2000, 1000)?.fields["id"], "sse-3");
    assert.match(slowHandlerReport(event({ data: "x" }), 2000, 1000)?.message ?? "", /without id/);
    assert.equal(slowHandlerReport(event(), 1000, 1000), undefined, "at the limit is not slow");
    assert.equal(slowHandlerReport(event(), 9e9, 0), undefined, "0 disables");
  });
});

describe("metrics: per server through connectMcps against a real server", () => {
  let plain: Fixture;
  before(async () => {
    plain = await startFixture();
  });
  after(async () => {
    await plain?.close();
  });

  it("a handler slower than slow_handler_ms is a warn log naming the event; metrics show it", async () => {
    const clock = manualClock();
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    // A real logger's interface, recording warnings (child loggers share the record).
    const logger: Logger = {
      debug: () => {},
      info: () => {},
      warn: (fields, message) => {
        if (typeof fields === "object")
          warnings.push({ fields: fields as Record<string, unknown>, message: message ?? "" });
      },
      error: () => {},
      child: () => logger,
    };
    const mcps = await connectMcps(
      {
        mcps: [{ name: "p", transport: "streamable-http", url: plain.url, slow_handler_ms: 100 }],
      },
      { logger, clock: clock.now },
    );
    try {
      const handled: string[] = [];
      mcps.on("data_update", (ev) => {
        const data = ev.data as { id: string; cost: number };
        clock.advance(data.cost);
        handled.push(data.id);
      });
      await waitFor(
        async () => {
          await plain.broadcast({ event: "data_update", id: "fast-1", cost: 5 });
          return handled.length > 0;
        },
        { interval: 50, message: "the stream delivers" },
      );
      await plain.broadcast({ event: "data_update", id: "slow-7", cost: 250 });
      await waitFor(() => handled.includes("slow-7"), { message: "the slow event was handled" });
      const slow = warnings.filter((w) => /slow event handler/.test(w.message));
      assert.equal(slow.length, 1, JSON.stringify(warnings));
      assert.match(slow[0]?.message ?? "", /250 ms for a "data_update" event \(id slow-7\)/);
      assert.equal(slow[0]?.fields["server"], "p");
      clock.advance(60_000);
      const metrics = mcps.metrics().servers["p"];
      assert.ok(metrics);
      assert.equal(metrics.handlers.slow, 1);
      assert.equal(metrics.handlers.maxMs, 250);
      assert.equal(metrics.handlers.minMs, 5);
      assert.ok(metrics.eventsReceived >= 2);
      assert.ok(metrics.connectionMs >= 60_000, `connectionMs ${metrics.connectionMs}`);
      assert.equal(metrics.connectedTotalMs, metrics.connectionMs);
    } finally {
      await mcps.close();
    }
  });
});
