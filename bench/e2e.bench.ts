/**
 * End to end, mcp-sse against the official MCP SDK (docs/performance.md, "e2e").
 *
 * Two host processes (`host-process.ts`): the mcp-sse host (`serve()`) and the SDK's own
 * (SDK v2 Streamable HTTP behind `@hono/node-server`, SDK v1 `SSEServerTransport` for legacy
 * SSE), both hosting the same SDK v2 `McpServer` (tools `echo`, `whoami`). The clients run in
 * this process: the SDK v2 `Client` over the SDK's transports, or over the mcp-sse transport
 * (`createClientTransport`). Five pairs per wire: sdk+sdk (the anchor), ours+ours, the two
 * mixed pairs, so that each half's share shows, and `connectMcps` (the whole mcp-sse client,
 * as users run it) against our host.
 *
 * Per round and pair: sequential `tools/call echo` and 64 in flight; calls/s, p99 latency,
 * and CPU per call (this process + the host process). Rounds alternate the pair order; each
 * row's runs are the rounds. Every echo is checked, or the bench fails.
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
  percentile,
  type Sample,
  sequentialCalls,
  withTimeout,
} from "./e2e-measure.js";
import { connectInMemoryClient, connectRawClient } from "./floor-clients.js";
import { type HostProcess, hostTarget, startHostProcess } from "./host-process.js";
import type { PartResult, ResultRow } from "./types.js";

const SEQUENTIAL_CALLS = Number(process.env["BENCH_E2E_SEQ"] ?? 100);
const CONCURRENT_CALLS = Number(process.env["BENCH_E2E_CONC"] ?? 2_000);
const IN_FLIGHT = 64;
const ROUNDS = Number(process.env["BENCH_RUNS"] ?? 5);
const WARMUP_SCALE = 0.3;
/** One scenario of one pair longer than this fails the bench (something hangs). */
const SCENARIO_TIMEOUT_MS = 60_000;

type PairName =
  | "sdk"
  | "ours"
  | "oursClient+sdkHost"
  | "sdkClient+oursHost"
  | "connectMcps"
  | "rawFloor"
  | "inMemory";
type PairSpec = {
  name: PairName;
  host: "ours" | "sdk" | "raw" | "none";
  client: ClientKind | "raw" | "inMemory";
};
const PAIRS: ReadonlyArray<PairSpec> = [
  { name: "sdk", host: "sdk", client: "sdk" },
  { name: "ours", host: "ours", client: "ours" },
  { name: "oursClient+sdkHost", host: "sdk", client: "ours" },
  { name: "sdkClient+oursHost", host: "ours", client: "sdk" },
  // The whole mcp-sse client as users run it (manager, shared pool, events, metrics).
  { name: "connectMcps", host: "ours", client: "connectMcps" },
  // The floors (floor-clients.ts): what a ratio can reach. The MCP layer alone, no HTTP.
  { name: "inMemory", host: "none", client: "inMemory" },
  { name: "rawFloor", host: "raw", client: "raw" },
];

/** `BENCH_E2E_WIRES=sse` (or `streamable-http`) limits the run to one wire; default both. */
const WIRE_FILTER = process.env["BENCH_E2E_WIRES"]?.split(",").map((w) => w.trim());
const WIRES: ReadonlyArray<{ wire: WireKind; label: string }> = (
  [
    { wire: "sse", label: "legacy SSE" },
    { wire: "streamable-http", label: "Streamable HTTP" },
  ] as const
).filter(({ wire }) => WIRE_FILTER === undefined || WIRE_FILTER.includes(wire));

interface Measured {
  calls: number;
  elapsedMs: number;
  latencies: number[];
  /** Client (this process) + host process CPU, ms. */
  cpuMs: number;
  /** The host process's CPU alone, ms. */
  hostCpuMs: number;
}

interface Pair {
  name: PairName;
  wire: WireKind;
  client: BenchClient;
  /** None for the in-memory floor (client and server both in this process). */
  host: HostProcess | undefined;
  seq: Measured[];
  conc: Measured[];
}

