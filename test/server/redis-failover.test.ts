/**
 * What happens when things die, with replicas as real processes on a real Redis behind a
 * node:http balancer: a replica holding a stream is SIGKILLed in the middle of 1,000 numbered
 * events (the client resumes elsewhere and gets every one exactly once, in order; calls in
 * flight end within their timeout), the owner of a session dies (its claim expires within
 * seconds: a clear 404, not a hang), and Redis restarts under running replicas.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { McpsManager } from "../../src/client/index.js";
import { connectMcps } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import {
  type RoundRobinProxy,
  roundRobin,
  startRoundRobinProxy,
} from "../fixtures/round-robin-proxy.js";
import { REDIS_SKIP, startRedis, type TestRedis } from "../helpers/redis.js";
import { alive, type ReplicaProcess, startReplica } from "../helpers/replicas.js";
import { waitFor } from "../helpers/wait-for.js";

/** Claims live this long without a heartbeat: a dead owner's sessions are gone within it. */
const CLAIM_TTL_MS = 1500;
/** Per-call timeout of the client, seconds. */
const CALL_TIMEOUT_S = 10;
const TICKS = 1000;

describe("replicas and Redis dying under load", { skip: REDIS_SKIP, timeout: 240_000 }, () => {
  let redis: TestRedis;
  let replicas: ReplicaProcess[] = [];
  let proxy: RoundRobinProxy;
  let prefix = 0;

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  /** Three fresh replicas (own key prefix) behind a fresh balancer. */
  async function cluster(): Promise<void> {
    prefix++;
    replicas = await Promise.all(
      ["r0", "r1", "r2"].map((name) =>
        startReplica(redis.url, `failover-${prefix}`, name, CLAIM_TTL_MS),
      ),
    );
    proxy = await startRoundRobinProxy(replicas.map((r) => r.url));
  }
  async function teardown(): Promise<void> {
    await proxy?.close();
    await Promise.all(replicas.map((r) => r.kill()));
  }
  async function client(): Promise<McpsManager> {
    return connectMcps({
      mcps: [
        {
          name: "c",
          transport: "streamable-http",
          url: `${proxy.url}/mcp`,
          timeout: CALL_TIMEOUT_S,
        },
      ],
    });
  }
  async function ownerOf(mcps: McpsManager): Promise<number> {
    const result = await mcps.call("c", "whoami");
    const text = (result.content as { text: string }[])[0]?.text ?? "";
    return Number(text.slice(1));
  }

  test("SIGKILL the replica holding a stream mid-run: all 1,000 events exactly once, in order; calls in flight end typed within their timeout", async () => {
    await cluster();
    let mcps: McpsManager | undefined;
    try {
      mcps = await client();
      const owner = await ownerOf(mcps);
      const holder = (owner + 1) % 3;
      const third = (owner + 2) % 3;
      // POSTs (so the call's stream) go to `holder`, GETs (resumptions) to the third.
      proxy.route = (method) => (method === "GET" ? third : holder);
      const ticks: number[] = [];
      mcps.on("tick", (e) => void ticks.push((e.data as { n: number }).n));
      const counting = mcps.call("c", "count", { n: TICKS });
      await waitFor(() => ticks.length >= 200, { timeout: 30_000, message: "200 ticks" });
      const inFlight = Array.from({ length: 5 }, (_, i) =>
        settle(mcps!.call("c", "echo", { text: `f${i}` })),
      );
      await replicas[holder]!.kill();
      const atKill = ticks.length;
      const hitsAtKill = proxy.hits.length;
      const counted = await counting;
      assert.ok(atKill < TICKS, `the kill came mid-run (${atKill} events in)`);
      assert.ok(
        proxy.hits.slice(hitsAtKill).some((h) => h.method === "GET" && h.replica === third),
        "the client resumed on another replica",
      );
      assert.deepEqual(counted.content, [{ type: "text", text: `counted ${TICKS}` }]);
      // Events are handed to listeners asynchronously: give the last ones a moment.
      await waitFor(() => ticks.length >= TICKS, { timeout: 5000 }).catch(() => undefined);
      const missing = Array.from({ length: TICKS }, (_, i) => i + 1).filter(
        (n) => !ticks.includes(n),
      );
      assert.deepEqual(missing, [], `no event lost (got ${ticks.length})`);
      assert.deepEqual(
        ticks,
        Array.from({ length: TICKS }, (_, i) => i + 1),
      );
      for (const [i, outcome] of (await Promise.all(inFlight)).entries()) {
        assert.ok(outcome.ms < CALL_TIMEOUT_S * 1000 + 5000, `call ${i} took ${outcome.ms} ms`);
        if ("error" in outcome) assert.ok(isMcpSseError(outcome.error), String(outcome.error));
        else assert.deepEqual(outcome.value.content, [{ type: "text", text: `f${i}` }]);
      }
      // Service goes on through the balancer.
      const again = await mcps.call("c", "echo", { text: "after" });
      assert.deepEqual(again.content, [{ type: "text", text: "after" }]);
      assert.ok(alive(replicas[owner]!) && alive(replicas[third]!));
    } finally {
      await mcps?.close();
      await teardown();
    }
  });

  test("the owner dies: its claim expires within seconds and requests for its session get a clear 404, not a hang", async () => {
    await cluster();
    let mcps: McpsManager | undefined;
    try {
      mcps = await client();
      const owner = await ownerOf(mcps);
      const sid = lastSessionId(proxy);
      await replicas[owner]!.kill();
      proxy.route = roundRobin;
      const other = replicas[(owner + 1) % 3]!;
      const started = Date.now();
      const status = await waitFor(
        async () => {
          const res = await fetch(`${other.url}/mcp`, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
              "mcp-session-id": sid,
            },
            body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
          });
          await res.arrayBuffer();
          return res.status === 404 ? res.status : undefined;
        },
        { timeout: 15_000, interval: 100, message: "404 for the dead owner's session" },
      );
      assert.equal(status, 404);
      assert.ok(Date.now() - started < CLAIM_TTL_MS + 5000);
    } finally {
      await mcps?.close();
      await teardown();
    }
  });

  test("Redis restarts during a run: no replica crashes, the outage is logged, service resumes", async () => {
    await cluster();
    let mcps: McpsManager | undefined;
    try {
      mcps = await client();
      const owner = await ownerOf(mcps);
      proxy.route = (method) => (method === "GET" ? owner : (owner + 1) % 3);
      assert.deepEqual((await mcps.call("c", "echo", { text: "before" })).content, [
        { type: "text", text: "before" },
      ]);
      await redis.stop();
      // While Redis is down the owner keeps serving its own session (degraded to local)...
      proxy.route = () => owner;
      const local = await mcps.call("c", "count", { n: 50 }, { timeout: 5000 });
      assert.deepEqual(local.content, [{ type: "text", text: "counted 50" }]);
      proxy.route = (method) => (method === "GET" ? owner : (owner + 1) % 3);
      // ...and a call forwarded from another replica fails, typed, within its timeout.
      const during = await settle(mcps.call("c", "echo", { text: "during" }, { timeout: 3000 }));
      if ("error" in during) assert.ok(isMcpSseError(during.error), String(during.error));
      await redis.start();
      await waitFor(
        async () => {
          const r = await settle(mcps!.call("c", "echo", { text: "after" }, { timeout: 2000 }));
          return "value" in r && JSON.stringify(r.value.content).includes("after");
        },
        { timeout: 30_000, interval: 200, message: "a forwarded call to work again" },
      );
      const counted = await mcps.call("c", "count", { n: 100 });
      assert.deepEqual(counted.content, [{ type: "text", text: "counted 100" }]);
      for (const r of replicas) assert.ok(alive(r), `${r.name} is alive`);
      assert.ok(
        replicas.some((r) => /Redis connection lost/.test(r.log())),
        "the outage was logged",
      );
      assert.ok(
        replicas.some((r) => /Redis is back/.test(r.log())),
        "the recovery was logged",
      );
    } finally {
      await mcps?.close();
      await teardown();
    }
  });
});

type Outcome = { value: { content: unknown }; ms: number } | { error: unknown; ms: number };

async function settle(call: Promise<{ content: unknown }>): Promise<Outcome> {
  const started = Date.now();
  try {
    return { value: await call, ms: Date.now() - started };
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
}

/** The session id the client got, as the balancer saw it answered. */
function lastSessionId(proxy: RoundRobinProxy): string {
  const id = proxy.sessionIds.at(-1);
  assert.ok(id, "the balancer saw a session id");
  return id;
}
