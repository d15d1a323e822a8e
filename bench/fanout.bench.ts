/**
 * Notification fan-out to many sessions (docs/performance.md, "fanout"): the session servers
 * of one host send logging notifications to all of their clients at once, round after round
 * (`BENCH_FANOUT_SESSIONS` sessions, default 500, `PER_SESSION` notifications each: 10,000 in
 * all), outside any request (legacy SSE stream / Streamable HTTP standalone stream).
 *
 * Host in a child process; the clients in this process, as pairs: SDK host with SDK clients
 * (the anchor), mcp-sse host with mcp-sse transports (SDK v2 `Client` over
 * `createClientTransport`). Time from the command to the last notification received; every
 * notification is counted per client, or the bench fails.
 *
 * Each side's CPU per notification (per session) is reported too, from `process.cpuUsage()`:
 * the host process's, and this process's (the clients'). Both pairs' clients are the SDK v2
 * `Client`, whose checks cost more per notification than either host (so the rate is mostly
 * the clients'); the host rows show what the host alone does. The floor row
 * (`fanout-floor.ts`) is the MCP layer alone, the same servers and clients in memory: what
 * any pair built on the SDK's `McpServer` and `Client` spends per notification before HTTP.
 */
import { type BenchClient, connectBenchClient, type WireKind } from "./e2e-clients.js";
import { median, withTimeout } from "./e2e-measure.js";
import { mcpLayerFanOut } from "./fanout-floor.js";
import { type HostProcess, hostTarget, startHostProcess } from "./host-process.js";
import type { PartResult, ResultRow } from "./types.js";

const SESSIONS = Number(process.env["BENCH_FANOUT_SESSIONS"] ?? 500);
const PER_SESSION = Number(process.env["BENCH_FANOUT_PER_SESSION"] ?? 20);
const RUNS = Number(process.env["BENCH_RUNS"] ?? 5);
const CONNECT_CONCURRENCY = 20;
const RUN_TIMEOUT_MS = 120_000;
const PROBE_TIMEOUT_MS = 30_000;

async function connectAll(host: HostProcess, wire: WireKind): Promise<BenchClient[]> {
  const clients: BenchClient[] = [];
  const target = hostTarget(host);
  const kind = host.kind === "ours" ? "ours" : "sdk";
  let next = 0;
  const worker = async () => {
    while (next < SESSIONS) {
      next += 1;
      clients.push(await withTimeout(connectBenchClient(target, wire, kind), 30_000, "connect"));
    }
  };
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, worker));
  return clients;
}

