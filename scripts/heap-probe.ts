/**
 * `npm run heap-probe` (not part of `npm test`): is memory kept per session across replicas?
 * Two hosts on one Redis (`REDIS_URL`, default redis://127.0.0.1:6379) in this process; each
 * cycle opens a session on A and sends `initialized`, a tool call, a `Last-Event-ID`
 * resumption and the DELETE to B (forwarded to the owner, stream held on B). Prints the heap
 * after a forced GC every 1,000 cycles: flat means nothing is kept per session. Run with
 * `node --expose-gc --import tsx scripts/heap-probe.ts` (the npm script does). Bounded:
 * 5,000 cycles, each request with a timeout.
 */
import { createRedisBackend } from "../src/server/backends/redis.js";
import { createDemoServer } from "../src/server/demo.js";
import { serve } from "../src/server/index.js";

const REDIS_URL = process.env["REDIS_URL"] ?? "redis://127.0.0.1:6379";
const CYCLES_PER_ROUND = 1000;
const ROUNDS = 5;
const IN_FLIGHT = 20;
const REQUEST_TIMEOUT_MS = 15_000;
const mk = async () => {
  const backend = await createRedisBackend({ url: REDIS_URL });
  const host = await serve({
    createServer: () => createDemoServer(),
    host: "127.0.0.1",
    port: 0,
    maxSessions: 0,
    backend,
  });
  return { backend, host, base: host.url.replace(/\/$/, "") };
};
const A = await mk();
const B = await mk();
const P = "2025-06-18";
const h = (sid?: string, extra: Record<string, string> = {}) => ({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": P,
  ...(sid ? { "mcp-session-id": sid } : {}),
  ...extra,
});
async function req(
  base: string,
  method: string,
  sid: string | undefined,
  body?: unknown,
  extra: Record<string, string> = {},
) {
  const res = await fetch(`${base}/mcp`, {
    method,
    headers: h(sid, extra),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  return { res, text };
}
async function cycle() {
  const init = await req(A.base, "POST", undefined, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: { protocolVersion: P, capabilities: {}, clientInfo: { name: "p", version: "1" } },
  });
  const id = init.res.headers.get("mcp-session-id");
  if (init.res.status !== 200 || id === null) throw new Error(`initialize ${init.res.status}`);
  const n = await req(B.base, "POST", id, { jsonrpc: "2.0", method: "notifications/initialized" });
  if (n.res.status !== 202) throw new Error("initialized " + n.res.status);
  const r = await req(B.base, "POST", id, {
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: { name: "realtime_monitor", arguments: { stream_id: "x" } },
  });
  if (r.res.status !== 200) throw new Error("call " + r.res.status);
  const first = /^id: ?(.*)$/m.exec(r.text)?.[1];
  if (first) {
    const g = await req(B.base, "GET", id, undefined, { "last-event-id": first });
    if (g.res.status !== 200) throw new Error("resume " + g.res.status);
  }
  const d = await req(B.base, "DELETE", id);
  if (d.res.status !== 200) throw new Error("delete " + d.res.status);
}
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc (npm run heap-probe)");
const gcNow = gc;
for (let round = 0; round <= ROUNDS; round++) {
  if (round > 0)
    for (let i = 0; i < CYCLES_PER_ROUND; i += IN_FLIGHT)
      await Promise.all(Array.from({ length: IN_FLIGHT }, cycle));
  await new Promise((r) => setTimeout(r, 500));
  gcNow();
  gcNow();
  const m = process.memoryUsage();
  console.log(
    `${round * CYCLES_PER_ROUND} cycles (A opens; B: initialized, call, resume, DELETE): heapUsed ${(m.heapUsed / 2 ** 20).toFixed(1)} MiB, rss ${(m.rss / 2 ** 20).toFixed(0)} MiB, sessions A ${A.host.handler?.sessionCount} B ${B.host.handler?.sessionCount}`,
  );
}
await A.host.close();
await B.host.close();
await A.backend.close();
await B.backend.close();
