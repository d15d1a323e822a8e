/**
 * Event-feed fan-out (docs/performance.md, "feed"): `BENCH_FEED_SUBSCRIBERS` subscribers
 * (default 2,000; the 10,000 with `BENCH_FEED_SUBSCRIBERS=10000`) on the mcp-sse
 * host's plain feed (`GET /mcp/sse`), the host in a child process publishing `EVENTS` events
 * `GAP_MS` apart; each event carries its publish time (wall clock, sub-ms), each subscriber
 * (a raw `node:http` GET read with our SSE parser, in this process) notes when it arrived.
 * p50/p99 of publish → receive over every (subscriber, event). The SDK has no feed: the row
 * is against the target (all subscribers within 100 ms at p99). Note that one process
 * receives for every subscriber: its own queueing is part of the latency.
 */
import { type ClientRequest, request } from "node:http";
import { createParser } from "../src/sse/index.js";
import { percentile } from "./e2e-measure.js";
import { type HostProcess, startHostProcess } from "./host-process.js";
import type { PartResult } from "./types.js";

const SUBSCRIBERS = Number(process.env["BENCH_FEED_SUBSCRIBERS"] ?? 2_000);
const EVENTS = 20;
const GAP_MS = 100;
const RUNS = Number(process.env["BENCH_FEED_RUNS"] ?? 3);
const TARGET_P99_MS = 100;
const DEADLINE_MS = 120_000;

interface Subscriber {
  received: number;
  close(): void;
}

function subscribe(
  origin: string,
  onTick: (tick: { round: number; t: number }) => void,
): Subscriber {
  const sub: Subscriber = { received: 0, close: () => req.destroy() };
  const parser = createParser({
    onEvent: (event) => {
      const now = performance.timeOrigin + performance.now();
      const tick = JSON.parse(event.data) as { round: number; t: number };
      sub.received += 1;
      onTick({ round: tick.round, t: now - tick.t });
    },
  });
  const req: ClientRequest = request(new URL("/mcp/sse", origin), {
    agent: false,
    headers: { accept: "text/event-stream" },
  });
  req.on("error", () => undefined); // closed at the end of the bench
  req.on("response", (res) => res.on("data", (chunk: Buffer) => parser.feed(chunk)));
  req.end();
  return sub;
}

async function until(what: string, predicate: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = performance.now() + DEADLINE_MS;
  while (!(await predicate())) {
    if (performance.now() > deadline) throw new Error(`feed bench: ${what} not reached in time`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function oneRun(
  host: HostProcess,
  subs: Subscriber[],
  latencies: Map<number, number[]>,
  round: number,
) {
  latencies.set(round, []);
  const before = subs.map((s) => s.received);
  await host.request({ op: "publish", count: EVENTS, gapMs: GAP_MS, round });
  await until("every event at every subscriber", () =>
    subs.every((s, i) => s.received - (before[i] ?? 0) >= EVENTS),
  );
  const list = (latencies.get(round) ?? []).sort((a, b) => a - b);
  if (list.length !== SUBSCRIBERS * EVENTS)
    throw new Error(`feed bench: ${list.length} of ${SUBSCRIBERS * EVENTS} deliveries`);
  return { p50: percentile(list, 50), p99: percentile(list, 99) };
}

export async function run(): Promise<PartResult> {
  const host = await startHostProcess("ours", { feed: { maxSubscribers: 0 } });
  const latencies = new Map<number, number[]>();
  const subs: Subscriber[] = [];
  try {
    for (let i = 0; i < SUBSCRIBERS; i++)
      subs.push(subscribe(host.origin, ({ round, t }) => latencies.get(round)?.push(t)));
    await until(
      `${SUBSCRIBERS} subscribers`,
      async () => (await host.request<number>({ op: "subscribers" })) >= SUBSCRIBERS,
    );
    await oneRun(host, subs, latencies, 0); // warm-up
    const p50: number[] = [];
    const p99: number[] = [];
    for (let r = 1; r <= RUNS; r++) {
      const result = await oneRun(host, subs, latencies, r);
      p50.push(result.p50);
      p99.push(result.p99);
    }
    return {
      rows: [
        {
          row: `feed fan-out to ${SUBSCRIBERS} subscribers`,
          metric: "publish→receive p99 ms",
          better: "lower",
          ours: p99,
          target: TARGET_P99_MS,
          goal: 1,
        },
        {
          row: `feed fan-out to ${SUBSCRIBERS} subscribers`,
          metric: "publish→receive p50 ms",
          better: "lower",
          ours: p50,
        },
      ],
      notes: [
        `${RUNS} runs after a warm-up; per run ${EVENTS} events ${GAP_MS} ms apart to every subscriber; no SDK equivalent: ratio = target ${TARGET_P99_MS} ms / p99`,
      ],
    };
  } finally {
    for (const s of subs) s.close();
    await host.close();
  }
}