/** Until every client has its server-initiated stream open (probe notifications arrive). */
async function waitForStreams(host: HostProcess, clients: BenchClient[]): Promise<void> {
  const round = -1;
  for (const c of clients) c.expect(round);
  const until = performance.now() + PROBE_TIMEOUT_MS;
  while (clients.some((c) => c.received().count === 0)) {
    if (performance.now() > until) throw new Error(`${host.kind}: streams not open after probes`);
    await host.request({ op: "probe", round });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One run: notifications/s, and µs of CPU per notification in the host and in the clients. */
interface RunResult {
  rate: number;
  hostUs: number;
  clientUs: number;
}

async function oneRun(
  host: HostProcess,
  clients: BenchClient[],
  round: number,
): Promise<RunResult> {
  for (const c of clients) c.expect(round);
  const hostBefore = await host.usage();
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  const sent = host.request({ op: "fanout", rounds: PER_SESSION, round });
  await withTimeout(
    Promise.all([sent, ...clients.map((c) => c.waitFor(PER_SESSION))]),
    RUN_TIMEOUT_MS,
    `${host.kind} fan-out`,
  );
  const elapsed = performance.now() - started;
  const clientCpu = process.cpuUsage(clientBefore);
  const hostAfter = await host.usage();
  const expectedSum = (PER_SESSION * (PER_SESSION - 1)) / 2;
  for (const c of clients) {
    const { count, indexSum } = c.received();
    if (count !== PER_SESSION || indexSum !== expectedSum)
      throw new Error(`${host.kind}: a client received ${count} of ${PER_SESSION} notifications`);
  }
  const count = SESSIONS * PER_SESSION;
  return {
    rate: (count * 1000) / elapsed,
    hostUs: ((hostAfter.cpuMs - hostBefore.cpuMs) * 1000) / count,
    clientUs: (clientCpu.user + clientCpu.system) / count,
  };
}

async function measure(kind: "ours" | "sdk", wire: WireKind): Promise<RunResult[]> {
  const host = await startHostProcess(kind, kind === "ours" ? { maxSessions: 0 } : {});
  let clients: BenchClient[] = [];
  try {
    clients = await connectAll(host, wire);
    await waitForStreams(host, clients);
    await oneRun(host, clients, 0); // warm-up
    const runs: RunResult[] = [];
    for (let r = 1; r <= RUNS; r++) runs.push(await oneRun(host, clients, r));
    return runs;
  } finally {
    await Promise.allSettled(clients.map((c) => withTimeout(c.close(), 5_000, "close")));
    await host.close();
  }
}

/** Host + clients: what a pair spends per notification. */
const pairUs = (r: RunResult) => r.hostUs + r.clientUs;

/** The goal in CPU terms (each pair is CPU-bound), against the floor, as e2e does. */
function goalNote(label: string, sdk: RunResult[], ours: RunResult[], floor: number[]): string {
  const us = (v: number) => `${v.toFixed(1)} µs`;
  return `${label}: 2x the SDK pair needs ≤ ${us(median(sdk.map(pairUs)) / 2)} per notification (host + clients); the MCP layer alone costs ${us(median(floor))}; ours ${us(median(ours.map(pairUs)))}`;
}

export async function run(): Promise<PartResult> {
  const rows: ResultRow[] = [];
  const goalNotes: string[] = [];
  // The floor first: in this process, before any host or client is up.
  const floor = await mcpLayerFanOut(SESSIONS, PER_SESSION, RUNS);
  for (const [wire, label] of [
    ["sse", "legacy SSE"],
    ["streamable-http", "Streamable HTTP"],
  ] as const) {
    const sdk = await measure("sdk", wire);
    const ours = await measure("ours", wire);
    const of = (runs: RunResult[], key: keyof RunResult) => runs.map((r) => r[key]);
    rows.push(
      {
        row: `${label}: fan-out to ${SESSIONS} sessions`,
        metric: "notifications/s",
        better: "higher",
        ours: of(ours, "rate"),
        sdk: of(sdk, "rate"),
        goal: 2,
      },
      {
        row: `${label}: host CPU per notification`,
        metric: "µs",
        better: "lower",
        ours: of(ours, "hostUs"),
        sdk: of(sdk, "hostUs"),
      },
      {
        row: `${label}: clients' CPU per notification`,
        metric: "µs",
        better: "lower",
        ours: of(ours, "clientUs"),
        sdk: of(sdk, "clientUs"),
      },
      {
        row: `${label}: MCP layer alone (in memory), CPU per notification`,
        metric: "µs",
        better: "lower",
        ours: floor,
        sdk: sdk.map(pairUs),
      },
    );
    goalNotes.push(goalNote(label, sdk, ours, floor));
  }
  return {
    rows,
    notes: [
      `${RUNS} runs after a warm-up; per run ${SESSIONS} sessions × ${PER_SESSION} notifications = ${SESSIONS * PER_SESSION}`,
      "host in a child process, the clients (one SDK v2 Client per session) in the bench process",
      "CPU per notification: user + system time of the host process / of the bench process (the clients) during a run",
      "MCP layer alone: the bench's McpServer and an SDK v2 Client per session in the bench process over InMemoryTransport, no HTTP (its ratio is to the SDK pair's host + clients)",
      ...goalNotes,
    ],
  };
}
