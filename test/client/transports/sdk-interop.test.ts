/**
 * The SDK v2 `Client` over our HTTP transports, against servers we did not write: SDK v1
 * legacy SSE and Streamable HTTP, SDK v2 web-standard Streamable HTTP, and server-everything.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/client";
import { closeFetch } from "../../../src/client/http.js";
import {
  createClientTransport,
  LegacySseClientTransport,
  type McpSseClientTransport,
} from "../../../src/client/transports/index.js";
import type { TransportKind } from "../../../src/config/types.js";
import { waitFor, withTimeout } from "../../helpers/wait-for.js";
import {
  serverConfig,
  startEverything,
  startV1SseServer,
  startV1StreamableServer,
  startV2StreamableServer,
  type TestServer,
} from "./helpers.js";

const HEADERS = { Authorization: "Bearer interop-secret-1234", "X-Tenant": "acme" };

async function connect(url: string, transport: TransportKind) {
  const server = serverConfig({ name: `interop-${transport}`, transport, url, headers: HEADERS });
  const clientTransport = createClientTransport({ server });
  const client = new Client({ name: "mcp-sse-test", version: "0.0.0" });
  const logs: unknown[] = [];
  client.setNotificationHandler("notifications/message", (n) => void logs.push(n.params.data));
  await withTimeout(client.connect(clientTransport), 10_000, "connect");
  return {
    client,
    transport: clientTransport,
    logs,
    close: async () => {
      await client.close();
      await closeFetch(server);
    },
  };
}

async function exerciseSdkServer(server: TestServer, kind: "sse" | "streamable-http") {
  const c = await connect(server.url, kind);
  try {
    const t: McpSseClientTransport = c.transport;
    assert.equal(t.kind, kind);
    if (t instanceof LegacySseClientTransport) {
      assert.ok(t.legacySessionId, "the endpoint named a session");
      assert.equal(t.sessionId, undefined, "the SDK skips initialize when sessionId is set");
    } else assert.ok(t.sessionId, "a session id is known after initialize");
    const tools = await c.client.listTools();
    assert.deepEqual(tools.tools.map((x) => x.name).sort(), ["echo", "notify"]);
    const echo = await c.client.callTool({ name: "echo", arguments: { text: "héllo" } });
    assert.deepEqual(echo.content, [{ type: "text", text: "héllo" }]);
    const notified = await c.client.callTool({ name: "notify", arguments: { count: 3 } });
    assert.deepEqual(notified.content, [{ type: "text", text: "sent 3" }]);
    await waitFor(() => c.logs.length >= 3, { message: "3 logging notifications" });
    assert.deepEqual(c.logs, ["n1", "n2", "n3"]);
  } finally {
    await c.close();
  }
  // Headers reached the server on the GET stream and on every POST.
  const http = server.seen.filter((r) => r.method === "GET" || r.method === "POST");
  assert.ok(
    http.some((r) => r.method === "GET"),
    "a GET stream was opened",
  );
  assert.ok(http.filter((r) => r.method === "POST").length >= 5, "every message was POSTed");
  for (const r of http) {
    assert.equal(r.headers.authorization, HEADERS.Authorization, `${r.method} ${r.path}`);
    assert.equal(r.headers["x-tenant"], "acme", `${r.method} ${r.path}`);
  }
  return http;
}

describe("SDK v1 SSEServerTransport (legacy 2024-11-05)", () => {
  let server: Awaited<ReturnType<typeof startV1SseServer>>;
  before(async () => {
    server = await startV1SseServer();
  });
  after(() => server.close());

  test("initialize, listTools, callTool and notifications over legacy SSE", async () => {
    const http = await exerciseSdkServer(server, "sse");
    for (const r of http.filter((x) => x.method === "POST"))
      assert.match(r.path, /^\/messages\?sessionId=/);
  });

  test("a dropped stream cannot be resumed by SDK v1 (new session): CLIENT_SESSION_LOST, then onclose", async () => {
    const c = await connect(server.url, "sse");
    const order: string[] = [];
    c.client.onerror = (e) => void order.push(`error:${(e as { code?: string }).code}`);
    c.client.onclose = () => void order.push("close");
    try {
      const getsBefore = server.seen.filter((r) => r.method === "GET").length;
      assert.ok((c.transport as LegacySseClientTransport).legacySessionId);
      server.dropStreams();
      await waitFor(() => order.includes("close"), { timeout: 10_000, message: "onclose" });
      assert.deepEqual(order, ["error:CLIENT_SESSION_LOST", "close"]);
      assert.equal(
        server.seen.filter((r) => r.method === "GET").length,
        getsBefore + 1,
        "the transport reconnected once, then saw the new session",
      );
      await assert.rejects(c.client.listTools());
    } finally {
      await c.close();
    }
  });
});

describe("SDK v1 StreamableHTTPServerTransport", () => {
  let server: TestServer;
  before(async () => {
    server = await startV1StreamableServer();
  });
  after(() => server.close());

  test("initialize, listTools, callTool and notifications over Streamable HTTP", async () => {
    const http = await exerciseSdkServer(server, "streamable-http");
    const posts = http.filter((r) => r.method === "POST");
    assert.equal(posts[0]?.headers["mcp-session-id"], undefined, "initialize has no session id");
    for (const r of posts.slice(1)) {
      assert.ok(r.headers["mcp-session-id"], "later POSTs carry the session id");
      assert.ok(r.headers["mcp-protocol-version"], "later POSTs carry the protocol version");
    }
    for (const r of posts)
      assert.match(String(r.headers.accept), /application\/json.*text\/event-stream/);
    assert.ok(
      server.seen.some((r) => r.method === "DELETE" && r.headers["mcp-session-id"]),
      "close() sends DELETE with the session id",
    );
  });
});

describe("SDK v2 WebStandardStreamableHTTPServerTransport", () => {
  let server: TestServer;
  before(async () => {
    server = await startV2StreamableServer();
  });
  after(() => server.close());

  test("initialize, listTools, callTool and notifications over Streamable HTTP", async () => {
    await exerciseSdkServer(server, "streamable-http");
  });
});

describe("server-everything (child process)", () => {
  for (const [mode, kind] of [
    ["sse", "sse"],
    ["streamableHttp", "streamable-http"],
  ] as const) {
    test(`${mode}: tools, echo and progress notifications`, async () => {
      const server = await startEverything(mode);
      try {
        const c = await connect(server.url, kind);
        try {
          assert.equal(c.transport.kind, kind);
          const tools = await c.client.listTools();
          const names = tools.tools.map((t) => t.name);
          assert.ok(names.includes("echo"), `echo in ${names.join(",")}`);
          const echo = await c.client.callTool({ name: "echo", arguments: { message: "ping" } });
          assert.match(JSON.stringify(echo.content), /ping/);
          // What the transport delivered, in order.
          const delivered: string[] = [];
          const sdkOnMessage = c.transport.onmessage;
          c.transport.onmessage = (m, extra) => {
            const n = m as { method?: string; params?: { progress?: number }; result?: unknown };
            if (n.method === "notifications/progress")
              delivered.push(`progress:${n.params?.progress}`);
            else if (n.result !== undefined) delivered.push("result");
            sdkOnMessage?.(m, extra);
          };
          const progress: number[] = [];
          const long = await c.client.callTool(
            { name: "trigger-long-running-operation", arguments: { duration: 0.3, steps: 3 } },
            { onprogress: (p) => void progress.push(p.progress) },
          );
          assert.match(JSON.stringify(long.content), /completed/);
          assert.deepEqual(delivered, ["progress:1", "progress:2", "progress:3", "result"]);
          // Regression: the SDK runs notification handlers on a microtask and settles the
          // response synchronously; the last progress, right before the result, was lost.
          assert.deepEqual(progress, [1, 2, 3]);
        } finally {
          await c.close();
        }
      } finally {
        await server.close();
      }
    });
  }
});
