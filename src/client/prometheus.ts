/**
 * `mcp-sse/prometheus` (Node only: prom-client). The client's per-server metrics (`manager.metrics()`) as Prometheus metrics, through
 * prom-client: one family per figure with a `server` label, read from the manager at each
 * scrape. `await registry.metrics()` is the text a `/metrics` endpoint serves (and what
 * `mcp-sse watch --stats` prints).
 */
import { Counter, Gauge, Registry } from "prom-client";
import type { ServerMetricsSnapshot } from "./metrics.js";

type Kind = "counter" | "gauge";

interface Family {
  name: string;
  kind: Kind;
  help: string;
  value: (m: ServerMetricsSnapshot) => number;
}

const seconds = (ms: number) => ms / 1000;

type Row = [name: string, kind: Kind, help: string, value: Family["value"]];

/** Every metric family, in print order. Counters end in `_total` (Prometheus naming). */
const ROWS: readonly Row[] = [
  ["up", "gauge", "1 when the server is ready, else 0.", (m) => (m.state === "ready" ? 1 : 0)],
  [
    "connection_seconds",
    "gauge",
    "How long the current connection has been ready.",
    (m) => seconds(m.connectionMs),
  ],
  [
    "connected_seconds_total",
    "counter",
    "Time ready over every connection.",
    (m) => seconds(m.connectedTotalMs),
  ],
  ["reconnects_total", "counter", "New sessions after a lost one.", (m) => m.reconnects],
  [
    "stream_reconnects_total",
    "counter",
    "Event streams resumed inside a session (Last-Event-ID).",
    (m) => m.streamReconnects,
  ],
  [
    "events_received_total",
    "counter",
    "Events received (state and error events not included).",
    (m) => m.eventsReceived,
  ],
  [
    "events_dropped_total",
    "counter",
    "Events dropped from full subscriber queues.",
    (m) => m.eventsDropped,
  ],
  [
    "startup_events_dropped_total",
    "counter",
    "Events dropped from the full start-up buffer.",
    (m) => m.startupDropped,
  ],
  ["errors_total", "counter", "Error events (connection, transport, decryption).", (m) => m.errors],
  ["calls_total", "counter", "Tool calls.", (m) => m.calls.count],
  [
    "call_errors_total",
    "counter",
    "Tool calls that threw or returned isError.",
    (m) => m.calls.errors,
  ],
  ["handler_runs_total", "counter", "Event handler runs.", (m) => m.handlers.count],
  [
    "handler_seconds_total",
    "counter",
    "Time spent in event handlers.",
    (m) => seconds(m.handlers.totalMs),
  ],
  ["handler_min_seconds", "gauge", "Fastest event handler run.", (m) => seconds(m.handlers.minMs)],
  ["handler_avg_seconds", "gauge", "Average event handler run.", (m) => seconds(m.handlers.avgMs)],
  ["handler_max_seconds", "gauge", "Slowest event handler run.", (m) => seconds(m.handlers.maxMs)],
  [
    "slow_handlers_total",
    "counter",
    "Event handler runs slower than slow_handler_ms.",
    (m) => m.handlers.slow,
  ],
];
const FAMILIES: readonly Family[] = ROWS.map(([name, kind, help, value]) => ({
  name: `mcp_sse_${name}`,
  kind,
  help,
  value,
}));

/** What the registry reads at each scrape: a manager, or anything with its `metrics()`. */
export interface MetricsSource {
  metrics(): { servers: Record<string, ServerMetricsSnapshot> };
}

/**
 * A prom-client `Registry` holding the client's metrics, read from `source` at every scrape
 * (nothing to update by hand). Serve `await registry.metrics()` with
 * `registry.contentType`, or merge it with your own (`Registry.merge`).
 */
export function createClientMetricsRegistry(source: MetricsSource): Registry {
  const registry = new Registry();
  for (const family of FAMILIES) {
    const config = {
      name: family.name,
      help: family.help,
      labelNames: ["server"] as const,
      registers: [registry],
    };
    if (family.kind === "gauge") {
      new Gauge({
        ...config,
        collect() {
          this.reset();
          for (const [server, m] of Object.entries(source.metrics().servers))
            this.set({ server }, family.value(m));
        },
      });
    } else {
      new Counter({
        ...config,
        // A counter only goes up, so it is rebuilt from the manager's running total.
        collect() {
          this.reset();
          for (const [server, m] of Object.entries(source.metrics().servers))
            this.inc({ server }, family.value(m));
        },
      });
    }
  }
  return registry;
}
