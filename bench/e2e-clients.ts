/**
 * The clients of the end-to-end bench behind one shape, `BenchClient`:
 * - `sdk`: SDK v2 `Client` + its `StreamableHTTPClientTransport` / `SSEClientTransport`
 *   (global fetch), the anchor;
 * - `ours`: SDK v2 `Client` + the mcp-sse transport from `createClientTransport` (its undici pool);
 * - `connectMcps`: the whole mcp-sse client (manager, connection, event bus) via `connectMcps`.
 * Each counts the bench's logging notifications and can wait for a count without polling.
 * Not a bench module itself: imported by `e2e.bench.ts`.
 */
import {
  Client,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from "@modelcontextprotocol/client";
import { connectMcps, type McpsEvent } from "../src/client/index.js";
import { createClientTransport } from "../src/client/transports/index.js";
import { loadConfig } from "../src/config/index.js";
import type { BenchHost } from "./e2e-servers.js";

/**
 * Where a bench client connects: a host in this process (`inProcess`) or in a child process
 * (`host-process.ts`); `notify` makes session `index`'s server send one logging notification.
 */
export interface BenchTarget {
  name: string;
  origin: string;
  notify(index: number, data: unknown): Promise<void>;
}

export function inProcess(host: BenchHost): BenchTarget {
  return {
    name: host.name,
    origin: host.origin,
    notify: async (index, data) => {
      const server = host.sessions[index];
      if (server === undefined) throw new Error(`${host.name}: no session ${index} (whoami)`);
      await server.sendLoggingMessage({ level: "info", data });
    },
  };
}

export type WireKind = "streamable-http" | "sse";
export type ClientKind = "sdk" | "ours" | "connectMcps";

/** Per request: nothing in the bench may hang. */
export const REQUEST_TIMEOUT_MS = 20_000;

/** The `data` of one bench notification: flood `round`, index `i`, and some realistic text. */
export interface FloodData {
  round: number;
  i: number;
  text: string;
}

export interface BenchClient {
  wire: WireKind;
  client: ClientKind;
  host: BenchTarget;
  /** Calls `echo { text }`; resolves with the echoed text. */
  echo(text: string): Promise<string>;
  /** This client's session on the host (`whoami`). */
  index: number;
  /** Make this session's server send one logging notification with `data`. */
  notify(data: unknown): Promise<void>;
  /** Start counting notifications of `round` (resets the counters). */
  expect(round: number): void;
  /** Notifications of the current round received, and the sum of their indexes. */
  received(): { count: number; indexSum: number };
  /** Resolves once `count` notifications of the current round have arrived. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

/** Counter + waiter shared by every client kind. */
function makeCounter() {
  let round = -1;
  let count = 0;
  let indexSum = 0;
  let waiter: { target: number; resolve: () => void } | undefined;
  return {
    expect(r: number) {
      round = r;
      count = 0;
      indexSum = 0;
    },
    received: () => ({ count, indexSum }),
    onData(data: unknown) {
      const d = data as Partial<FloodData> | undefined;
      if (d?.round !== round || typeof d.i !== "number") return;
      count += 1;
      indexSum += d.i;
      if (waiter !== undefined && count >= waiter.target) {
        const { resolve } = waiter;
        waiter = undefined;
        resolve();
      }
    },
    waitFor(target: number): Promise<void> {
      if (count >= target) return Promise.resolve();
      return new Promise((resolve) => {
        waiter = { target, resolve };
      });
    },
  };
}

function firstText(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content;
  return content?.find((c) => c.type === "text")?.text ?? "";
}

function endpoint(host: BenchTarget, wire: WireKind): URL {
  return new URL(wire === "sse" ? "/sse" : "/mcp", host.origin);
}

/** Connect one client of `kind` over `wire` to `host`. */
export async function connectBenchClient(
  host: BenchTarget,
  wire: WireKind,
  kind: ClientKind,
): Promise<BenchClient> {
  const counter = makeCounter();
  const url = endpoint(host, wire);
  const name = `bench-${host.name}-${wire}`;

  if (kind === "connectMcps") {
    const manager = await connectMcps({ mcps: [{ name, transport: wire, url: url.href }] });
    manager.on("log", (event: McpsEvent) => {
      counter.onData((event.data as { data?: unknown }).data);
    });
    const call = async (tool: string, args: Record<string, unknown>) =>
      firstText(await manager.call(name, tool, args, { timeout: REQUEST_TIMEOUT_MS }));
    const index = Number(await call("whoami", {}));
    return {
      wire,
      client: kind,
      host,
      echo: (text) => call("echo", { text }),
      index,
      notify: (data) => host.notify(index, data),
      expect: counter.expect,
      received: counter.received,
      waitFor: counter.waitFor,
      close: () => manager.close(),
    };
  }

  const client = new Client({ name, version: "1.0.0" });
  client.setNotificationHandler("notifications/message", (n) => counter.onData(n.params.data));
  let transport: Transport;
  if (kind === "ours") {
    const config = await loadConfig({ mcps: [{ name, transport: wire, url: url.href }] });
    const server = config.servers[0];
    if (server === undefined) throw new Error("bench config has no server");
    transport = createClientTransport({ server });
  } else {
    transport =
      wire === "sse" ? new SSEClientTransport(url) : new StreamableHTTPClientTransport(url);
  }
  const options = { timeout: REQUEST_TIMEOUT_MS };
  await client.connect(transport, options);
  const call = async (tool: string, args: Record<string, unknown>) =>
    firstText(await client.callTool({ name: tool, arguments: args }, options));
  const index = Number(await call("whoami", {}));
  return {
    wire,
    client: kind,
    host,
    echo: (text) => call("echo", { text }),
    index,
    notify: (data) => host.notify(index, data),
    expect: counter.expect,
    received: counter.received,
    waitFor: counter.waitFor,
    close: async () => {
      if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession();
      await client.close();
    },
  };
}
