/**
 * Per-server counters for `mcps.metrics()`: a plain JSON object, cheap to take often. Call
 * latency percentiles come from a bounded reservoir of the most recent samples, so memory
 * stays constant however many calls are made; min/max/avg cover every call.
 */

import type { McpsEvent } from "./events.js";

/** Most recent call latencies kept for the percentiles. */
export const DEFAULT_LATENCY_SAMPLES = 1024;

export interface LatencySnapshot {
  min: number;
  avg: number;
  p50: number;
  p99: number;
  max: number;
}

/** Event-handler processing time (the guide's min/avg/max processing time), ms. */
export interface HandlerSnapshot {
  /** Handler runs (one per event per `on()`/`onEvent` subscriber). */
  count: number;
  totalMs: number;
  /** 0 while `count` is 0. */
  minMs: number;
  avgMs: number;
  maxMs: number;
  /** Runs slower than the server's `slow_handler_ms` (each one logged as a warning). */
  slow: number;
}

export interface ServerMetricsSnapshot {
  state: string;
  /** ISO time the current connection became ready, or null. */
  connectedSince: string | null;
  /** How long the CURRENT connection has been ready, ms (0 when not ready). */
  connectionMs: number;
  /** Time ready over every connection so far (the current one included), ms. */
  connectedTotalMs: number;
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
  handlers: HandlerSnapshot;
}

/** A monotonic clock in ms (`performance.now` by default; tests pass their own). */
export type Clock = () => number;
export const defaultClock: Clock = () => performance.now();

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
  private handlerMinMs = Number.POSITIVE_INFINITY;
  private handlerMaxMs = 0;
  private slowHandlers = 0;
  /** Clock time the current connection became ready; undefined when not ready. */
  private readySince: number | undefined;
  /** Ready time of the connections that ended. */
  private endedMs = 0;

  constructor(
    private readonly capacity = DEFAULT_LATENCY_SAMPLES,
    private readonly clock: Clock = defaultClock,
  ) {}

  /** A state change of the connection (the `to` of a `state` event). */
  recordState(to: string): void {
    if (to === "ready") {
      this.readySince ??= this.clock();
      return;
    }
    if (this.readySince !== undefined) this.endedMs += this.clock() - this.readySince;
    this.readySince = undefined;
  }

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

  /** One handler run of `ms`; `slow` when it took longer than the server's threshold. */
  recordHandler(ms: number, slow = false): void {
    this.handlerCount += 1;
    this.handlerTotalMs += ms;
    this.handlerMinMs = Math.min(this.handlerMinMs, ms);
    this.handlerMaxMs = Math.max(this.handlerMaxMs, ms);
    if (slow) this.slowHandlers += 1;
  }

  private handlerSnapshot(): HandlerSnapshot {
    const count = this.handlerCount;
    return {
      count,
      totalMs: round(this.handlerTotalMs),
      minMs: count === 0 ? 0 : round(this.handlerMinMs),
      avgMs: count === 0 ? 0 : round(this.handlerTotalMs / count),
      maxMs: round(this.handlerMaxMs),
      slow: this.slowHandlers,
    };
  }

  snapshot(state: string, connectedSince: number | undefined): ServerMetricsSnapshot {
    const sorted = [...this.samples].sort((a, b) => a - b);
    const current = this.readySince === undefined ? 0 : this.clock() - this.readySince;
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
      connectionMs: round(current),
      connectedTotalMs: round(this.endedMs + current),
      reconnects: this.reconnects,
      streamReconnects: this.streamReconnects,
      eventsReceived: this.eventsReceived,
      eventsDropped: this.eventsDropped,
      startupDropped: this.startupDropped,
      errors: this.errors,
      calls: { count: this.callCount, errors: this.callErrors, latencyMs },
      handlers: this.handlerSnapshot(),
    };
  }
}

/** A feed event's own `id` field (the guide logs `event_data.get('id')`), as a string. */
function idOf(data: unknown): string | undefined {
  if (data === null || typeof data !== "object") return undefined;
  const id = (data as Record<string, unknown>)["id"];
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}

/**
 * The warning for a handler that took `ms` on `event`, past `limitMs` (the server's
 * `slow_handler_ms`; 0 = never): it names the event's type and id (the SSE id, else the
 * event's own `id` field). `undefined` when the handler was fast enough.
 */
export function slowHandlerReport(
  event: McpsEvent,
  ms: number,
  limitMs: number,
): { fields: Record<string, unknown>; message: string } | undefined {
  if (!(limitMs > 0 && ms > limitMs)) return undefined;
  const id = event.id ?? idOf(event.data);
  const rounded = Math.round(ms);
  return {
    fields: {
      server: event.server,
      type: event.type,
      id: id ?? null,
      ms: rounded,
      slowHandlerMs: limitMs,
    },
    message: `slow event handler: ${rounded} ms for a "${event.type}" event${id === undefined ? " without id" : ` (id ${id})`} of server "${event.server}" (slow_handler_ms: ${limitMs})`,
  };
}
