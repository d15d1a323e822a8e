import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { z } from "zod";
import { connectMcps, type McpsManager } from "../../src/client/index.js";

/** A server as most deployments still run it: SDK v1 McpServer over the legacy SSE transport. */
async function startV1SseServer(): Promise<{
  url: string;
  server: Server;
  sessions: Map<string, { transport: SSEServerTransport; mcp: McpServer }>;
}> {
  const sessions = new Map<string, { transport: SSEServerTransport; mcp: McpServer }>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (req.method === "GET" && url.pathname === "/sse") {
      const transport = new SSEServerTransport("/messages", res);
      const mcp = new McpServer(
        { name: "v1-server", version: "1.0.0" },
        { capabilities: { logging: {} } },
      );
      mcp.registerTool(
        "shout",
        { description: "Upper-case the text", inputSchema: { text: z.string() } },
        async ({ text }) => ({ content: [{ type: "text", text: text.toUpperCase() }] }),
      );
      sessions.set(transport.sessionId, { transport, mcp });
      res.on("close", () => sessions.delete(transport.sessionId));
      void mcp.connect(transport);
      return;
    }
    if (req.method === "POST" && url.pathname === "/messages") {
      const entry = sessions.get(url.searchParams.get("sessionId") ?? "");
      if (entry === undefined) {
        res.writeHead(404).end("no session");
        return;
      }
      void entry.transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/sse`, server, sessions };
}

describe("interop: SDK v1 server over legacy SSE", () => {
  let v1: Awaited<ReturnType<typeof startV1SseServer>>;
  let mcps: McpsManager;
  before(async () => {
    v1 = await startV1SseServer();
    mcps = await connectMcps({
      mcps: [{ name: "old", transport: "sse", url: v1.url, timeout: 5 }],
    });
  });
  after(async () => {
    await mcps?.close();
    v1.server.closeAllConnections();
    await new Promise<void>((resolve) => v1.server.close(() => resolve()));
  });

  it("lists and calls its tools", async () => {
    assert.deepEqual(
      mcps.tools().map((t) => t.qualifiedName),
      ["old__shout"],
    );
    const result = await mcps.call("old", "shout", { text: "hey" });
    assert.deepEqual(result.content, [{ type: "text", text: "HEY" }]);
  });

  it("receives its logging notifications as typed events", async () => {
    const iterator = mcps.events({ server: "old", type: "tick" });
    for (const { mcp } of v1.sessions.values())
      await mcp.server.sendLoggingMessage({ level: "info", data: { event: "tick", n: 7 } });
    const timer = setTimeout(() => void iterator.return?.(), 10_000);
    const first = await iterator.next();
    clearTimeout(timer);
    await iterator.return?.();
    assert.deepEqual(first.value?.data, { event: "tick", n: 7 });
  });
});
