/**
 * `npm run soak [-- --sessions N] [--seconds S] [--concurrency C]`: several replicas on Redis
 * under churn, the figures for docs/scaling.md. Not part of `npm test`.
 *
 * Starts its own redis-server (free loopback port, no persistence) and three replicas as real
 * processes (test/fixtures/redis-replica.ts) behind the round-robin balancer fixture, opens
 * `--sessions` Streamable HTTP sessions, then for `--seconds` runs `--concurrency` workers that
 * each pick a random session and do one of: call (a tool call, its answer read from the SSE
 * stream), resume (GET with the call's `Last-Event-ID`: the answer is replayed), or drop (DELETE
 * it and open a new one). Every request goes through the balancer, so nearly every one lands
 * on a replica that does not own its session. Samples each replica's RSS and Redis's
 * `used_memory` every `SAMPLE_EVERY_MS`; prints the figures as JSON; exit 1 on any error.
 * Bounded: the run stops at `--seconds`, every request has a timeout.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createClient } from "redis";
import { startRoundRobinProxy } from "../test/fixtures/round-robin-proxy.js";
import { startRedis } from "../test/helpers/redis.js";
import { startReplica } from "../test/helpers/replicas.js";

/** Sessions kept open (the figure). */
const DEFAULT_SESSIONS = 2000;
/** Length of the churn phase, seconds. */
const DEFAULT_SECONDS = 300;
/** Requests in flight at once. */
const DEFAULT_CONCURRENCY = 32;
const SAMPLE_EVERY_MS = 10_000;
/** Bound on one request of the soak (a hang counts as an error). */
const REQUEST_TIMEOUT_MS = 15_000;
const REPLICAS = 3;
const PROTOCOL = "2025-11-25";

const { values } = parseArgs({
  options: {
    sessions: { type: "string" },
    seconds: { type: "string" },
    concurrency: { type: "string" },
  },
});
const SESSIONS = Number(values.sessions ?? DEFAULT_SESSIONS);
const SECONDS = Number(values.seconds ?? DEFAULT_SECONDS);
const CONCURRENCY = Number(values.concurrency ?? DEFAULT_CONCURRENCY);

interface Session {
  id: string;
  /** The priming id of the last call's stream, to resume it. */
  lastCallEventId?: string;
  busy: boolean;
}

const errors: string[] = [];
const counts = { call: 0, resume: 0, drop: 0, open: 0 };
let base = "";

const headers = (sid?: string, extra: Record<string, string> = {}) => ({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": PROTOCOL,
  ...(sid ? { "mcp-session-id": sid } : {}),
  ...extra,
});

async function request(method: string, sid: string | undefined, body?: unknown, extra = {}) {
  const res = await fetch(`${base}/mcp`, {
    method,
    headers: headers(sid, extra),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  return { res, text };
}

/** SSE ids in a body, in order. */
function ids(text: string): string[] {
  return [...text.matchAll(/^id: ?(.*)$/gm)].map((m) => m[1] as string);
}

async function open(): Promise<Session> {
  const init = await request("POST", undefined, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: PROTOCOL,
      capabilities: {},
      clientInfo: { name: "soak", version: "1" },
    },
  });
  const id = init.res.headers.get("mcp-session-id");
  if (init.res.status !== 200 || !id) throw new Error(`initialize: ${init.res.status}`);
  const done = await request("POST", id, { jsonrpc: "2.0", method: "notifications/initialized" });
  if (done.res.status !== 202) throw new Error(`initialized: ${done.res.status} ${done.text}`);
  counts.open++;
  return { id, busy: false };
}

async function call(s: Session): Promise<void> {
  const text = `soak-${Math.random()}`;
  const r = await request("POST", s.id, {
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: { name: "echo", arguments: { text } },
  });
  if (r.res.status !== 200 || !r.text.includes(text))
    throw new Error(`call: ${r.res.status} ${r.text.slice(0, 200)}`);
  const first = ids(r.text)[0];
  if (first !== undefined) s.lastCallEventId = first;
  counts.call++;
}

