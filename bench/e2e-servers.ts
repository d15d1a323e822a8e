/**
 * The servers of the end-to-end bench, all on 127.0.0.1 port 0, all hosting the same SDK v2
 * `McpServer` (one per session) with the same tools:
 * - ours: the mcp-sse host, `serve()`, which serves `/mcp` and `/sse` at once;
 * - anchor: the official SDK all the way — SDK v2 `WebStandardStreamableHTTPServerTransport`
 *   behind `@hono/node-server` (the adapter the SDK's own node transports use) at `/mcp`, and
 *   SDK v1 `SSEServerTransport` at `/sse` + `/messages`, on one `node:http` server.
 * Not a bench module itself: imported by `e2e.bench.ts`.
 */
import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { McpServer, WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/server";
import { z } from "zod";
import { type ServeOptions, serve } from "../src/server/index.js";

/** A running host; `sessions[i]` is the `McpServer` of the session whose `whoami` says `i`. */
export interface BenchHost {
  name: "ours" | "sdk" | "raw";
  /** Origin, e.g. `http://127.0.0.1:41234`; endpoints `/mcp` and `/sse`. */
  origin: string;
  sessions: McpServer[];
  /** The event feed (ours with `feed`): publish one event, and count the subscribers. */
  publish?(event: Record<string, unknown>): void;
  feedSubscribers?(): number;
  close(): Promise<void>;
}

/**
 * The MCP server of one session: `echo { text }` (the measured call) and `whoami` (which
 * session this client landed on, so the bench can make that session's server send
 * notifications on its standalone / legacy stream).
 */
export function createBenchServer(sessions: McpServer[]): McpServer {
  const index = sessions.length;
  const server = new McpServer(
    { name: "bench", version: "1.0.0" },
    { capabilities: { logging: {}, tools: {} } },
  );
  server.registerTool(
    "echo",
    { description: "Echo the text back", inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  server.registerTool("whoami", { description: "This session's index" }, async () => ({
    content: [{ type: "text", text: String(index) }],
  }));
  sessions.push(server);
  return server;
}

/** The mcp-sse host with its defaults (event log, bounded buffers, security checks all on). */
export async function startOursHost(
  options: Partial<Omit<ServeOptions, "createServer" | "port">> = {},
): Promise<BenchHost> {
  const sessions: McpServer[] = [];
  const handle = await serve({
    ...options,
    createServer: () => createBenchServer(sessions),
    port: 0,
  });
  return {
    name: "ours",
    origin: handle.url,
    sessions,
    ...(options.feed === undefined
      ? {}
      : {
          publish: (event) => void handle.publish(event),
          feedSubscribers: () => handle.handler.feed?.subscriberCount ?? 0,
        }),
    close: () => handle.close(),
  };
}

/** The official SDK transports on one node:http server (stateful sessions, no event store). */
export async function startSdkHost(): Promise<BenchHost> {
  const sessions: McpServer[] = [];
  const streamable = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const legacy = new Map<string, SSEServerTransport>();
  const open = new Set<ServerResponse>();

  // The SDK's documented stateful pattern: one transport per session, looked up by header.
  const mcpListener = getRequestListener(
    async (request) => {
      const sid = request.headers.get("mcp-session-id");
      let transport = sid === null ? undefined : streamable.get(sid);
      if (transport === undefined) {
        if (sid !== null) return new Response("unknown session", { status: 404 });
        const created = new WebStandardStreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void streamable.set(id, created),
        });
        created.onclose = () => {
          if (created.sessionId !== undefined) streamable.delete(created.sessionId);
        };
        await createBenchServer(sessions).connect(created);
        transport = created;
      }
      return transport.handleRequest(request);
    },
    { overrideGlobalObjects: false },
  );

  const http = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname === "/mcp") {
      open.add(res);
      res.on("close", () => open.delete(res));
      void mcpListener(req, res);
      return;
    }
    if (req.method === "GET" && url.pathname === "/sse") {
      open.add(res);
      res.on("close", () => open.delete(res));
      const transport = new SSEServerTransport("/messages", res);
      legacy.set(transport.sessionId, transport);
      res.on("close", () => legacy.delete(transport.sessionId));
      // v2 McpServer over the v1 transport: same wire protocol, the SDK's own legacy server.
      void createBenchServer(sessions).connect(
        transport as unknown as Parameters<McpServer["connect"]>[0],
      );
      return;
    }
    if (req.method === "POST" && url.pathname === "/messages") {
      const transport = legacy.get(url.searchParams.get("sessionId") ?? "");
      if (transport === undefined) return void res.writeHead(404).end("unknown session");
      void transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end("not found");
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    name: "sdk",
    origin: `http://127.0.0.1:${port}`,
    sessions,
    close: async () => {
      await Promise.allSettled(sessions.map((s) => s.close()));
      for (const res of open) res.destroy();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const CRLF = Buffer.from("\r\n");

interface RawMessage {
  id?: unknown;
  method?: string;
  params?: { name?: string; arguments?: { text?: unknown } };
}

/** The bench's two tools, as `tools/list` gives them (for a client that lists tools first). */
const RAW_TOOLS = [
  {
    name: "echo",
    inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
  },
  { name: "whoami", inputSchema: { type: "object" } },
];

/**
 * What the raw host answers on the stream: `initialize` (enough for a client to finish its
 * handshake), `tools/list`, and the bench's two tools without any schema check (`echo`,
 * `whoami`); nothing for a notification.
 */
function rawResult(message: RawMessage, index: number): unknown {
  if (message.method === "initialize")
    return {
      protocolVersion: "2024-11-05",
      capabilities: { tools: {} },
      serverInfo: { name: "raw", version: "1.0.0" },
    };
  if (message.method === "tools/list") return { tools: RAW_TOOLS };
  if (message.method !== "tools/call") return undefined;
  const text =
    message.params?.name === "whoami" ? String(index) : String(message.params?.arguments?.text);
  return { content: [{ type: "text", text }] };
}

/**
 * The floor for an idle legacy SSE session in Node: raw `node:http`, no MCP server, no SDK.
 * `GET /sse` sends the `endpoint` event and keeps the response; `POST /messages` answers
 * `initialize` and the bench's tools on that stream (`rawResult`), and 202s every POST: also
 * the floor of the legacy SSE call (`floor-clients.ts`). `POST /mcp` is the Streamable HTTP
 * call's floor: the answer is the POST's own, one SSE event.
 * Also the floor for the feed: `GET /mcp/sse` subscribes, `publish` writes to every subscriber.
 */
export async function startRawHost(): Promise<BenchHost> {
  const streams = new Map<string, ServerResponse>();
  const sessionIndex = new WeakMap<ServerResponse, number>();
  let sessionCount = 0;
  const feed = new Set<ServerResponse>();
  let feedSeq = 0;
  const http = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/mcp/sse") {
      feed.add(res);
      res.on("close", () => feed.delete(res));
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.flushHeaders();
      return;
    }
    if (req.method === "GET" && url.pathname === "/sse") {
      const id = randomUUID();
      streams.set(id, res);
      sessionIndex.set(res, sessionCount++);
      res.on("close", () => streams.delete(id));
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
      res.write(`event: endpoint\ndata: /messages?sessionId=${id}\n\n`);
      return;
    }
    // No standalone stream on the raw host (a client may ask for one: the spec's 405).
    if (req.method === "GET" && url.pathname === "/mcp") return void res.writeHead(405).end();
    if (req.method === "POST" && url.pathname === "/mcp") {
      // Streamable HTTP's pattern: the answer to a request is the POST's answer, one SSE event.
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const message = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RawMessage;
        const result = rawResult(message, 0);
        if (result === undefined) return void res.writeHead(202).end();
        res.writeHead(200, { "content-type": "text/event-stream", "mcp-session-id": "raw" });
        res.end(
          `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: message.id, result })}\n\n`,
        );
      });
      return;
    }
    if (req.method === "POST" && url.pathname === "/messages") {
      const stream = streams.get(url.searchParams.get("sessionId") ?? "");
      if (stream === undefined) return void res.writeHead(404).end();
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const message = JSON.parse(Buffer.concat(chunks).toString("utf8")) as RawMessage;
        const result = rawResult(message, sessionIndex.get(stream) ?? 0);
        if (result !== undefined)
          stream.write(
            `event: message\ndata: ${JSON.stringify({ jsonrpc: "2.0", id: message.id, result })}\n\n`,
          );
        res.writeHead(202).end("Accepted");
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return {
    name: "raw",
    origin: `http://127.0.0.1:${port}`,
    sessions: [],
    // The floor of a feed in Node: the event framed once as an HTTP/1.1 chunk, one
    // `socket.write` per subscriber; no log, no bound, no keep-alive, no metrics.
    publish: (event) => {
      const frame = Buffer.from(`id: ${++feedSeq}\ndata: ${JSON.stringify(event)}\n\n`);
      const chunk = Buffer.concat([
        Buffer.from(`${frame.byteLength.toString(16)}\r\n`),
        frame,
        CRLF,
      ]);
      for (const res of feed) res.socket?.write(chunk);
    },
    feedSubscribers: () => feed.size,
    close: async () => {
      for (const res of feed) res.destroy();
      for (const res of streams.values()) res.destroy();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
