/**
 * `mcp-sse watch --stats`: the manager's per-server metrics in the Prometheus text exposition
 * format (the library's `createClientMetricsRegistry`: what a `/metrics` endpoint serves),
 * printed every `--stats-interval` seconds and once at exit.
 */
import { createClientMetricsRegistry, type MetricsSource } from "../../client/prometheus.js";

/** `--stats-interval` when none is given, seconds. */
export const DEFAULT_STATS_INTERVAL_S = 10;

/**
 * Print the stats every `intervalMs` (through the global `setInterval`, so tests drive it
 * with fake timers) until the returned `stop(final)` is called; `stop(true)` prints once more.
 * The promise `stop` returns settles once everything is printed.
 */
export function startStatsPrinter(
  mcps: MetricsSource,
  write: (text: string) => void,
  intervalMs: number,
): (final: boolean) => Promise<void> {
  const registry = createClientMetricsRegistry(mcps);
  let stopped = false;
  // Prints in order even though a scrape is async: each waits for the one before it.
  let printing = Promise.resolve();
  const print = () => {
    printing = printing.then(async () => write(await registry.metrics()));
    return printing;
  };
  const timer = intervalMs > 0 ? setInterval(() => void print(), intervalMs) : undefined;
  return async (final) => {
    if (stopped) return printing;
    stopped = true;
    if (timer !== undefined) clearInterval(timer);
    return final ? print() : printing;
  };
}
