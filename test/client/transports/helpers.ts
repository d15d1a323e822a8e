/**
 * Servers the client transport tests talk to. None of them is ours: SDK v1 legacy SSE and
 * Streamable HTTP server transports over node:http, SDK v2's web-standard Streamable HTTP
 * server behind a few lines of node:http adapter, server-everything as a child process, and
 * (in the fault tests) raw node:http servers. All listen on 127.0.0.1 port 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { McpServer as V1McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import {
  McpServer as V2McpServer,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import type { ServerConfig } from "../../../src/config/types.js";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export function serverConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    name: "test",
    transport: "sse",
    args: [],
    env: {},
    headers: {},
    timeoutMs: 5_000,
    reconnectIntervalMs: 20,
    maxReconnects: 5,
    pingIntervalMs: 0,
    enabled: true,
    tools: {},
    secretHeaders: [],
    kind: "auto",
    rateLimitBackoffMs: 60_000,
    slowHandlerMs: 1000,
    ...overrides,
  };
}

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
}

export interface TestServer {
  url: string;
  origin: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
): Promise<{ server: Server; origin: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers });
    Promise.resolve(handler(req, res)).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500).end(String(error));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Tools every SDK test server offers: `echo {text}` and `notify {count}` (logging notifications). */
function addV1Tools(server: V1McpServer): void {
  server.registerTool(
    "echo",
    { description: "echo text", inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  server.registerTool(
    "notify",
    { description: "send notifications", inputSchema: { count: z.number() } },
    async ({ count }, extra) => {
      for (let i = 1; i <= count; i++)
        await extra.sendNotification({
          method: "notifications/message",
          params: { level: "info", data: `n${i}` },
        });
      return { content: [{ type: "text", text: `sent ${count}` }] };
    },
  );
}

function v1Server(): V1McpServer {
  const server = new V1McpServer(
    { name: "v1-test", version: "1.0.0" },
    { capabilities: { logging: {} } },
  );
  addV1Tools(server);
  return server;
}

/** SDK v1 `SSEServerTransport`: GET /sse + POST /messages?sessionId=… (POST /sse → 405). */
export async function startV1SseServer(): Promise<TestServer & { dropStreams(): void }> {
  const transports = new Map<string, SSEServerTransport>();
  const streams = new Set<ServerResponse>();
  const http = await listen(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "GET" && url.pathname === "/sse") {
      streams.add(res);
      res.on("close", () => streams.delete(res));
      const transport = new SSEServerTransport("/messages", res);
      transports.set(transport.sessionId, transport);
      res.on("close", () => transports.delete(transport.sessionId));
      await v1Server().connect(transport);
      return;
    }
    if (req.method === "POST" && url.pathname === "/messages") {
      const transport = transports.get(url.searchParams.get("sessionId") ?? "");
      if (transport === undefined) return void res.writeHead(404).end("unknown session");
      await transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(405, { Allow: "GET" }).end("method not allowed");
  });
  return {
    url: `${http.origin}/sse`,
    origin: http.origin,
    seen: http.seen,
    close: http.close,
    /** Cut every open SSE stream at the socket (a network drop). */
    dropStreams: () => {
      for (const res of streams) res.socket?.destroy();
    },
  };
}

/** SDK v1 `StreamableHTTPServerTransport`, stateful, at /mcp. */
export async function startV1StreamableServer(): Promise<TestServer> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const http = await listen(async (req, res) => {
    const sid = req.headers["mcp-session-id"];
    let transport = typeof sid === "string" ? transports.get(sid) : undefined;
    if (transport === undefined) {
      if (typeof sid === "string") return void res.writeHead(404).end("unknown session");
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void transports.set(id, created),
      });
      created.onclose = () => {
        if (created.sessionId !== undefined) transports.delete(created.sessionId);
      };
      await v1Server().connect(created);
      transport = created;
    }
    await transport.handleRequest(req, res);
  });
  return { url: `${http.origin}/mcp`, origin: http.origin, seen: http.seen, close: http.close };
}

/** SDK v2 `WebStandardStreamableHTTPServerTransport` behind a node:http adapter, at /mcp. */
export async function startV2StreamableServer(): Promise<TestServer> {
  const transports = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const http = await listen(async (req, res) => {
    const sid = req.headers["mcp-session-id"];
    let transport = typeof sid === "string" ? transports.get(sid) : undefined;
    if (transport === undefined) {
      if (typeof sid === "string") return void res.writeHead(404).end("unknown session");
      const created = new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void transports.set(id, created),
      });
      const server = new V2McpServer(
        { name: "v2-test", version: "1.0.0" },
        { capabilities: { logging: {} } },
      );
      server.registerTool(
        "echo",
        { description: "echo text", inputSchema: z.object({ text: z.string() }) },
        async ({ text }) => ({ content: [{ type: "text" as const, text }] }),
      );
      server.registerTool(
        "notify",
        { description: "send notifications", inputSchema: z.object({ count: z.number() }) },
        async ({ count }) => {
          for (let i = 1; i <= count; i++)
            await server.sendLoggingMessage({ level: "info", data: `n${i}` });
          return { content: [{ type: "text" as const, text: `sent ${count}` }] };
        },
      );
      await server.connect(created);
      transport = created;
    }
    const response = await transport.handleRequest(await toRequest(req));
    await writeResponse(response, res);
  });
  return { url: `${http.origin}/mcp`, origin: http.origin, seen: http.seen, close: http.close };
}

async function toRequest(req: IncomingMessage): Promise<Request> {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (Array.isArray(v)) for (const item of v) headers.append(k, item);
    else if (v !== undefined) headers.set(k, v);
  }
  const chunks: Buffer[] = [];
  if (req.method !== "GET" && req.method !== "HEAD")
    for await (const c of req) chunks.push(c as Buffer);
  const controller = new AbortController();
  req.socket.once("close", () => controller.abort());
  return new Request(`http://${req.headers.host}${req.url}`, {
    method: req.method ?? "GET",
    headers,
    ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    signal: controller.signal,
  });
}

async function writeResponse(response: Response, res: ServerResponse): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null) return void res.end();
  res.flushHeaders();
  const reader = response.body.getReader();
  res.once("close", () => void reader.cancel().catch(() => undefined));
  for (;;) {
    const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
    if (done) break;
    res.write(value);
  }
  res.end();
}

/** server-everything as a child process, on 127.0.0.1 and a free port (see loopback-preload). */
export async function startEverything(
  mode: "sse" | "streamableHttp",
): Promise<TestServer & { child: ChildProcess }> {
  const bin = `${REPO_ROOT}node_modules/@modelcontextprotocol/server-everything/dist/index.js`;
  const preload = new URL("./fixtures/loopback-preload.mjs", import.meta.url).href;
  const child = spawn(process.execPath, ["--import", preload, bin, mode], {
    cwd: REPO_ROOT,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, PORT: "0" },
  });
  const port = await new Promise<number>((resolve, reject) => {
    let text = "";
    const timer = setTimeout(
      () => reject(new Error(`server-everything ${mode} did not start: ${text}`)),
      20_000,
    );
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      text += chunk;
      const m = /MCP_SSE_TEST_LISTENING (\d+)/.exec(text);
      if (m?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server-everything exited ${code}: ${text}`));
    });
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    child,
    origin,
    url: mode === "sse" ? `${origin}/sse` : `${origin}/mcp`,
    seen: [],
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
