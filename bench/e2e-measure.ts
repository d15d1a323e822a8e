/**
 * The three measurements of the end-to-end bench, each verifying what it got (a wrong echo,
 * a missing or duplicated notification throws: a side that skips work cannot look fast).
 * Not a bench module itself: imported by `e2e.bench.ts`.
 */
import type { BenchClient } from "./e2e-clients.js";

/** One timed run of a scenario: wall time, this process's CPU time (client and host both run here). */
export interface Sample {
  ops: number;
  elapsedMs: number;
  cpuMs: number;
  /** Per-call latencies (empty for the notification flood). */
  latencies: number[];
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Rejects with a clear message when `promise` takes longer than `ms` (nothing may hang). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function label(client: BenchClient): string {
  return `${client.client} client → ${client.host.name} host over ${client.wire}`;
}

async function echoChecked(client: BenchClient, text: string, latencies: number[]): Promise<void> {
  const started = performance.now();
  const answer = await client.echo(text);
  latencies.push(performance.now() - started);
  if (answer !== text) throw new Error(`${label(client)}: echo "${text}" answered "${answer}"`);
}

/** Wall clock and CPU clock (user + system) together. */
function startClocks(): () => { elapsedMs: number; cpuMs: number } {
  const wall = performance.now();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { elapsedMs: performance.now() - wall, cpuMs: (used.user + used.system) / 1000 };
  };
}

/** `count` `tools/call echo`, one after the other. */
export async function sequentialCalls(
  client: BenchClient,
  count: number,
  round: number,
): Promise<Sample> {
  const latencies: number[] = [];
  const stop = startClocks();
  for (let i = 0; i < count; i++) await echoChecked(client, `s${round}-${i}`, latencies);
  return { ops: count, latencies, ...stop() };
}

/** `count` `tools/call echo` with `inFlight` outstanding at any time. */
export async function concurrentCalls(
  client: BenchClient,
  count: number,
  inFlight: number,
  round: number,
): Promise<Sample> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await echoChecked(client, `c${round}-${i}`, latencies);
    }
  };
  const stop = startClocks();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const clocks = stop();
  if (latencies.length !== count)
    throw new Error(`${label(client)}: ${latencies.length} of ${count} concurrent calls done`);
  return { ops: count, latencies, ...clocks };
}

/** ~100 bytes of text per notification, like a small sensor or progress log line. */
const FLOOD_TEXT = "sensor 7 reading 42.5 C status ok stream alpha; sensor 8 reading 17.25 C ok";

/**
 * The session's server sends `count` logging notifications outside any request (so on the
 * standalone GET stream, or the legacy SSE stream); resolves once the client has received
 * all of them. The sender keeps at most `window` notifications unread by
 * the client (both hosts alike): a real producer cannot outrun its reader forever, and the
 * mcp-sse host disconnects a reader more than `maxBufferedBytes` behind by design.
 */
export async function notificationFlood(
  client: BenchClient,
  count: number,
  window: number,
  round: number,
): Promise<Sample> {
  client.expect(round);
  const stop = startClocks();
  for (let i = 0; i < count; i++) {
    await client.notify({ round, i, text: FLOOD_TEXT });
    if ((i + 1) % 64 === 0 && i + 1 - client.received().count > window)
      await client.waitFor(i + 1 - window / 2);
  }
  await client.waitFor(count);
  const clocks = stop();
  const { count: got, indexSum } = client.received();
  const expectedSum = (count * (count - 1)) / 2;
  if (got !== count || indexSum !== expectedSum)
    throw new Error(
      `${label(client)}: received ${got} of ${count} notifications (index sum ${indexSum}, expected ${expectedSum})`,
    );
  return { ops: count, latencies: [], ...clocks };
}

/**
 * Wait until this client's stream for server-initiated messages is open: send a probe
 * notification every 20 ms until one arrives (an SDK host without an event store drops what
 * it sends before the stream opens).
 */
export async function waitForServerStream(client: BenchClient, probeRound: number): Promise<void> {
  client.expect(probeRound);
  const until = performance.now() + 10_000;
  while (client.received().count === 0) {
    if (performance.now() > until)
      throw new Error(`${label(client)}: server-initiated stream not open after 10 s`);
    await client.notify({ round: probeRound, i: 0, text: "probe" });
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
