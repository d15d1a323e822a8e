import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { reconnectDelay } from "../../src/client/connection.js";
import { EventBus } from "../../src/client/event-queue.js";
import { type McpsEvent, matchesFilter, notificationToEvent } from "../../src/client/events.js";
import { ServerMetrics } from "../../src/client/metrics.js";
import { canTransition, TRANSITIONS } from "../../src/client/state.js";
import { waitFor } from "../helpers/wait-for.js";

const ev = (n: number, extra: Partial<McpsEvent> = {}): McpsEvent => ({
  server: "s",
  type: "t",
  data: { n },
  receivedAt: 0,
  ...extra,
});

describe("notificationToEvent", () => {
  it("maps a logging notification with data.event to an event of that type", () => {
    const e = notificationToEvent("demo", {
      method: "notifications/message",
      params: { level: "info", logger: "data_update", data: { event: "data_update", value: 3 } },
    });
    assert.equal(e.type, "data_update");
    assert.deepEqual(e.data, { event: "data_update", value: 3 });
    assert.equal(e.level, "info");
  });
  it("keeps other logging notifications as `log` with level, logger and data", () => {
    const e = notificationToEvent("s", {
      method: "notifications/message",
      params: { level: "warning", data: "disk" },
    });
    assert.equal(e.type, "log");
    assert.deepEqual(e.data, { level: "warning", data: "disk" });
  });
  it("names the standard notifications and strips _meta", () => {
    const cases: [string, string][] = [
      ["notifications/progress", "progress"],
      ["notifications/resources/updated", "resource_updated"],
      ["notifications/resources/list_changed", "resources_list_changed"],
      ["notifications/tools/list_changed", "tools_list_changed"],
      ["notifications/prompts/list_changed", "prompts_list_changed"],
      ["notifications/custom", "notifications/custom"],
    ];
    for (const [method, type] of cases) {
      const e = notificationToEvent("s", { method, params: { _meta: { x: 1 }, uri: "u" } });
      assert.equal(e.type, type);
      assert.deepEqual(e.data, { uri: "u" });
    }
  });
});

describe("matchesFilter", () => {
  it("filters by server, type lists, minimum level and predicate", () => {
    const e = ev(1, { server: "a", type: "log", level: "warning" });
    assert.ok(matchesFilter(e, {}));
    assert.ok(matchesFilter(e, { server: ["b", "a"], type: "log" }));
    assert.ok(!matchesFilter(e, { server: "b" }));
    assert.ok(!matchesFilter(e, { type: ["x", "y"] }));
    assert.ok(matchesFilter(e, { minLevel: "warning" }));
    assert.ok(!matchesFilter(e, { minLevel: "error" }));
    assert.ok(matchesFilter(ev(1), { minLevel: "emergency" }), "events without a level pass");
    assert.ok(!matchesFilter(e, { filter: () => false }));
  });
  it("minPriority drops events whose data.priority is below it; missing or non-number counts as 0", () => {
    const p = (priority: unknown) => ev(1, { data: { event: "data_update", priority } });
    assert.ok(matchesFilter(p(7), { minPriority: 7 }));
    assert.ok(matchesFilter(p(9.5), { minPriority: 7 }));
    assert.ok(!matchesFilter(p(6), { minPriority: 7 }));
    assert.ok(!matchesFilter(p("9"), { minPriority: 1 }), "a string is not a priority");
    assert.ok(!matchesFilter(ev(1), { minPriority: 1 }), "no priority counts as 0");
    assert.ok(matchesFilter(ev(1), { minPriority: 0 }));
    assert.ok(matchesFilter(p(-3), { minPriority: -5 }));
    assert.ok(!matchesFilter(ev(1, { data: "text" }), { minPriority: 0.5 }));
  });
});

