import { connectMcps, type McpsManager } from "../../client/index.js";
import { McpSseError } from "../../errors.js";
import { createDemoServer, type DataUpdateEvent, startDemoFeed } from "../../server/demo.js";
import { serve } from "../../server/index.js";
import { sleep } from "../../sse/backoff.js";
import { parseFlags, usageError } from "../flags.js";
import type { CliIO } from "../io.js";

/**
 * `mcp-sse demo [--seconds N]`: start the demo server on a free loopback port, connect to it,
 * list and call its tools, show the live `data_update` events for a few seconds, print a
 * summary and close everything. It exercises the server and a client end to end.
 */

/** Default: how long the live events are shown. */
export const DEFAULT_DEMO_SECONDS = 5;
/** Default: the longest `--seconds` accepted (the demo is a demo, not a service). */
export const MAX_DEMO_SECONDS = 3600;
/** Default: how long one demo request (list, call) may take (each server's `timeout`). */
export const DEFAULT_DEMO_REQUEST_TIMEOUT_MS = 10_000;

export const DEMO_USAGE = `usage: mcp-sse demo [--seconds N]

Starts the demo server on 127.0.0.1 (a free port) and connects the mcp-sse client to it
through one config of two servers: "mcp", the MCP server over Streamable HTTP (/mcp), and
"feed", the plain event feed the SSE guide shows (/mcp/sse, tools over /mcp/rpc), which the
client detects from its first event. Lists the merged tool set, calls realtime_monitor on
one and weather_monitor on the other, then shows the live data_update events of both in one
table for N seconds (default ${DEFAULT_DEMO_SECONDS}) and a summary with the client's metrics.
`;

const DEMO_FLAGS = {
  seconds: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function parseDemoArgs(argv: string[]): { seconds: number } | "help" {
  const { values } = parseFlags(argv, DEMO_FLAGS, DEMO_USAGE, { positionals: false });
  if (values.help) return "help";
  const raw = values.seconds ?? String(DEFAULT_DEMO_SECONDS);
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) > MAX_DEMO_SECONDS) {
    throw usageError(
      `--seconds must be a number from 0 to ${MAX_DEMO_SECONDS}, got '${raw}'`,
      DEMO_USAGE,
    );
  }
  return { seconds: Number(raw) };
}

/** `HH:MM:SS.mmm` of an ISO timestamp (UTC), or `-` when it is not one. */
function clock(iso: unknown): string {
  return typeof iso === "string" && /T\d\d:\d\d:\d\d\.\d{3}/.test(iso) ? iso.slice(11, 23) : "-";
}

const COLUMNS = "TIME (UTC)    SERVER      EVENT          SEQ   VALUE  MONITORING";

function eventRow(
  server: string,
  type: string,
  data: Partial<DataUpdateEvent> | undefined,
): string {
  const payload = data?.payload;
  const value = typeof payload?.value === "number" ? payload.value.toFixed(2) : "-";
  const seq = typeof payload?.seq === "number" ? String(payload.seq) : "-";
  const monitoring = [
    ...(payload?.monitoring?.stream_ids ?? []).map((s) => `stream=${s}`),
    ...(payload?.monitoring?.locations ?? []).map((l) => `location=${l}`),
  ].join(" ");
  return `${clock(data?.timestamp).padEnd(12)}  ${server.padEnd(10)}  ${type.padEnd(13)}  ${seq.padStart(3)}  ${value.padStart(6)}  ${monitoring || "(nothing yet)"}`;
}

type Out = (line?: string) => void;

export async function demo(argv: string[], io: CliIO): Promise<number> {
  const args = parseDemoArgs(argv);
  if (args === "help") {
    io.stdout(DEMO_USAGE);
    return 0;
  }
  const out: Out = (line = "") => io.stdout(`${line}\n`);
  const server = await serve({
    createServer: () => createDemoServer(),
    host: "127.0.0.1",
    port: 0,
    feed: {},
  });
  const stopFeed = startDemoFeed(server.publish);
  let mcps: McpsManager | undefined;
  try {
    out(
      `demo server listening on ${server.url} (MCP: /sse and /mcp; event feed: /mcp/sse, tools over /mcp/rpc)`,
    );
    mcps = await connectDemo(server.url, io.signal);
    const tools = listTools(mcps, out);
    out();
    out(`> mcp.realtime_monitor { stream_id: "demo-stream-1" }`);
    out(`  ${await callText(mcps, "mcp", "realtime_monitor", { stream_id: "demo-stream-1" })}`);
    out(`> feed.weather_monitor { location: "San Francisco" }   (over the feed's RPC URL)`);
    out(`  ${await callText(mcps, "feed", "weather_monitor", { location: "San Francisco" })}`);
    const seen = await showEvents(mcps, args.seconds, io.signal, out);
    printSummary(mcps, tools, seen, out);
    return 0;
  } finally {
    stopFeed();
    await mcps?.close();
    await server.close();
  }
}

