import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, mock, test } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import {
  createMcpHttpHandler,
  serve,
  toMiddleware,
  toNodeListener,
} from "../../src/server/index.js";
import { createTestServer, INIT_PARAMS, openSse, postJson } from "./helpers.js";

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

describe("embedding the handler", () => {
  test("Express-style middleware serves /mcp and passes other paths to next()", async () => {
    const handler = createMcpHttpHandler({ createServer: createTestServer });
    const middleware = toMiddleware(handler);
    const server = createServer((req, res) =>
      middleware(req, res, () => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("the app");
      }),
    );
    const url = await listen(server);
    try {
      assert.equal(await (await fetch(`${url}/somewhere`)).text(), "the app");
      const client = new Client({ name: "mw", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
      const result = await client.callTool({ name: "echo", arguments: { text: "embedded" } });
      assert.deepEqual(result.content, [{ type: "text", text: "embedded" }]);
      await client.close();
    } finally {
      await handler.close();
      await closeServer(server);
    }
  });

  test("the web-standard fetch face works without any HTTP server", async () => {
    const handler = createMcpHttpHandler({ createServer: createTestServer });
    try {
      const res = await handler.fetch(
        new Request("http://localhost/mcp", {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
          },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: INIT_PARAMS,
          }),
        }),
      );
      assert.equal(res.status, 200);
      assert.match(await res.text(), /"serverInfo"/);
      assert.equal(handler.sessionCount, 1);
    } finally {
      await handler.close();
    }
  });

  test("toNodeListener serves plain node:http", async () => {
    const handler = createMcpHttpHandler({ createServer: createTestServer });
    const server = createServer(toNodeListener(handler));
    const url = await listen(server);
    try {
      const res = await fetch(`${url}/healthz`);
      assert.deepEqual(await res.json(), { ok: true, sessions: 0 });
    } finally {
      await handler.close();
      await closeServer(server);
    }
  });
});

const IDLE_MS = 60_000;

describe("idle sessions", () => {
  test("a session with no open stream is reaped after idleTimeoutMs; one with a stream is not", async () => {
    const h = await serve({ createServer: createTestServer, port: 0, idleTimeoutMs: IDLE_MS });
    try {
      const res = await postJson(`${h.url}/mcp`, {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: INIT_PARAMS,
      });
      await res.text();
      const idleId = res.headers.get("mcp-session-id") ?? "";
      const streaming = await openSse(`${h.url}/sse`);
      await streaming.waitFor((e) => e.length >= 1);
      assert.equal(h.handler.sessionCount, 2);
      assert.equal(await h.handler.reapIdle(), 0, "nothing idle yet");
      // Both pass the idle time on a fake clock (the reaper reads Date.now()).
      mock.timers.enable({ apis: ["Date"], now: Date.now() });
      try {
        mock.timers.tick(IDLE_MS / 2);
        assert.equal(await h.handler.reapIdle(), 0, "not idle before idleTimeoutMs");
        mock.timers.tick(IDLE_MS / 2);
        assert.equal(await h.handler.reapIdle(), 1);
      } finally {
        mock.timers.reset();
      }
      assert.equal(h.handler.sessionCount, 1, "the session with an open stream stays");
      const gone = await postJson(
        `${h.url}/mcp`,
        { jsonrpc: "2.0", id: 2, method: "tools/list" },
        { "mcp-session-id": idleId },
      );
      assert.equal(gone.status, 404);
      await gone.body?.cancel();
      streaming.abort();
    } finally {
      await h.close();
    }
  });
});

describe("a failing createServer()", () => {
  test("answers 500 with a stable code, keeps serving, and leaks no session slot", async () => {
    let calls = 0;
    const h = await serve({
      port: 0,
      maxSessions: 1,
      stateless: false,
      createServer: () => {
        calls++;
        if (calls <= 2) throw new Error("factory exploded");
        return createTestServer();
      },
    });
    try {
      const sse = await fetch(`${h.url}/sse`);
      assert.equal(sse.status, 500);
      assert.match(await sse.text(), /SERVER_INTERNAL_ERROR/);
      const mcp = await postJson(`${h.url}/mcp`, {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: INIT_PARAMS,
      });
      assert.equal(mcp.status, 500);
      await mcp.body?.cancel();
      assert.equal(h.handler.sessionCount, 0);
      const ok = await postJson(`${h.url}/mcp`, {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: INIT_PARAMS,
      });
      assert.equal(ok.status, 200, "the cap of 1 still has room");
      await ok.text();
    } finally {
      await h.close();
    }
  });
});

describe("toMiddleware and custom paths", () => {
  test("routes the handler's configured paths (custom /mcp, the feed), not the defaults", async () => {
    const handler = createMcpHttpHandler({
      createServer: createTestServer,
      mcpPath: "/api/mcp",
      feed: { path: "/events", rpcPath: "/events/rpc" },
    });
    const middleware = toMiddleware(handler);
    const server = createServer((req, res) =>
      middleware(req, res, () => {
        res.writeHead(200, { "content-type": "text/plain" });
        res.end("the app");
      }),
    );
    const url = await listen(server);
    try {
      assert.equal(await (await fetch(`${url}/mcp`)).text(), "the app", "/mcp is not ours here");
      const client = new Client({ name: "mw", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/api/mcp`)));
      const result = await client.callTool({ name: "echo", arguments: { text: "custom" } });
      assert.deepEqual(result.content, [{ type: "text", text: "custom" }]);
      await client.close();
      const rpc = await fetch(`${url}/events/rpc`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ method: "tools/list" }),
      });
      assert.equal(rpc.status, 200);
      assert.ok(Array.isArray(((await rpc.json()) as { tools: unknown[] }).tools));
    } finally {
      await handler.close();
      await closeServer(server);
    }
  });
});