describe("EventBus", () => {
  it("hold(): a subscriber created before release() gets the held events that match its filter, in order, then live ones", async () => {
    const startupDrops: number[] = [];
    const bus = new EventBus({
      onStartupDrop: (e) => startupDrops.push((e.data as { n: number }).n),
    });
    bus.hold(3);
    for (let n = 1; n <= 5; n += 1) bus.publish(ev(n, { type: n % 2 === 0 ? "even" : "odd" }));
    assert.deepEqual(startupDrops, [1, 2], "bounded: the oldest beyond 3 are dropped and reported");
    assert.equal(bus.heldCount, 3);
    const odd = bus.iterate({ type: "odd" });
    const all: number[] = [];
    bus.subscribe((e) => void all.push((e.data as { n: number }).n));
    bus.publish(ev(6, { type: "even" }));
    bus.publish(ev(7, { type: "odd" }));
    bus.release();
    assert.equal(bus.heldCount, 0);
    const late = bus.iterate();
    bus.publish(ev(8, { type: "even" }));
    const n = (r: IteratorResult<McpsEvent>) => (r.value as McpsEvent).data;
    assert.deepEqual(
      [n(await odd.next()), n(await odd.next()), n(await odd.next())],
      [{ n: 3 }, { n: 5 }, { n: 7 }],
    );
    assert.deepEqual(n(await late.next()), { n: 8 }, "after release: live events only");
    await waitFor(() => all.length >= 6, { message: "handlers drain off-stack" });
    assert.deepEqual(all, [3, 4, 5, 6, 7, 8]);
    bus.close();
  });

  it("hold(limit, keep): only the events `keep` accepts are held", async () => {
    const bus = new EventBus();
    bus.hold(10, (e) => e.type !== "state");
    bus.publish(ev(1, { type: "state" }));
    bus.publish(ev(2));
    assert.equal(bus.heldCount, 1);
    const iterator = bus.iterate();
    assert.deepEqual((await iterator.next()).value?.data, { n: 2 });
    bus.close();
  });

  it("an iterator that breaks unsubscribes (no leak)", async () => {
    const bus = new EventBus();
    const iterator = bus.iterate();
    assert.equal(bus.subscriberCount, 1);
    bus.publish(ev(1));
    bus.publish(ev(2));
    for await (const e of iterator) {
      assert.deepEqual(e.data, { n: 1 });
      break;
    }
    assert.equal(bus.subscriberCount, 0);
  });

  it("an aborted signal ends the iterator", async () => {
    const bus = new EventBus();
    const controller = new AbortController();
    const iterator = bus.iterate({ signal: controller.signal });
    const pending = iterator.next();
    controller.abort();
    assert.deepEqual(await pending, { done: true, value: undefined });
    assert.equal(bus.subscriberCount, 0);
  });

  it("a full iterator queue drops the oldest and counts it", async () => {
    const dropped: number[] = [];
    const bus = new EventBus({ onDrop: (e) => dropped.push((e.data as { n: number }).n) });
    const iterator = bus.iterate({ queueSize: 3 });
    for (let n = 1; n <= 5; n += 1) bus.publish(ev(n));
    assert.deepEqual(dropped, [1, 2]);
    const got: number[] = [];
    for (let i = 0; i < 3; i += 1)
      got.push(((await iterator.next()).value.data as { n: number }).n);
    assert.deepEqual(got, [3, 4, 5]);
    await iterator.return?.();
  });

  it("close() ends iterators after their queued events", async () => {
    const bus = new EventBus();
    const iterator = bus.iterate();
    bus.publish(ev(1));
    bus.close();
    assert.deepEqual((await iterator.next()).value?.data, { n: 1 });
    assert.equal((await iterator.next()).done, true);
    bus.publish(ev(2));
  });

  it("a throwing handler is reported and does not stop later events", async () => {
    const errors: unknown[] = [];
    const seen: number[] = [];
    const bus = new EventBus({ onHandlerError: (_e, error) => errors.push(error) });
    bus.subscribe((e) => {
      const n = (e.data as { n: number }).n;
      if (n === 1) throw new Error("boom");
      seen.push(n);
    });
    bus.publish(ev(1));
    bus.publish(ev(2));
    await waitFor(() => errors.length + seen.length >= 2, { message: "both events handled" });
    assert.equal(errors.length, 1);
    assert.deepEqual(seen, [2]);
  });

  it("batches by size, and flushes the rest at the end", async () => {
    const bus = new EventBus();
    const iterator = bus.iterate({ batch: { size: 2 } });
    for (let n = 1; n <= 3; n += 1) bus.publish(ev(n));
    const first = await iterator.next();
    assert.deepEqual(
      (first.value as McpsEvent[]).map((e) => (e.data as { n: number }).n),
      [1, 2],
    );
    bus.close();
    const rest = await iterator.next();
    assert.deepEqual(
      (rest.value as McpsEvent[]).map((e) => (e.data as { n: number }).n),
      [3],
    );
    assert.equal((await iterator.next()).done, true);
  });
});

