import { parseArgs } from "node:util";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { McpSseError } from "../../errors.js";
import { createDemoServer, type DataUpdateEvent } from "../../server/demo.js";
import { serve } from "../../server/index.js";
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
/** Default: how long one demo request (list, call) may take. */
export const DEFAULT_DEMO_REQUEST_TIMEOUT_MS = 10_000;

export const DEMO_USAGE = `usage: mcp-sse demo [--seconds N]

Starts the demo server on 127.0.0.1 (a free port), connects a client over Streamable HTTP,
lists and calls realtime_monitor and weather_monitor, then shows the live data_update
events for N seconds (default ${DEFAULT_DEMO_SECONDS}) and a summary.
`;

/** What the demo needs from a client. Swap `connectDemoClient` to change the client used. */
export interface DemoClient {
  tools(): Promise<Array<{ name: string; description?: string | undefined }>>;
  /** Call a tool; returns its text content joined. */
  call(name: string, args: Record<string, unknown>): Promise<string>;
  /** Every event the server sends, as `{ type, data }` (data_update arrives as logging). */
  onEvent(handler: (type: string, data: unknown) => void): void;
  close(): Promise<void>;
}

/**
 * The client side of the demo: today the SDK v2 `Client` over Streamable HTTP, mapping a
 * logging notification whose `data.event` is a string to an event of that type (the same
 * rule as the mcp-sse client, which will replace this function).
 */
export async function connectDemoClient(url: URL, signal: AbortSignal): Promise<DemoClient> {
  const client = new Client({ name: "mcp-sse-demo-client", version: "0.1.0" });
  const handlers: Array<(type: string, data: unknown) => void> = [];
  client.setNotificationHandler("notifications/message", (n) => {
    const data = n.params.data as { event?: unknown } | undefined;
    const type = typeof data?.event === "string" ? data.event : "message";
    for (const h of handlers) h(type, data);
  });
  await client.connect(new StreamableHTTPClientTransport(url));
  const options = { timeout: DEFAULT_DEMO_REQUEST_TIMEOUT_MS, signal };
  return {
    async tools() {
      return (await client.listTools(undefined, options)).tools;
    },
    async call(name, args) {
      const result = await client.callTool({ name, arguments: args }, options);
      const parts = (result.content ?? []) as Array<{ type: string; text?: string }>;
      const text = parts.map((p) => (p.type === "text" ? (p.text ?? "") : `[${p.type}]`));
      if (result.isError === true) {
        throw new McpSseError("CLI_DEMO_FAILED", `tool ${name} failed: ${text.join(" ")}`);
      }
      return text.join(" ");
    },
    onEvent(handler) {
      handlers.push(handler);
    },
    close: () => client.close(),
  };
}

function parseDemoArgs(argv: string[]): { seconds: number } | "help" {
  let values: { seconds?: string | undefined; help?: boolean | undefined };
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { seconds: { type: "string" }, help: { type: "boolean", short: "h" } },
    }).values;
  } catch (error) {
    throw new McpSseError(
      "CLI_USAGE",
      `${(error as Error).message.split("\n")[0]}. Run 'mcp-sse demo --help'.`,
    );
  }
  if (values.help) return "help";
  const raw = values.seconds ?? String(DEFAULT_DEMO_SECONDS);
  if (!/^\d+(\.\d+)?$/.test(raw) || Number(raw) > MAX_DEMO_SECONDS) {
    throw new McpSseError(
      "CLI_USAGE",
      `--seconds must be a number from 0 to ${MAX_DEMO_SECONDS}, got '${raw}'. Run 'mcp-sse demo --help'.`,
    );
  }
  return { seconds: Number(raw) };
}

/** `HH:MM:SS.mmm` of an ISO timestamp (UTC), or the input when it is not one. */
function clock(iso: unknown): string {
  return typeof iso === "string" && /T\d\d:\d\d:\d\d\.\d{3}/.test(iso) ? iso.slice(11, 23) : "-";
}

const COLUMNS = "TIME (UTC)    EVENT          SEQ   VALUE  MONITORING";

function eventRow(type: string, data: Partial<DataUpdateEvent> | undefined): string {
  const value = typeof data?.value === "number" ? data.value.toFixed(2) : "-";
  const seq = typeof data?.seq === "number" ? String(data.seq) : "-";
  const monitoring = [
    ...(data?.monitoring?.stream_ids ?? []).map((s) => `stream=${s}`),
    ...(data?.monitoring?.locations ?? []).map((l) => `location=${l}`),
  ].join(" ");
  return `${clock(data?.timestamp).padEnd(12)}  ${type.padEnd(13)}  ${seq.padStart(3)}  ${value.padStart(6)}  ${monitoring || "(nothing yet)"}`;
}

/** Wait `ms`, or less when the signal aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export async function demo(argv: string[], io: CliIO): Promise<number> {
  const args = parseDemoArgs(argv);
  if (args === "help") {
    io.stdout(DEMO_USAGE);
    return 0;
  }
  const out = (line = "") => io.stdout(`${line}\n`);
  const server = await serve({
    createServer: () => createDemoServer(),
    host: "127.0.0.1",
    port: 0,
  });
  let client: DemoClient | undefined;
  try {
    const mcpUrl = new URL("/mcp", server.url);
    out(`demo server listening on ${server.url} (Streamable HTTP: ${mcpUrl.href})`);
    client = await connectDemoClient(mcpUrl, io.signal);

    const tools = await client.tools();
    out();
    out(`tools (${tools.length}):`);
    const width = Math.max(...tools.map((t) => t.name.length), 4);
    for (const t of tools) out(`  ${t.name.padEnd(width)}  ${t.description ?? ""}`);

    out();
    out(`> realtime_monitor { stream_id: "demo-stream-1" }`);
    out(`  ${await client.call("realtime_monitor", { stream_id: "demo-stream-1" })}`);
    out(`> weather_monitor { location: "San Francisco" }`);
    out(`  ${await client.call("weather_monitor", { location: "San Francisco" })}`);

    const values: number[] = [];
    const types = new Map<string, number>();
    out();
    out(`live events for ${args.seconds} s (Ctrl-C stops early):`);
    out(`  ${COLUMNS}`);
    client.onEvent((type, data) => {
      types.set(type, (types.get(type) ?? 0) + 1);
      const d = data as Partial<DataUpdateEvent> | undefined;
      if (typeof d?.value === "number") values.push(d.value);
      out(`  ${eventRow(type, d)}`);
    });
    const started = Date.now();
    await pause(args.seconds * 1000, io.signal);
    const elapsed = (Date.now() - started) / 1000;

    out();
    out("summary:");
    out(`  tools listed      ${tools.length}`);
    out("  tools called      2");
    const total = [...types.values()].reduce((a, b) => a + b, 0);
    const byType = [...types].map(([t, n]) => `${t}: ${n}`).join(", ");
    out(`  events received   ${total} in ${elapsed.toFixed(1)} s${byType ? ` (${byType})` : ""}`);
    if (values.length > 0) {
      const avg = values.reduce((a, b) => a + b, 0) / values.length;
      out(
        `  value             min ${Math.min(...values).toFixed(2)}  avg ${avg.toFixed(2)}  max ${Math.max(...values).toFixed(2)}`,
      );
    }
    return 0;
  } finally {
    await client?.close();
    await server.close();
  }
}