async function measure(pair: Pair, kind: "seq" | "conc", round: number, scale: number) {
  const hostCpu = async () => (pair.host === undefined ? 0 : (await pair.host.usage()).cpuMs);
  const before = await hostCpu();
  const n = (count: number) => Math.max(IN_FLIGHT, Math.round(count * scale));
  const sample: Sample = await withTimeout(
    kind === "seq"
      ? sequentialCalls(pair.client, n(SEQUENTIAL_CALLS), round)
      : concurrentCalls(pair.client, n(CONCURRENT_CALLS), IN_FLIGHT, round),
    SCENARIO_TIMEOUT_MS,
    `${pair.name} over ${pair.wire}: ${kind}`,
  );
  const after = await hostCpu();
  return {
    calls: sample.ops,
    elapsedMs: sample.elapsedMs,
    latencies: sample.latencies,
    cpuMs: sample.cpuMs + (after - before),
    hostCpuMs: after - before,
  };
}

async function round(pairs: Pair[], index: number, record: boolean): Promise<void> {
  const order = index % 2 === 0 ? pairs : [...pairs].reverse();
  for (const kind of ["seq", "conc"] as const)
    for (const pair of order) {
      const m = await measure(pair, kind, index, record ? 1 : WARMUP_SCALE);
      if (record) pair[kind].push(m);
    }
}

const rate = (m: Measured) => (m.calls / m.elapsedMs) * 1000;
const p99 = (m: Measured) =>
  percentile(
    [...m.latencies].sort((a, b) => a - b),
    99,
  );
const cpuPerCall = (m: Measured) => (m.cpuMs * 1000) / m.calls;
const hostCpuPerCall = (m: Measured) => (m.hostCpuMs * 1000) / m.calls;

function rows(pairs: Pair[]): ResultRow[] {
  const out: ResultRow[] = [];
  for (const { wire, label } of WIRES) {
    const of = (name: PairName) => {
      const pair = pairs.find((p) => p.name === name && p.wire === wire);
      if (pair === undefined) throw new Error(`no pair ${name} over ${wire}`);
      return pair;
    };
    const sdk = of("sdk");
    const add = (
      name: PairName,
      row: string,
      metric: string,
      better: "higher" | "lower",
      f: (m: Measured) => number,
      kind: "seq" | "conc",
      goal?: number,
    ) =>
      out.push({
        row: `${label}: ${row}`,
        metric,
        better,
        ours: of(name)[kind].map(f),
        sdk: sdk[kind].map(f),
        ...(goal === undefined ? {} : { goal }),
      });
    const endToEndGoal = wire === "sse" ? 3 : 4;
    add("ours", `${IN_FLIGHT} in flight`, "calls/s", "higher", rate, "conc", endToEndGoal);
    add("ours", `${IN_FLIGHT} in flight`, "p99 ms", "lower", p99, "conc", 2);
    add("ours", `${IN_FLIGHT} in flight`, "CPU µs/call", "lower", cpuPerCall, "conc");
    add("ours", "sequential", "calls/s", "higher", rate, "seq");
    add("ours", "sequential", "p99 ms", "lower", p99, "seq", 2);
    add(
      "oursClient+sdkHost",
      `our client → SDK host, ${IN_FLIGHT} in flight`,
      "calls/s",
      "higher",
      rate,
      "conc",
    );
    add(
      "sdkClient+oursHost",
      `SDK client → our host, ${IN_FLIGHT} in flight`,
      "calls/s",
      "higher",
      rate,
      "conc",
    );
    // The host half alone, with the same (SDK) client: steadier on a loaded machine than rates.
    add(
      "sdkClient+oursHost",
      `SDK client → our host, ${IN_FLIGHT} in flight`,
      "host CPU µs/call",
      "lower",
      hostCpuPerCall,
      "conc",
    );
    add(
      "connectMcps",
      `connectMcps → our host, ${IN_FLIGHT} in flight`,
      "calls/s",
      "higher",
      rate,
      "conc",
    );
    add(
      "connectMcps",
      `connectMcps → our host, ${IN_FLIGHT} in flight`,
      "CPU µs/call",
      "lower",
      cpuPerCall,
      "conc",
    );
    add(
      "rawFloor",
      `raw node:http floor, ${IN_FLIGHT} in flight`,
      "calls/s",
      "higher",
      rate,
      "conc",
    );
    add(
      "rawFloor",
      `raw node:http floor, ${IN_FLIGHT} in flight`,
      "CPU µs/call",
      "lower",
      cpuPerCall,
      "conc",
    );
    add(
      "inMemory",
      `MCP layer alone (in memory), ${IN_FLIGHT} in flight`,
      "CPU µs/call",
      "lower",
      cpuPerCall,
      "conc",
    );
    add(
      "oursClient+sdkHost",
      "our client → SDK host, sequential",
      "calls/s",
      "higher",
      rate,
      "seq",
    );
    add(
      "sdkClient+oursHost",
      "SDK client → our host, sequential",
      "calls/s",
      "higher",
      rate,
      "seq",
    );
  }
  return out;
}