/** A hang detector: rejects with `what` when `promise` has not settled within `ms`. */
function settlesWithin<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

const numbers = (events: McpsEvent[]) => events.map((e) => (e.data as { n: number }).n);

describe("EventBus regressions", () => {
  it("two pending next() calls both settle when the bus closes (a single wake slot lost one)", async () => {
    const bus = new EventBus();
    const iterator = bus.iterate();
    const a = iterator.next();
    const b = iterator.next();
    bus.close();
    const results = await settlesWithin(
      Promise.all([a, b]),
      2000,
      "a pending next() never settled",
    );
    assert.deepEqual(results, [
      { done: true, value: undefined },
      { done: true, value: undefined },
    ]);
  });

  it("two pending next() calls each get one of two events, in order", async () => {
    const bus = new EventBus();
    const iterator = bus.iterate();
    const a = iterator.next();
    const b = iterator.next();
    bus.publish(ev(1));
    bus.publish(ev(2));
    const [first, second] = await settlesWithin(
      Promise.all([a, b]),
      2000,
      "a pending next() never got its event",
    );
    assert.deepEqual(first.value?.data, { n: 1 });
    assert.deepEqual(second.value?.data, { n: 2 });
    await iterator.return?.();
  });

  it("a batch size above queueSize (no ms) is clamped: it yields the newest queueSize events instead of waiting forever", async () => {
    let dropped = 0;
    const bus = new EventBus({ onDrop: () => dropped++ });
    const iterator = bus.iterate({ batch: { size: 50 }, queueSize: 10 });
    const pending = iterator.next();
    for (let n = 0; n < 100; n += 1) bus.publish(ev(n));
    const batch = await settlesWithin(pending, 2000, "no batch was ever yielded");
    assert.deepEqual(numbers(batch.value as McpsEvent[]), [90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    assert.equal(dropped, 90);
    bus.close();
    assert.equal((await iterator.next()).done, true);
  });
});

describe("state machine", () => {
  it("allows only the documented transitions; closed is final", () => {
    assert.ok(canTransition("connecting", "ready"));
    assert.ok(canTransition("ready", "reconnecting"));
    assert.ok(canTransition("reconnecting", "ready"));
    assert.ok(canTransition("reconnecting", "failed"));
    assert.ok(!canTransition("failed", "ready"));
    assert.ok(!canTransition("closed", "connecting"));
    assert.deepEqual(TRANSITIONS.closed, []);
    for (const from of Object.keys(TRANSITIONS) as (keyof typeof TRANSITIONS)[])
      if (from !== "closed") assert.ok(canTransition(from, "closed"), `${from} → closed`);
  });
});

describe("reconnectDelay", () => {
  it("is 0 first, then the shared backoff from the base: doubling, jittered down by at most 20 %, capped", () => {
    assert.equal(
      reconnectDelay(1, 1000, () => 0.5),
      0,
    );
    // random 0 = no jitter: the ceiling itself.
    assert.equal(
      reconnectDelay(2, 1000, () => 0),
      1000,
    );
    assert.equal(
      reconnectDelay(3, 1000, () => 0),
      2000,
    );
    assert.equal(
      reconnectDelay(2, 1000, () => 1),
      800,
    );
    assert.equal(
      reconnectDelay(30, 1000, () => 0),
      30_000,
    );
  });
});

describe("ServerMetrics", () => {
  it("keeps exact min/avg/max and percentiles over a bounded reservoir", () => {
    const metrics = new ServerMetrics(10);
    for (let ms = 1; ms <= 100; ms += 1) metrics.recordCall(ms, ms % 10 === 0);
    const snap = metrics.snapshot("ready", 0);
    assert.equal(snap.calls.count, 100);
    assert.equal(snap.calls.errors, 10);
    assert.deepEqual(
      snap.calls.latencyMs && [snap.calls.latencyMs.min, snap.calls.latencyMs.max],
      [1, 100],
    );
    assert.equal(snap.calls.latencyMs?.avg, 50.5);
    // The reservoir holds the last 10 samples (91..100).
    assert.equal(snap.calls.latencyMs?.p50, 95);
    assert.equal(snap.calls.latencyMs?.p99, 100);
    assert.equal(snap.connectedSince, new Date(0).toISOString());
  });
});
