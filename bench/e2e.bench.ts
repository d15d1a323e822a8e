/**
 * End to end, mcp-sse against the official MCP SDK, as ratios (docs/performance.md).
 *
 * In one process on 127.0.0.1, the same SDK v2 `McpServer` (tools `echo`, `whoami`) is hosted
 * by the mcp-sse host (`serve()`) and by the SDK's own transports (e2e-servers.ts), and
 * called by the SDK v2 `Client` over the mcp-sse transport, over `connectMcps`, and over the
 * SDK's transports (e2e-clients.ts), on Streamable HTTP and legacy SSE. Per pair:
 * sequential `tools/call` (calls/s, p50/p99), `IN_FLIGHT`-way concurrent calls, and a flood
 * of server→client logging notifications on the standalone / legacy stream. Two mixed pairs
 * (our host + SDK client, SDK host + our client) show which half a difference comes from.
 *
 * Fairness: one connection per pair made before timing, a warm-up round, then rounds in which
 * the pairs take turns (order reversed every other round), median of rounds. Every call's
 * answer and every notification is checked, or the bench fails.
 */
import {
  type BenchClient,
  type ClientKind,
  connectBenchClient,
  REQUEST_TIMEOUT_MS,
  type WireKind,
} from "./e2e-clients.js";
import {
  concurrentCalls,
  median,
  notificationFlood,
  percentile,
  type Sample,
  sequentialCalls,
  waitForServerStream,
  withTimeout,
} from "./e2e-measure.js";
import { type BenchHost, startOursHost, startSdkHost } from "./e2e-servers.js";
import type { BenchRow } from "./types.js";

/** Per pair and round; rounds are short so that the pairs take turns often on a noisy machine. */
const SEQUENTIAL_CALLS = 60;
const CONCURRENT_CALLS = 192;
const IN_FLIGHT = 32;
const NOTIFICATIONS = 2_400;
/** Notifications the sender may be ahead of the client (~60 KB, far below any buffer cap). */
const FLOOD_WINDOW = 512;
/** The warm-up round runs this fraction of a measured round's counts. */
const WARMUP_SCALE = 0.4;
const MIN_ROUNDS = 2;
const MAX_ROUNDS = 12;
/** No round starts that would end after this (the whole file must stay < 90 s on 2 busy cores). */
const TIME_BUDGET_MS = 55_000;
/** One scenario of one pair longer than this fails the bench (something hangs). */
const SCENARIO_TIMEOUT_MS = 30_000;
/** `BENCH_E2E_MIXED=1` adds our host + SDK client and SDK host + our client (≈ +70 % time). */
const MIXED = process.env["BENCH_E2E_MIXED"] === "1";

type PairName = "sdk" | "ours" | "connectMcps" | "oursHost+sdkClient" | "sdkHost+oursClient";
interface PairSpec {
  name: PairName;
  host: "ours" | "sdk";
  client: ClientKind;
}
const PAIRS: readonly PairSpec[] = [
  { name: "sdk", host: "sdk", client: "sdk" },
  { name: "ours", host: "ours", client: "ours" },
  { name: "connectMcps", host: "ours", client: "connectMcps" },
  ...(MIXED
    ? ([
        { name: "oursHost+sdkClient", host: "ours", client: "sdk" },
        { name: "sdkHost+oursClient", host: "sdk", client: "ours" },
      ] as const)
    : []),
];
const WIRES: readonly WireKind[] = ["streamable-http", "sse"];

type Scenario = "seq" | "conc" | "flood";
const SCENARIOS: readonly Scenario[] = ["seq", "conc", "flood"];

interface Pair {
  name: PairName;
  client: BenchClient;
  samples: Record<Scenario, Sample[]>;
}

/** `scale` < 1 shortens the warm-up round. */
function runScenario(
  pair: Pair,
  scenario: Scenario,
  round: number,
  scale: number,
): Promise<Sample> {
  const what = `${pair.name} over ${pair.client.wire}: ${scenario}`;
  const n = (count: number) => Math.max(IN_FLIGHT, Math.round(count * scale));
  const work =
    scenario === "seq"
      ? sequentialCalls(pair.client, n(SEQUENTIAL_CALLS), round)
      : scenario === "conc"
        ? concurrentCalls(pair.client, n(CONCURRENT_CALLS), IN_FLIGHT, round)
        : notificationFlood(pair.client, n(NOTIFICATIONS), FLOOD_WINDOW, round);
  return withTimeout(work, SCENARIO_TIMEOUT_MS, what);
}

/** Scenario by scenario, every pair in turn (order reversed every other round). */
async function measureRound(pairs: Pair[], round: number, record: boolean): Promise<void> {
  const order = round % 2 === 0 ? pairs : [...pairs].reverse();
  for (const scenario of SCENARIOS) {
    for (const pair of order) {
      const sample = await runScenario(pair, scenario, round, record ? 1 : WARMUP_SCALE);
      if (record) pair.samples[scenario].push(sample);
    }
  }
}

interface Metric {
  name: string;
  higherIsBetter: boolean;
  value(samples: Record<Scenario, Sample[]>): number;
}

