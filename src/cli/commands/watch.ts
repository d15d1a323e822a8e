import type { ServerStatus } from "../../client/index.js";
import { parseFlags, usageError } from "../flags.js";
import type { CliIO } from "../io.js";
import {
  CONFIG_FLAGS,
  connectConfigured,
  DEFAULT_CONFIG_FILE,
  oneLine,
  secondsFlag,
} from "./client-common.js";
import { formatEventJson, formatEventLine, formatStatus } from "./watch-format.js";
import { DEFAULT_STATS_INTERVAL_S, startStatsPrinter } from "./watch-stats.js";

/**
 * `mcp-sse watch [-c mcps.yaml] [--server NAME] [--type TYPE] [--json] [--min-priority N]
 * [--seconds N] [--stats [--stats-interval N]]`: live events until Ctrl-C (or N seconds). The status line (and every state change) goes to
 * stderr, events to stdout, each written as soon as it arrives.
 */
export const WATCH_USAGE = `usage: mcp-sse watch [options]

  -c, --config FILE  config file (default ./${DEFAULT_CONFIG_FILE})
  --server NAME      only events of this server (repeatable)
  --type TYPE        only events of this type, e.g. data_update, log, state (repeatable)
  --json             one JSON object a line: { server, type, data, id?, receivedAt, level? }
  --min-priority N   only events whose data.priority is at least N (missing counts as 0)
  --seconds N        stop after N seconds (default: run until interrupted)
  --stats            print per-server metrics (Prometheus text format) to stderr
                     every --stats-interval seconds and once at exit
  --stats-interval N seconds between --stats prints (default ${DEFAULT_STATS_INTERVAL_S})
`;

/** `--min-priority`: any finite number; `CLI_USAGE` otherwise. */
function priorityFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n))
    throw usageError(`--min-priority must be a number, got '${value}'`, WATCH_USAGE);
  return n;
}

/** The flags of `watch`, checked: `CLI_USAGE` for anything wrong. */
function watchArgs(argv: string[]) {
  const { values, positionals } = parseFlags(
    argv,
    {
      ...CONFIG_FLAGS,
      server: { type: "string", multiple: true },
      type: { type: "string", multiple: true },
      seconds: { type: "string" },
      "min-priority": { type: "string" },
      stats: { type: "boolean" },
      "stats-interval": { type: "string" },
    },
    WATCH_USAGE,
  );
  if (positionals.length > 0 && !values.help)
    throw usageError(`unexpected argument '${positionals[0]}'`, WATCH_USAGE);
  const statsIntervalMs =
    secondsFlag(values["stats-interval"], "--stats-interval", WATCH_USAGE, { positive: true }) ??
    DEFAULT_STATS_INTERVAL_S * 1000;
  return {
    values,
    seconds: secondsFlag(values.seconds, "--seconds", WATCH_USAGE),
    minPriority: priorityFlag(values["min-priority"]),
    statsIntervalMs,
  };
}

export async function watch(argv: string[], io: CliIO): Promise<number> {
  const { values, seconds, minPriority, statsIntervalMs } = watchArgs(argv);
  if (values.help) {
    io.stdout(WATCH_USAGE);
    return 0;
  }
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  io.signal.addEventListener("abort", onAbort, { once: true });
  const timer = seconds === undefined ? undefined : setTimeout(onAbort, seconds);
  const mcps = await connectConfigured(values.config, io);
  // Subscribed before anything else is awaited: the events that arrived while other servers
  // were still connecting are replayed to it (docs/client.md, "No event lost at start-up").
  const events = mcps.events({
    signal: stop.signal,
    ...(values.server === undefined ? {} : { server: values.server }),
    ...(values.type === undefined ? {} : { type: values.type }),
    ...(minPriority === undefined ? {} : { minPriority }),
  });
  const stopStats = values.stats
    ? startStatsPrinter(mcps, io.stderr, statsIntervalMs)
    : async () => {};
  try {
    if (io.signal.aborted) return 0;
    const servers = mcps.servers();
    const unknown = (values.server ?? []).filter((name) => !servers.some((s) => s.name === name));
    if (unknown.length > 0) {
      io.stderr(
        `mcp-sse watch: no server named ${unknown.map((n) => `"${n}"`).join(", ")} in the config\n`,
      );
      return 1;
    }
    io.stderr(formatStatus(servers));
    const isWatched = (name: string) => values.server === undefined || values.server.includes(name);
    if (!servers.some((s) => isWatched(s.name) && s.state === "ready")) {
      io.stderr("mcp-sse watch: no server is reachable\n");
      return 1;
    }
    // Once every watched server has given up reconnecting, no event can arrive: stop with 1.
    let gaveUp: string | undefined;
    const checkFailed = (now: ServerStatus[]) => {
      const live = now.filter((s) => isWatched(s.name) && s.state !== "disabled");
      if (gaveUp !== undefined || live.length === 0 || live.some((s) => s.state !== "failed"))
        return;
      const why = live.map((s) => `${s.name}${s.error ? ` (${s.error.code})` : ""}`).join(", ");
      gaveUp = `every watched server has failed and stopped reconnecting: ${why}`;
      stop.abort();
    };
    const format = values.json ? formatEventJson : formatEventLine;
    // State changes always reach the status line, whatever the --type filter; a line is
    // printed only when it changed (a change may already be in the first status line).
    let lastStatus = formatStatus(servers);
    const offState = mcps.on("state", () => {
      const now = mcps.servers();
      const status = formatStatus(now);
      if (status !== lastStatus) io.stderr(status);
      lastStatus = status;
      checkFailed(now);
    });
    // A server may have failed between the first status and the listener.
    checkFailed(mcps.servers());
    try {
      for await (const event of events) io.stdout(format(event));
    } finally {
      offState();
    }
    if (gaveUp !== undefined) {
      io.stderr(`mcp-sse watch: ${gaveUp}\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    io.stderr(`mcp-sse watch: ${oneLine(error)}\n`);
    return 1;
  } finally {
    await stopStats(true);
    void events.return?.();
    if (timer !== undefined) clearTimeout(timer);
    io.signal.removeEventListener("abort", onAbort);
    await mcps.close();
  }
}
