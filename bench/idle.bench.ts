/**
 * Idle legacy SSE sessions: server RSS per session (docs/performance.md, "idle").
 *
 * Each host runs in a child process of its own, fresh for every run: the mcp-sse host
 * (`maxSessions: 0`, no cap), the SDK v1 `SSEServerTransport` host, and a raw `node:http`
 * SSE host (the floor: no MCP at all). This process opens `BENCH_IDLE_SESSIONS` sessions
 * (default 2,000; the 10,000 with `BENCH_IDLE_SESSIONS=10000`): GET /sse, initialize,
 * initialized, then quiet. RSS is read in the host after a full GC, before and after.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { median } from "./e2e-measure.js";
import { type HostKind, startHostProcess } from "./host-process.js";
import { openRawSessions } from "./raw-sessions.js";
import type { PartResult } from "./types.js";

const SESSIONS = Number(process.env["BENCH_IDLE_SESSIONS"] ?? 2_000);
const RUNS = Number(process.env["BENCH_IDLE_RUNS"] ?? 3);
const CONCURRENCY = 50;
/** Quiet time after the last handshake, before RSS is read (timers, buffers settle). */
const SETTLE_MS = 1_000;

async function perSessionKiB(kind: HostKind): Promise<number> {
  const host = await startHostProcess(kind, kind === "ours" ? { maxSessions: 0 } : {});
  try {
    const before = await host.usage(true);
    const sessions = await openRawSessions(host.origin, SESSIONS, CONCURRENCY);
    try {
      await sleep(SETTLE_MS);
      const after = await host.usage(true);
      if (kind !== "raw" && after.sessions < SESSIONS)
        throw new Error(`${kind} host holds ${after.sessions} of ${SESSIONS} sessions`);
      return (after.rss - before.rss) / SESSIONS / 1024;
    } finally {
      for (const s of sessions) s.close();
    }
  } finally {
    await host.close();
  }
}

/** The goal in KiB, against the floor (a session cannot cost less than its raw socket). */
function goalNote(values: Record<HostKind, number[]>): string {
  const kib = (v: number) => `${v.toFixed(1)} KiB`;
  return `a third of the SDK's RSS is ${kib(median(values.sdk) / 3)} per session; the raw node:http floor ${kib(median(values.raw))}; ours ${kib(median(values.ours))}`;
}

export async function run(): Promise<PartResult> {
  const values: Record<HostKind, number[]> = { ours: [], sdk: [], raw: [] };
  for (let r = 0; r < RUNS; r++) {
    const order: HostKind[] = r % 2 === 0 ? ["ours", "sdk", "raw"] : ["raw", "sdk", "ours"];
    for (const kind of order) values[kind].push(await perSessionKiB(kind));
  }
  return {
    rows: [
      {
        row: `${SESSIONS} idle legacy SSE sessions`,
        metric: "server KiB/session",
        better: "lower",
        ours: values.ours,
        sdk: values.sdk,
        goal: 3,
      },
      {
        row: "the floor: raw node:http SSE (not mcp-sse)",
        metric: "server KiB/session",
        better: "lower",
        ours: values.raw,
        sdk: values.sdk,
      },
    ],
    notes: [
      `${RUNS} runs, a fresh host process each; RSS after GC, (after - before) / ${SESSIONS}`,
      "BENCH_IDLE_SESSIONS=10000 for the issue's count (needs ~2x the time and file descriptors)",
      goalNote(values),
    ],
  };
}