/** Median over rounds of ops per wall-clock second. */
const rate = (list: Sample[]) => median(list.map((s) => (s.ops / s.elapsedMs) * 1000));
/** Latency percentile over every call of every round. */
const latency = (list: Sample[], p: number) =>
  percentile(
    list.flatMap((s) => s.latencies).sort((a, b) => a - b),
    p,
  );
/** Process CPU (client + host, both in this process) per operation, µs, over every round. */
const cpuPerOp = (list: Sample[]) =>
  (list.reduce((sum, s) => sum + s.cpuMs, 0) * 1000) / list.reduce((sum, s) => sum + s.ops, 0);

const METRICS: readonly Metric[] = [
  { name: "seq calls/s", higherIsBetter: true, value: (s) => rate(s.seq) },
  { name: "seq p50 ms", higherIsBetter: false, value: (s) => latency(s.seq, 50) },
  { name: "seq p99 ms", higherIsBetter: false, value: (s) => latency(s.seq, 99) },
  { name: "seq CPU µs/call", higherIsBetter: false, value: (s) => cpuPerOp(s.seq) },
  { name: `${IN_FLIGHT}-way calls/s`, higherIsBetter: true, value: (s) => rate(s.conc) },
  { name: `${IN_FLIGHT}-way p50 ms`, higherIsBetter: false, value: (s) => latency(s.conc, 50) },
  { name: `${IN_FLIGHT}-way p99 ms`, higherIsBetter: false, value: (s) => latency(s.conc, 99) },
  { name: `${IN_FLIGHT}-way CPU µs/call`, higherIsBetter: false, value: (s) => cpuPerOp(s.conc) },
  { name: "notifications/s", higherIsBetter: true, value: (s) => rate(s.flood) },
  { name: "CPU µs/notification", higherIsBetter: false, value: (s) => cpuPerOp(s.flood) },
];

/** How many times better than the anchor (>1: faster, lower latency, less CPU). */
function speedup(metric: Metric, ours: number, anchor: number): string {
  return `${(metric.higherIsBetter ? ours / anchor : anchor / ours).toFixed(2)}x`;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n) : Number(n.toFixed(2)));

function table(pairs: Pair[]): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const wire of WIRES) {
    const of = (name: PairName) => {
      const pair = pairs.find((p) => p.name === name && p.client.wire === wire);
      if (pair === undefined) throw new Error(`no pair ${name} over ${wire}`);
      return pair.samples;
    };
    for (const metric of METRICS) {
      const value = (name: PairName) => metric.value(of(name));
      const anchor = value("sdk");
      const row: BenchRow = {
        wire,
        metric: metric.name,
        sdk: fmt(anchor),
        ours: fmt(value("ours")),
        "ours/sdk": speedup(metric, value("ours"), anchor),
        connectMcps: fmt(value("connectMcps")),
        "cMcps/sdk": speedup(metric, value("connectMcps"), anchor),
      };
      if (MIXED) {
        row["oursHost+sdkCli"] = speedup(metric, value("oursHost+sdkClient"), anchor);
        row["sdkHost+oursCli"] = speedup(metric, value("sdkHost+oursClient"), anchor);
      }
      rows.push(row);
    }
  }
  return rows;
}

export async function run(): Promise<BenchRow[]> {
  const hosts: BenchHost[] = [];
  const pairs: Pair[] = [];
  try {
    const ours = await startOursHost();
    hosts.push(ours);
    const sdk = await startSdkHost();
    hosts.push(sdk);
    for (const wire of WIRES) {
      for (const spec of PAIRS) {
        const host = spec.host === "ours" ? ours : sdk;
        const client = await withTimeout(
          connectBenchClient(host, wire, spec.client),
          REQUEST_TIMEOUT_MS,
          `${spec.name} over ${wire}: connect`,
        );
        pairs.push({ name: spec.name, client, samples: { seq: [], conc: [], flood: [] } });
        await waitForServerStream(client, -1 - pairs.length);
      }
    }
    const started = performance.now();
    await measureRound(pairs, 0, false); // warm-up: JIT, connection pools, session state
    let rounds = 0;
    let longest = 0;
    while (rounds < MAX_ROUNDS) {
      const elapsed = performance.now() - started;
      if (rounds >= MIN_ROUNDS && elapsed + longest > TIME_BUDGET_MS) break;
      const roundStarted = performance.now();
      await measureRound(pairs, rounds + 1, true);
      longest = Math.max(longest, performance.now() - roundStarted);
      rounds += 1;
    }
    const rows = table(pairs);
    rows.push({
      wire: `${rounds} rounds`,
      metric: `per round: seq ${SEQUENTIAL_CALLS}, ${IN_FLIGHT}-way ${CONCURRENT_CALLS}, ${NOTIFICATIONS} notifications; Nx = N times better than sdk`,
    });
    return rows;
  } finally {
    await Promise.allSettled(pairs.map((p) => withTimeout(p.client.close(), 5_000, "close")));
    await Promise.allSettled(hosts.map((h) => withTimeout(h.close(), 10_000, "close host")));
  }
}