async function resume(s: Session): Promise<void> {
  if (!s.lastCallEventId) return call(s);
  const r = await request("GET", s.id, undefined, { "last-event-id": s.lastCallEventId });
  if (r.res.status !== 200 || !r.text.includes('"result"'))
    throw new Error(`resume: ${r.res.status} ${r.text.slice(0, 200)}`);
  counts.resume++;
}

async function drop(pool: Session[], index: number): Promise<void> {
  const s = pool[index] as Session;
  const r = await request("DELETE", s.id);
  if (r.res.status !== 200) throw new Error(`delete: ${r.res.status} ${r.text.slice(0, 200)}`);
  counts.drop++;
  pool[index] = await open();
}

function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

async function main(): Promise<void> {
  const redis = await startRedis();
  const replicas = await Promise.all(
    Array.from({ length: REPLICAS }, (_, i) => startReplica(redis.url, "soak", `r${i}`, 10_000)),
  );
  const proxy = await startRoundRobinProxy(replicas.map((r) => r.url));
  base = proxy.url;
  const info = createClient({ url: redis.url });
  await info.connect();
  const samples: { atS: number; rssMiB: number[]; redisMiB: number }[] = [];
  const started = Date.now();
  const sample = async () => {
    const text = await info.info("memory");
    const used = Number(/used_memory:(\d+)/.exec(text)?.[1] ?? 0);
    samples.push({
      atS: Math.round((Date.now() - started) / 1000),
      rssMiB: replicas.map((r) => Math.round(rssOf(r.child.pid) / 2 ** 20)),
      redisMiB: Math.round((used / 2 ** 20) * 10) / 10,
    });
  };
  try {
    const pool: Session[] = [];
    for (let i = 0; i < SESSIONS; i += CONCURRENCY) {
      const batch = Math.min(CONCURRENCY, SESSIONS - i);
      pool.push(...(await Promise.all(Array.from({ length: batch }, () => open()))));
    }
    await sample();
    const end = Date.now() + SECONDS * 1000;
    const timer = setInterval(() => void sample(), SAMPLE_EVERY_MS);
    const worker = async () => {
      while (Date.now() < end && errors.length < 20) {
        const index = Math.floor(Math.random() * pool.length);
        const s = pool[index] as Session;
        if (s.busy) continue;
        s.busy = true;
        const roll = Math.random();
        const op = roll < 0.6 ? "call" : roll < 0.85 ? "resume" : "drop";
        const started = Date.now();
        try {
          if (op === "call") await call(s);
          else if (op === "resume") await resume(s);
          else await drop(pool, index);
        } catch (error) {
          // Which operation, after how long, at which second: enough to tell a slow machine
          // (a timeout after REQUEST_TIMEOUT_MS under load) from a lost answer.
          const message = String((error as Error).message ?? error);
          const at = Math.round((started - (end - SECONDS * 1000)) / 1000);
          errors.push(`${op} at ${at} s, after ${Date.now() - started} ms: ${message}`);
        } finally {
          s.busy = false;
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearInterval(timer);
    await sample();
    const crossed = proxy.hits.length;
    process.stdout.write(
      `${JSON.stringify(
        {
          sessions: SESSIONS,
          seconds: SECONDS,
          concurrency: CONCURRENCY,
          ops: counts,
          opsPerSecond: Math.round((counts.call + counts.resume + counts.drop) / SECONDS),
          requestsThroughBalancer: crossed,
          errors: errors.length,
          firstErrors: errors.slice(0, 5),
          samples,
          replicasAlive: replicas.map((r) => r.child.exitCode === null),
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    await info.close();
    await proxy.close();
    await Promise.all(replicas.map((r) => r.stop()));
    await redis.stop();
  }
  if (errors.length > 0) process.exitCode = 1;
}

await main();
