import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectMcps, type McpsEvent } from "../../src/client/index.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";
import { type GatedProxy, startGatedProxy } from "../fixtures/gated-proxy.js";
import { waitFor } from "../helpers/wait-for.js";

/**
 * Server "fast" is ready at once and sends events while server "slow" (behind a closed gate)
 * is still connecting: the events must reach subscribers created right after connectMcps.
 */
describe("events: none lost while other servers are still connecting", () => {
  let fast: Fixture;
  let slow: Fixture;
  let slowProxy: GatedProxy;

  before(async () => {
    fast = await startFixture();
    slow = await startFixture();
  });
  after(async () => {
    await fast?.close();
    await slow?.close();
  });

  /** Connect with "slow" held; send `count` events from "fast" that reach the client first. */
  async function connectWithEarlyEvents(count: number, extra: Record<string, unknown> = {}) {
    slowProxy = await startGatedProxy(slow.url, { gated: true });
    const seen: McpsEvent[] = [];
    const connecting = connectMcps(
      {
        mcps: [
          { name: "fast", transport: "streamable-http", url: fast.url, timeout: 10 },
          { name: "slow", transport: "streamable-http", url: slowProxy.url, timeout: 10 },
        ],
      },
      { onEvent: (ev) => void seen.push(ev), ...extra },
    );
    await waitFor(() => slowProxy.waiting >= 1, { message: "slow held at the gate" });
    // The fast server is ready once a probe event sent to it reaches the client (a server
    // drops notifications sent before the client's event stream is registered).
    await waitFor(
      async () => {
        await fast.broadcast({ event: "probe" });
        return seen.some((e) => e.type === "probe");
      },
      { interval: 50, message: "a probe event from fast reached the client" },
    );
    for (let n = 1; n <= count; n += 1) await fast.broadcast({ event: "early", n });
    await waitFor(() => seen.filter((e) => e.type === "early").length >= count, {
      message: "the early events reached the client",
    });
    slowProxy.open();
    return connecting;
  }

  it("events() and on() created right after `await connectMcps` get the early events, in order", async () => {
    const mcps = await connectWithEarlyEvents(3);
    try {
      const iterator = mcps.events({ type: "early", signal: AbortSignal.timeout(10_000) });
      const handled: number[] = [];
      mcps.on("early", (ev) => void handled.push((ev.data as { n: number }).n));
      const got: number[] = [];
      for await (const ev of iterator) {
        got.push((ev.data as { n: number }).n);
        if (got.length === 3) break;
      }
      assert.deepEqual(got, [1, 2, 3]);
      await waitFor(() => handled.length === 3, { message: "on() got the early events" });
      assert.deepEqual(handled, [1, 2, 3]);
      assert.equal(mcps.metrics().servers["fast"]?.startupDropped, 0);
    } finally {
      await mcps.close();
      await slowProxy.close();
    }
  });

  it("the start-up buffer is bounded: the oldest are dropped and counted in startupDropped", async () => {
    const mcps = await connectWithEarlyEvents(3, { startupBufferSize: 1 });
    try {
      // Holding one event at most: fast's probe and early events overflowed it.
      const dropped = mcps.metrics().servers["fast"]?.startupDropped ?? 0;
      assert.ok(dropped >= 3, `startupDropped ${dropped}`);
    } finally {
      await mcps.close();
      await slowProxy.close();
    }
  });

  it("a subscriber created after the release gets only live events (the buffer is gone)", async () => {
    const mcps = await connectWithEarlyEvents(1);
    try {
      await new Promise<void>((resolve) => setTimeout(resolve, 0)); // the release macrotask
      const iterator = mcps.events({
        type: ["early", "late"],
        signal: AbortSignal.timeout(10_000),
      });
      await fast.broadcast({ event: "late" });
      const first = await iterator.next();
      assert.equal((first.value as McpsEvent).type, "late");
      await iterator.return?.();
    } finally {
      await mcps.close();
      await slowProxy.close();
    }
  });
});

describe("connectMcps startupBufferSize", () => {
  it("a negative or fractional size is CLIENT_INVALID_OPTION, before anything connects", async () => {
    for (const startupBufferSize of [-1, 1.5, Number.NaN])
      await assert.rejects(
        connectMcps(
          { mcps: [{ name: "x", transport: "streamable-http", url: "http://127.0.0.1:9/mcp" }] },
          { startupBufferSize },
        ),
        (error: { code?: string; message?: string }) =>
          error.code === "CLIENT_INVALID_OPTION" && /startupBufferSize/.test(error.message ?? ""),
      );
  });
});
