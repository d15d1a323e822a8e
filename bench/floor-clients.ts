/**
 * Two floors for the end-to-end rows, so that a ratio can be read against what is possible:
 * - `connectRawClient`: a wire's request/response pattern with no MCP and no SDK on either
 *   side (the "raw node:http" row), against `startRawHost`. Legacy SSE: one
 *   `GET /sse` read as it comes, each call a JSON-RPC POST over an undici pool (as our
 *   transport sends it), its answer matched by id on the stream. Streamable HTTP: each call
 *   a POST whose answer is one SSE event.
 * - `connectInMemoryClient`: the MCP layer alone, no HTTP: the SDK v2 `Client` and the bench's
 *   `McpServer` in this process over the SDK's `InMemoryTransport` (every check of both).
 * Not a bench module itself: imported by `e2e.bench.ts`.
 */
import { request as httpGet, type IncomingMessage } from "node:http";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { Pool } from "undici";
import type { BenchClient, BenchTarget, WireKind } from "./e2e-clients.js";
import { createBenchServer } from "./e2e-servers.js";

/** No connect or call of a floor may hang the bench. */
const FLOOR_TIMEOUT_MS = 20_000;

interface Pending {
  resolve(text: string): void;
  reject(error: Error): void;
}

function unsupported(what: string): never {
  throw new Error(`the floor clients measure calls only (no ${what})`);
}

/** A floor client: only `echo` is measured; the notification scenarios are not run on it. */
function floorClient(
  host: BenchTarget,
  wire: WireKind,
  index: number,
  echo: (text: string) => Promise<string>,
  close: () => Promise<void>,
): BenchClient {
  return {
    wire,
    client: "ours",
    host,
    echo,
    index,
    notify: () => unsupported("notifications"),
    expect: () => unsupported("notifications"),
    received: () => unsupported("notifications"),
    waitFor: () => unsupported("notifications"),
    close,
  };
}

/** Open `GET /sse` and resolve with the stream and its `endpoint` event's path. */
function openStream(origin: string): Promise<{ stream: IncomingMessage; endpoint: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(new URL("/sse", origin), { headers: { accept: "text/event-stream" } });
    req.setTimeout(FLOOR_TIMEOUT_MS, () => req.destroy(new Error("raw floor: GET /sse timed out")));
    req.on("error", reject);
    req.on("response", (stream) => {
      // The stream then stays open however long it is quiet (other pairs run meanwhile).
      req.setTimeout(0);
      let buffered = "";
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const match = /event: endpoint\ndata: (.*)\n\n/.exec(buffered);
        if (match?.[1] === undefined) return;
        stream.off("data", onData);
        resolve({ stream, endpoint: match[1] });
      };
      stream.on("data", onData);
    });
    req.end();
  });
}

/** The raw floor's client over `wire` (see the file's comment). */
export function connectRawClient(host: BenchTarget, wire: WireKind): Promise<BenchClient> {
  return wire === "sse" ? connectRawSse(host) : connectRawStreamable(host);
}

/** The first `data:` line of an SSE answer, as the tool's text (or the POST's JSON-RPC error). */
function answerText(body: string): string {
  const line = body.split("\n").find((l) => l.startsWith("data: "));
  if (line === undefined) throw new Error(`raw floor: no event in the answer "${body}"`);
  const message = JSON.parse(line.slice(6)) as { result?: { content?: Array<{ text?: string }> } };
  return message.result?.content?.[0]?.text ?? "";
}

/** Streamable HTTP's pattern: each call one POST to `/mcp`, its answer one SSE event. */
async function connectRawStreamable(host: BenchTarget): Promise<BenchClient> {
  const pool = new Pool(host.origin);
  let nextId = 0;
  const call = async (name: string, args: Record<string, unknown>): Promise<string> => {
    const res = await pool.request({
      path: "/mcp",
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": "raw",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: nextId++,
        method: "tools/call",
        params: { name, arguments: args },
      }),
      headersTimeout: FLOOR_TIMEOUT_MS,
      bodyTimeout: FLOOR_TIMEOUT_MS,
    });
    const body = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`raw floor: POST answered ${res.statusCode}`);
    return answerText(body);
  };
  const index = Number(await call("whoami", {}));
  return floorClient(
    host,
    "streamable-http",
    index,
    (text) => call("echo", { text }),
    () => pool.close(),
  );
}

/** Legacy SSE's pattern (see the file's comment). */
async function connectRawSse(host: BenchTarget): Promise<BenchClient> {
  const { stream, endpoint } = await openStream(host.origin);
  const pool = new Pool(host.origin);
  const pending = new Map<number, Pending>();
  let nextId = 0;
  let rest = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk: string) => {
    const frames = (rest + chunk).split("\n\n");
    rest = frames.pop() ?? "";
    for (const frame of frames) {
      const line = frame.split("\n").find((l) => l.startsWith("data: "));
      if (line === undefined) continue;
      const message = JSON.parse(line.slice(6)) as {
        id: number;
        result?: { content?: Array<{ text?: string }> };
      };
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      waiter?.resolve(message.result?.content?.[0]?.text ?? "");
    }
  });
  const call = async (name: string, args: Record<string, unknown>): Promise<string> => {
    const id = nextId++;
    const answer = new Promise<string>((resolve, reject) => pending.set(id, { resolve, reject }));
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name, arguments: args },
    });
    const res = await pool.request({
      path: endpoint,
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      headersTimeout: FLOOR_TIMEOUT_MS,
    });
    await res.body.dump();
    if (res.statusCode !== 202) throw new Error(`raw floor: POST answered ${res.statusCode}`);
    return answer;
  };
  const index = Number(await call("whoami", {}));
  return floorClient(
    host,
    "sse",
    index,
    (text) => call("echo", { text }),
    async () => {
      stream.destroy();
      await pool.close();
    },
  );
}

/** The MCP layer alone (see the file's comment). */
export async function connectInMemoryClient(): Promise<BenchClient> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = createBenchServer([]);
  await server.connect(serverSide);
  const client = new Client({ name: "bench-in-memory", version: "1.0.0" });
  const options = { timeout: FLOOR_TIMEOUT_MS };
  await client.connect(clientSide, options);
  const call = async (name: string, args: Record<string, unknown>) => {
    const result = await client.callTool({ name, arguments: args }, options);
    const content = (result as { content?: Array<{ type: string; text?: string }> }).content;
    return content?.find((c) => c.type === "text")?.text ?? "";
  };
  const host: BenchTarget = {
    name: "in-memory",
    origin: "memory:",
    notify: async () => unsupported("notifications"),
  };
  return floorClient(
    host,
    "sse",
    0,
    (text) => call("echo", { text }),
    async () => {
      await client.close();
      await server.close();
    },
  );
}
