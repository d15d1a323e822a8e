// Issue 11 "every reconnect ends": a server's retry: cannot stop reconnection, and a stream
// that a server closes right after opening cannot make the reader reconnect in a tight loop.
import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import { openEventStream } from "../../src/sse/reader.js";
import type { StreamStateChange } from "../../src/sse/reader-options.js";
import { DEFAULT_MAX_RETRY_DELAY_MS, MAX_TIMER_MS } from "../../src/sse/reader-options.js";
import { flushQueuedWork, waitFor } from "../helpers/wait-for.js";
import { record, settled, sseHead, startServer } from "./reader-helpers.js";

/** A fetch answering each request with the next body; the last one stays open. */
function scriptedFetch(bodies: string[]) {
  const calls: number[] = [];
  const fetchFn = async (): Promise<Response> => {
    const n = calls.length;
    calls.push(n);
    const text = bodies[Math.min(n, bodies.length - 1)] ?? "";
    const last = n >= bodies.length - 1;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(text));
        if (!last) controller.close();
      },
    });
    return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
  };
  return { fetch: fetchFn as typeof fetch, calls };
}

describe("openEventStream: a huge retry: is clamped to the maximum backoff", () => {
  it("reconnects after maxDelayMs when the server asked for retry: 999999999999 (regression: no reconnect for 35 s+)", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    const scripted = scriptedFetch(["retry: 999999999999\ndata: a\n\n", ": open\n\n"]);
    const changes: StreamStateChange[] = [];
    let onReconnecting: (() => void) | undefined;
    const reconnecting = new Promise<void>((resolve) => {
      onReconnecting = resolve;
    });
    const reader = openEventStream({
      url: "http://127.0.0.1:1/events",
      fetch: scripted.fetch,
      jitter: 0,
      idleTimeoutMs: 0,
      connectTimeoutMs: 0,
      onEvent: () => {},
      onStateChange: (change) => {
        changes.push(change);
        if (change.state === "reconnecting") onReconnecting?.();
      },
    });
    try {
      await reconnecting;
      assert.equal(changes.at(-1)?.delayMs, DEFAULT_MAX_RETRY_DELAY_MS);
      assert.equal(scripted.calls.length, 1);
      mock.timers.tick(DEFAULT_MAX_RETRY_DELAY_MS);
      // Let the reconnect's fetch run (microtasks only: no real time passes).
      for (let i = 0; i < 20 && scripted.calls.length < 2; i += 1) await Promise.resolve();
      assert.equal(scripted.calls.length, 2, "reconnected once the clamped delay passed");
    } finally {
      reader.close();
      mock.timers.reset();
      await settled(reader.done);
    }
  });

  it("waits at most the timer limit on a huge Retry-After instead of firing at once", async () => {
    // Regression guard: setTimeout fires a delay over 2^31−1 ms immediately (a retry storm).
    mock.timers.enable({ apis: ["setTimeout"] });
    let calls = 0;
    const fetch503 = (async () => {
      calls += 1;
      return new Response(null, { status: 503, headers: { "Retry-After": "3000000" } }); // ~35 days
    }) as typeof fetch;
    const changes: StreamStateChange[] = [];
    const reader = openEventStream({
      url: "http://127.0.0.1:1/events",
      fetch: fetch503,
      jitter: 0,
      idleTimeoutMs: 0,
      connectTimeoutMs: 0,
      onEvent: () => {},
      onStateChange: (change) => void changes.push(change),
    });
    try {
      await waitFor(() => reader.state === "reconnecting", { message: "the backoff wait" });
      assert.equal(changes.at(-1)?.delayMs, MAX_TIMER_MS);
      mock.timers.tick(MAX_TIMER_MS - 1);
      await flushQueuedWork();
      assert.equal(calls, 1, "no retry before the limit");
      mock.timers.tick(1);
      await waitFor(() => calls === 2, { message: "the retry once the limit passed" });
    } finally {
      reader.close();
      mock.timers.reset();
      await settled(reader.done);
    }
  });

  it("clamps retry: to a smaller maxDelayMs too", async () => {
    const server = await startServer((_req, res, n) => {
      sseHead(res);
      if (n === 0) res.end("retry: 600000\ndata: a\n\n");
      else res.write("data: b\n\n");
    });
    const r = record();
    const reader = openEventStream({ url: server.url, maxDelayMs: 20, jitter: 0, ...r.callbacks });
    try {
      await waitFor(() => r.events.length === 2, {
        timeout: 10_000,
        message: "the reconnect after the clamped delay",
      });
      assert.deepEqual(r.retries, [600000], "onRetry still sees what the server sent");
      assert.equal(r.changes.find((c) => c.state === "reconnecting")?.delayMs, 20);
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });
});

describe("openEventStream: short-lived connections count as failures", () => {
  it("backs off when a server sends retry: 0 and closes after every event (regression: 100+ reconnects a second)", async () => {
    let served = 0;
    const server = await startServer((_req, res) => {
      served += 1;
      sseHead(res);
      res.end(`retry: 0\ndata: ${served}\n\n`);
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      minDelayMs: 5,
      maxDelayMs: 40,
      jitter: 0,
      // Streams that opened are paced, never given up on: only attempts that never open count.
      maxAttempts: 2,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.changes.filter((c) => c.state === "reconnecting").length >= 5, {
        timeout: 10_000,
        message: "five reconnects",
      });
      const waits = r.changes.filter((c) => c.state === "reconnecting").slice(0, 5);
      // The first reconnect honours retry: 0; the next ones grow from minDelayMs to the cap.
      assert.deepEqual(
        waits.map((c) => c.attempt),
        [1, 2, 3, 4, 5],
      );
      assert.deepEqual(
        waits.map((c) => c.delayMs),
        [0, 10, 20, 40, 40],
      );
      assert.notEqual(reader.state, "closed", String(reader.error?.message));
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("resets the failure count after a connection that stayed open long enough", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    const scripted = scriptedFetch(["data: a\n\n", "data: b\n\n", ": open\n\n"]);
    const changes: StreamStateChange[] = [];
    let wake: (() => void) | undefined;
    const next = () =>
      new Promise<void>((resolve) => {
        wake = resolve;
      });
    let waiting = next();
    const reader = openEventStream({
      url: "http://127.0.0.1:1/events",
      fetch: scripted.fetch,
      minDelayMs: 100,
      jitter: 0,
      idleTimeoutMs: 0,
      connectTimeoutMs: 0,
      stableConnectionMs: 0,
      onEvent: () => {},
      onStateChange: (change) => {
        changes.push(change);
        if (change.state === "reconnecting") wake?.();
      },
    });
    try {
      await waiting;
      waiting = next();
      mock.timers.tick(100);
      await waiting;
      // stableConnectionMs 0: every open resets the count, so both waits are attempt 1.
      const waits = changes.filter((c) => c.state === "reconnecting");
      assert.deepEqual(
        waits.map((c) => [c.attempt, c.delayMs]),
        [
          [1, 100],
          [1, 100],
        ],
      );
    } finally {
      reader.close();
      mock.timers.reset();
      await settled(reader.done);
    }
  });
});
