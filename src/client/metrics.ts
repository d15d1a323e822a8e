/**
 * Per-server counters for `mcps.metrics()`: a plain JSON object, cheap to take often. Call
 * latency percentiles come from a bounded reservoir of the most recent samples, so memory
 * stays constant however many calls are made; min/max/avg cover every call.
 */

/** Most recent call latencies kept for the percentiles. */
export const DEFAULT_LATENCY_SAMPLES = 1024;

export interface LatencySnapshot {
  min: number;
  avg: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ServerMetricsSnapshot {
  state: string;
  /** ISO time the current connection became ready, or null. */
  connectedSince: string | null;
  /** New sessions after a lost one (re-initialize). */
  reconnects: number;
  /** Event streams resumed inside a session (Last-Event-ID), by the transport. */
  streamReconnects: number;
  eventsReceived: number;
  /** Events dropped from full subscriber queues (slow handlers). */
  eventsDropped: number;
  /** Events dropped from the full start-up buffer while `connectMcps` was connecting. */
  startupDropped: number;
  errors: number;
  calls: { count: number; errors: number; latencyMs: LatencySnapshot | null };
  handlers: { count: number; totalMs: number; maxMs: number };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? 0;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

export class ServerMetrics {
  reconnects = 0;
  streamReconnects = 0;
  eventsReceived = 0;
  eventsDropped = 0;
  startupDropped = 0;
  errors = 0;
  callCount = 0;
  callErrors = 0;
  private readonly samples: number[] = [];
  private next = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;
  private sum = 0;
  private handlerCount = 0;
  private handlerTotalMs = 0;
  private handlerMaxMs = 0;

  constructor(private readonly capacity = DEFAULT_LATENCY_SAMPLES) {}

  recordCall(ms: number, failed: boolean): void {
    this.callCount += 1;
    if (failed) this.callErrors += 1;
    this.min = Math.min(this.min, ms);
    this.max = Math.max(this.max, ms);
    this.sum += ms;
    if (this.samples.length < this.capacity) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
  }

  recordHandler(ms: number): void {
    this.handlerCount += 1;
    this.handlerTotalMs += ms;
    this.handlerMaxMs = Math.max(this.handlerMaxMs, ms);
  }

  snapshot(state: string, connectedSince: number | undefined): ServerMetricsSnapshot {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const latencyMs =
      this.callCount === 0
        ? null
        : {
            min: round(this.min),
            avg: round(this.sum / this.callCount),
            p50: round(percentile(sorted, 50)),
            p99: round(percentile(sorted, 99)),
            max: round(this.max),
          };
    return {
      state,
      connectedSince: connectedSince === undefined ? null : new Date(connectedSince).toISOString(),
      reconnects: this.reconnects,
      streamReconnects: this.streamReconnects,
      eventsReceived: this.eventsReceived,
      eventsDropped: this.eventsDropped,
      startupDropped: this.startupDropped,
      errors: this.errors,
      calls: { count: this.callCount, errors: this.callErrors, latencyMs },
      handlers: {
        count: this.handlerCount,
        totalMs: round(this.handlerTotalMs),
        maxMs: round(this.handlerMaxMs),
      },
    };
  }
}
