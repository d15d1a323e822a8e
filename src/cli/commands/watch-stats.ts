/**
 * `mcp-sse watch --stats`: the manager's per-server metrics in the Prometheus text exposition
 * format (what a `/metrics` endpoint serves: `# HELP` and `# TYPE` lines, then one sample a
 * line with a `server` label), printed every `--stats-interval` seconds and once at exit.
 */
import type { McpsManager, ServerMetricsSnapshot } from "../../client/index.js";

/** `--stats-interval` when none is given, seconds. */
export const DEFAULT_STATS_INTERVAL_S = 10;

type Kind = "counter" | "gauge";

interface Family {
  name: string;
  kind: Kind;
  help: string;
  value: (m: ServerMetricsSnapshot) => number;
}

const seconds = (ms: number) => ms / 1000;

/** Every metric family, in print order. Counters end in `_total` (Prometheus naming). */
const FAMILIES: readonly Family[] = [
  {
    name: "mcp_sse_up",
    kind: "gauge",
    help: "1 when the server is ready, else 0.",
    value: (m) => (m.state === "ready" ? 1 : 0),
  },
  {
    name: "mcp_sse_connection_seconds",
    kind: "gauge",
    help: "How long the current connection has been ready.",
    value: (m) => seconds(m.connectionMs),
  },
  {
    name: "mcp_sse_connected_seconds_total",
    kind: "counter",
    help: "Time ready over every connection.",
    value: (m) => seconds(m.connectedTotalMs),
  },
  {
    name: "mcp_sse_reconnects_total",
    kind: "counter",
    help: "New sessions after a lost one.",
    value: (m) => m.reconnects,
  },
  {
    name: "mcp_sse_stream_reconnects_total",
    kind: "counter",
    help: "Event streams resumed inside a session (Last-Event-ID).",
    value: (m) => m.streamReconnects,
  },
  {
    name: "mcp_sse_events_received_total",
    kind: "counter",
    help: "Events received (state and error events not included).",
    value: (m) => m.eventsReceived,
  },
  {
    name: "mcp_sse_events_dropped_total",
    kind: "counter",
    help: "Events dropped from full subscriber queues.",
    value: (m) => m.eventsDropped,
  },
  {
    name: "mcp_sse_startup_events_dropped_total",
    kind: "counter",
    help: "Events dropped from the full start-up buffer.",
    value: (m) => m.startupDropped,
  },
  {
    name: "mcp_sse_errors_total",
    kind: "counter",
    help: "Error events (connection, transport, decryption).",
    value: (m) => m.errors,
  },
  {
    name: "mcp_sse_calls_total",
    kind: "counter",
    help: "Tool calls.",
    value: (m) => m.calls.count,
  },
  {
    name: "mcp_sse_call_errors_total",
    kind: "counter",
    help: "Tool calls that threw or returned isError.",
    value: (m) => m.calls.errors,
  },
  {
    name: "mcp_sse_handler_runs_total",
    kind: "counter",
    help: "Event handler runs.",
    value: (m) => m.handlers.count,
  },
  {
    name: "mcp_sse_handler_seconds_total",
    kind: "counter",
    help: "Time spent in event handlers.",
    value: (m) => seconds(m.handlers.totalMs),
  },
  {
    name: "mcp_sse_handler_min_seconds",
    kind: "gauge",
    help: "Fastest event handler run.",
    value: (m) => seconds(m.handlers.minMs),
  },
  {
    name: "mcp_sse_handler_avg_seconds",
    kind: "gauge",
    help: "Average event handler run.",
    value: (m) => seconds(m.handlers.avgMs),
  },
  {
    name: "mcp_sse_handler_max_seconds",
    kind: "gauge",
    help: "Slowest event handler run.",
    value: (m) => seconds(m.handlers.maxMs),
  },
  {
    name: "mcp_sse_slow_handlers_total",
    kind: "counter",
    help: "Event handler runs slower than slow_handler_ms.",
    value: (m) => m.handlers.slow,
  },
];

/** A label value escaped as the exposition format requires (backslash, quote, newline). */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}

/** `metrics()` as Prometheus text: every family once, one sample per server. */
export function formatPrometheus(metrics: {
  servers: Record<string, ServerMetricsSnapshot>;
}): string {
  const servers = Object.entries(metrics.servers);
  const lines: string[] = [];
  for (const family of FAMILIES) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.kind}`);
    for (const [name, snapshot] of servers)
      lines.push(
        `${family.name}{server="${escapeLabel(name)}"} ${formatNumber(family.value(snapshot))}`,
      );
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Print the stats every `intervalMs` (through the global `setInterval`, so tests drive it
 * with fake timers) until the returned `stop(final)` is called; `stop(true)` prints once more.
 */
export function startStatsPrinter(
  mcps: Pick<McpsManager, "metrics">,
  write: (text: string) => void,
  intervalMs: number,
): (final: boolean) => void {
  const print = () => write(formatPrometheus(mcps.metrics()));
  const timer = intervalMs > 0 ? setInterval(print, intervalMs) : undefined;
  let stopped = false;
  return (final) => {
    if (stopped) return;
    stopped = true;
    if (timer !== undefined) clearInterval(timer);
    if (final) print();
  };
}