/** One config of two servers: the MCP endpoint and the guide-style feed; both must be ready. */
async function connectDemo(url: string, signal: AbortSignal): Promise<McpsManager> {
  const timeout = DEFAULT_DEMO_REQUEST_TIMEOUT_MS / 1000;
  const mcps = await connectMcps(
    {
      mcps: [
        { name: "mcp", transport: "streamable-http", url: new URL("/mcp", url).href, timeout },
        // Plain `transport: sse`, as the guide writes it: the first event says it is a feed.
        { name: "feed", transport: "sse", url: new URL("/mcp/sse", url).href, timeout },
      ],
    },
    { signal },
  );
  for (const s of mcps.servers()) {
    if (s.state !== "ready") {
      await mcps.close();
      throw new McpSseError(
        "CLI_DEMO_FAILED",
        `server ${s.name} is ${s.state}: ${s.error?.message ?? "no error recorded"}`,
      );
    }
  }
  return mcps;
}

function listTools(mcps: McpsManager, out: Out): number {
  const tools = mcps.tools();
  out();
  out(`one tool set across the MCP server and the event feed (${tools.length} tools):`);
  const width = Math.max(...tools.map((t) => t.qualifiedName.length), 4);
  for (const t of tools) out(`  ${t.qualifiedName.padEnd(width)}  ${t.description ?? ""}`);
  return tools.length;
}

interface SeenEvents {
  values: number[];
  byServer: Map<string, number>;
  elapsedS: number;
}

/** Print every `data_update` as a table row for `seconds` (or until the signal). */
async function showEvents(
  mcps: McpsManager,
  seconds: number,
  signal: AbortSignal,
  out: Out,
): Promise<SeenEvents> {
  const seen: SeenEvents = { values: [], byServer: new Map(), elapsedS: 0 };
  out();
  out(`live events for ${seconds} s (Ctrl-C stops early):`);
  out(`  ${COLUMNS}`);
  const unsubscribe = mcps.on("data_update", (event) => {
    seen.byServer.set(event.server, (seen.byServer.get(event.server) ?? 0) + 1);
    const d = event.data as Partial<DataUpdateEvent> | undefined;
    if (typeof d?.payload?.value === "number") seen.values.push(d.payload.value);
    out(`  ${eventRow(event.server, event.type, d)}`);
  });
  const started = Date.now();
  await sleep(seconds * 1000, signal);
  // No row after this point: the summary counts exactly the rows printed above it.
  unsubscribe();
  seen.elapsedS = (Date.now() - started) / 1000;
  return seen;
}

function printSummary(mcps: McpsManager, tools: number, seen: SeenEvents, out: Out): void {
  out();
  out("summary:");
  out(`  tools listed      ${tools}`);
  out("  tools called      2");
  const total = [...seen.byServer.values()].reduce((a, b) => a + b, 0);
  const byServer = [...seen.byServer].map(([t, n]) => `${t}: ${n}`).join(", ");
  out(
    `  data_update       ${total} in ${seen.elapsedS.toFixed(1)} s${byServer ? ` (${byServer})` : ""}`,
  );
  const { values } = seen;
  if (values.length > 0) {
    const avg = values.reduce((a, b) => a + b, 0) / values.length;
    out(
      `  value             min ${Math.min(...values).toFixed(2)}  avg ${avg.toFixed(2)}  max ${Math.max(...values).toFixed(2)}`,
    );
  }
  for (const [name, m] of Object.entries(mcps.metrics().servers)) {
    const latency = m.calls.latencyMs;
    out(
      `  ${name.padEnd(16)}  ${m.state}, ${m.calls.count} call(s)${latency ? ` avg ${latency.avg.toFixed(1)} ms` : ""}, ${m.eventsReceived} events, ${m.eventsDropped} dropped, ${m.reconnects} reconnects`,
    );
  }
}

/** Call a tool through the manager and join its text content; a tool error fails the demo. */
async function callText(
  mcps: McpsManager,
  server: string,
  tool: string,
  args: Record<string, unknown>,
): Promise<string> {
  const result = await mcps.call(server, tool, args);
  const parts = (result.content ?? []) as Array<{ type: string; text?: string }>;
  const text = parts.map((p) => (p.type === "text" ? (p.text ?? "") : `[${p.type}]`)).join(" ");
  if (result.isError === true) {
    throw new McpSseError("CLI_DEMO_FAILED", `tool ${server}.${tool} failed: ${text}`);
  }
  return text;
}