/**
 * Per wire, in words: the CPU per call the calls/s goal needs (the SDK pair's divided by the
 * goal: each pair is CPU-bound on the machine's cores), against the floors' sum and ours.
 * It says, from the same run, whether a goal is within reach of a pair built on the SDK's
 * `McpServer` and `Client` (docs/performance.md, "Client path and the floors").
 */
function goalNotes(pairs: Pair[]): string[] {
  return WIRES.map(({ wire, label }) => {
    const cpu = (name: PairName) => {
      const pair = pairs.find((p) => p.name === name && p.wire === wire);
      return pair === undefined ? Number.NaN : median(pair.conc.map(cpuPerCall));
    };
    const goal = wire === "sse" ? 3 : 4;
    const [raw, layer] = [cpu("rawFloor"), cpu("inMemory")];
    const us = (v: number) => `${v.toFixed(0)} µs`;
    return `${label}: ${goal}x the SDK pair needs ≤ ${us(cpu("sdk") / goal)} CPU per call; the floors sum to ${us(raw + layer)} (raw node:http ${us(raw)} + MCP layer ${us(layer)}); ours ${us(cpu("ours"))}`;
  });
}

function connectPairClient(
  spec: PairSpec,
  host: HostProcess | undefined,
  wire: WireKind,
): Promise<BenchClient> {
  if (spec.client === "inMemory") return connectInMemoryClient();
  if (host === undefined) throw new Error(`${spec.name}: no host`);
  if (spec.client === "raw") return connectRawClient(hostTarget(host), wire);
  return connectBenchClient(hostTarget(host), wire, spec.client);
}

export async function run(): Promise<PartResult> {
  const hosts: HostProcess[] = [];
  const pairs: Pair[] = [];
  try {
    const started = new Map<string, HostProcess>();
    const hostOf = async (kind: PairSpec["host"]) => {
      if (kind === "none") return undefined;
      let host = started.get(kind);
      if (host === undefined) {
        host = await startHostProcess(kind);
        started.set(kind, host);
        hosts.push(host);
      }
      return host;
    };
    for (const { wire } of WIRES)
      for (const spec of PAIRS) {
        const host = await hostOf(spec.host);
        const client = await withTimeout(
          connectPairClient(spec, host, wire),
          REQUEST_TIMEOUT_MS,
          `${spec.name} over ${wire}: connect`,
        );
        pairs.push({ name: spec.name, wire, client, host, seq: [], conc: [] });
      }
    await round(pairs, 0, false); // warm-up: JIT, pools, session state
    for (let i = 1; i <= ROUNDS; i++) await round(pairs, i, true);
    return {
      rows: rows(pairs),
      notes: [
        `${ROUNDS} runs; per run and pair: ${SEQUENTIAL_CALLS} sequential calls, ${CONCURRENT_CALLS} calls ${IN_FLIGHT} in flight`,
        "hosts in child processes, clients in the bench process; CPU = both processes",
        "ours = SDK v2 Client over the mcp-sse transport + the mcp-sse host; sdk = SDK v2 Client over the SDK transports + SDK hosts (v2 Streamable HTTP, v1 legacy SSE)",
        "floors: raw node:http (each wire's request/response pattern, no MCP either side) and the MCP layer alone (SDK v2 Client + McpServer in one process, no HTTP); their ratio is to the SDK pair too",
        ...goalNotes(pairs),
      ],
    };
  } finally {
    await Promise.allSettled(pairs.map((p) => withTimeout(p.client.close(), 5_000, "close")));
    await Promise.allSettled(hosts.map((h) => h.close()));
  }
}
