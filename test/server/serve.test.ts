import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport as V1StreamableTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { ServeHandle } from "../../src/server/index.js";
import { serve } from "../../src/server/index.js";
import { createTestServer, INIT_PARAMS, openSse, postJson } from "./helpers.js";

describe("serve(): tools over both transports", () => {
  let h: ServeHandle;
  before(async () => {
    h = await serve({ createServer: createTestServer, port: 0 });
  });
  after(() => h.close());

  test("port 0 picks a free port and url names it", () => {
    assert.match(h.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(new URL(h.url).port, "0");
  });

  test("SDK v2 client lists and calls tools over Streamable HTTP (/mcp)", async () => {
    const client = new Client({ name: "v2", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`)));
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ["burst", "echo"]);
      const result = await client.callTool({ name: "echo", arguments: { text: "over /mcp" } });
      assert.deepEqual(result.content, [{ type: "text", text: "over /mcp" }]);
    } finally {
      await client.close();
    }
  });

  test("SDK v1 client lists and calls tools over legacy SSE (/sse)", async () => {
    const client = new V1Client({ name: "v1", version: "1.0.0" });
    await client.connect(new SSEClientTransport(new URL(`${h.url}/sse`)));
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), ["burst", "echo"]);
      const result = await client.callTool({ name: "echo", arguments: { text: "over /sse" } });
      assert.deepEqual(result.content, [{ type: "text", text: "over /sse" }]);
    } finally {
      await client.close();
    }
  });

  test("SDK v1 client calls tools over Streamable HTTP, with progress-style notifications", async () => {
    const client = new V1Client({ name: "v1", version: "1.0.0" });
    await client.connect(new V1StreamableTransport(new URL(`${h.url}/mcp`)));
    try {
      const result = await client.callTool({ name: "burst", arguments: { count: 3 } });
      assert.deepEqual(result.content, [{ type: "text", text: "sent 3" }]);
    } finally {
      await client.close();
    }
  });

  test("SDK v2 client in auto mode speaks the stateless 2026-07-28 revision (no session)", async () => {
    const before = h.handler.sessionCount;
    const client = new Client(
      { name: "v2", version: "1.0.0" },
      { versionNegotiation: { mode: "auto" } },
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`)));
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
      const result = await client.callTool({ name: "burst", arguments: { count: 2 } });
      assert.deepEqual(result.content, [{ type: "text", text: "sent 2" }]);
      assert.equal(h.handler.sessionCount, before, "stateless: no session kept");
    } finally {
      await client.close();
    }
  });

  test("every legacy SSE event carries an id <sessionId>:<seq>, endpoint first", async () => {
    const sse = await openSse(`${h.url}/sse`);
    try {
      assert.equal(sse.response.status, 200);
      assert.equal(sse.response.headers.get("content-type"), "text/event-stream");
      assert.equal(sse.response.headers.get("cache-control"), "no-cache, no-transform");
      assert.equal(sse.response.headers.get("x-accel-buffering"), "no");
      await sse.waitFor((e) => e.length >= 1);
      const endpoint = sse.events[0];
      assert.equal(endpoint?.event, "endpoint");
      const messages = new URL(endpoint?.data ?? "", h.url);
      const sessionId = messages.searchParams.get("sessionId") ?? "";
      assert.equal(endpoint?.id, `${sessionId}:0`);
      const post = (body: unknown) => postJson(messages.href, body);
      assert.equal(
        (await post({ jsonrpc: "2.0", id: 1, method: "initialize", params: INIT_PARAMS })).status,
        202,
      );
      await post({ jsonrpc: "2.0", method: "notifications/initialized" });
      await post({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "burst", arguments: { count: 5 } },
      });
      await sse.waitFor((e) => e.some((x) => x.data.includes('"id":2')));
      const ids = sse.events.map((e) => e.id);
      assert.ok(
        ids.every((id) => id?.startsWith(`${sessionId}:`)),
        `ids: ${ids.join(",")}`,
      );
      // Sequence numbers are contiguous: 0 (endpoint), then 1..n.
      assert.deepEqual(
        ids.map((id) => Number(id?.split(":")[1])),
        ids.map((_, i) => i),
      );
    } finally {
      sse.abort();
    }
  });

  test("every /mcp SSE event carries an id, including the priming event", async () => {
    const init = await openSse(`${h.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: INIT_PARAMS }),
    });
    await init.ended;
    const sessionId = init.response.headers.get("mcp-session-id") ?? "";
    assert.match(sessionId, /^[0-9a-f-]{36}$/);
    assert.ok(init.events.length >= 2, "priming + response");
    assert.equal(init.events[0]?.data, "", "priming event has empty data");
    for (const e of init.events) assert.match(e.id ?? "", new RegExp(`^${sessionId}:\\d+$`));
    const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
    const initialized = await postJson(
      `${h.url}/mcp`,
      { jsonrpc: "2.0", method: "notifications/initialized" },
      headers,
    );
    assert.equal(initialized.status, 202);
    const call = await openSse(`${h.url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "burst", arguments: { count: 4 } },
      }),
    });
    await call.ended;
    assert.equal(call.events.length, 1 + 4 + 1, "priming, 4 notifications, the response");
    for (const e of call.events) assert.match(e.id ?? "", new RegExp(`^${sessionId}:\\d+$`));
    const del = await fetch(`${h.url}/mcp`, { method: "DELETE", headers });
    assert.equal(del.status, 200);
    const after = await postJson(
      `${h.url}/mcp`,
      { jsonrpc: "2.0", id: 3, method: "tools/list" },
      headers,
    );
    assert.equal(after.status, 404, "a deleted session is gone");
  });

  test("/healthz reports ok and the session count as JSON", async () => {
    const res = await fetch(`${h.url}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { ok: boolean; sessions: number };
    assert.equal(body.ok, true);
    assert.equal(typeof body.sessions, "number");
  });
});

describe("serve(): keep-alive, metrics, graceful close", () => {
  test("a keep-alive comment arrives on an idle stream", async () => {
    const h = await serve({ createServer: createTestServer, port: 0, keepAliveMs: 50 });
    try {
      const sse = await openSse(`${h.url}/sse`);
      await sse.waitFor(() => sse.comments.includes("keepalive"));
      sse.abort();
    } finally {
      await h.close();
    }
  });

  test("/metrics exposes the counters in Prometheus text", async () => {
    const h = await serve({ createServer: createTestServer, port: 0 });
    try {
      const client = new Client({ name: "v2", version: "1.0.0" });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`)));
      await client.callTool({ name: "echo", arguments: { text: "x" } });
      await fetch(`${h.url}/mcp`, {
        method: "POST",
        headers: { "mcp-session-id": "nope", "content-type": "application/json" },
        body: "{}",
      });
      const text = await (await fetch(`${h.url}/metrics`)).text();
      for (const name of [
        "mcp_sse_sessions",
        "mcp_sse_messages_in_total",
        "mcp_sse_messages_out_total",
        "mcp_sse_errors_total",
        "mcp_sse_stream_reconnects_total",
        "mcp_sse_replayed_events_total",
        "mcp_sse_queue_drops_total",
        "mcp_sse_slow_client_disconnects_total",
      ]) {
        assert.match(text, new RegExp(`# TYPE ${name} `), name);
      }
      assert.match(text, /mcp_sse_sessions\{transport="streamable"\} 1/);
      assert.match(text, /mcp_sse_messages_in_total\{transport="streamable"\} [3-9]/);
      assert.match(text, /mcp_sse_errors_total\{code="404"\} 1/);
      await client.close();
    } finally {
      await h.close();
    }
  });

  test("graceful close tells open streams, ends them, and frees the port", async () => {
    const h = await serve({ createServer: createTestServer, port: 0 });
    const legacy = await openSse(`${h.url}/sse`);
    await legacy.waitFor((e) => e.length >= 1);
    const client = new Client({ name: "v2", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`)));
    assert.equal(h.handler.sessionCount, 2);
    await h.close();
    await legacy.ended;
    assert.ok(
      legacy.comments.includes("server shutting down"),
      `comments: ${legacy.comments.join("|")}`,
    );
    assert.equal(h.handler.sessionCount, 0);
    await assert.rejects(fetch(`${h.url}/healthz`), "listener is closed");
    await client.close();
  });
});

describe("serve(): a ServerLike that is not an SDK server", () => {
  test("serves 2025 sessions, and auto-negotiating clients fall back to them", async () => {
    const h = await serve({
      port: 0,
      createServer: () => {
        const inner = createTestServer();
        return { connect: (t) => inner.connect(t), close: () => inner.close() };
      },
    });
    try {
      const client = new Client(
        { name: "v2", version: "1.0.0" },
        { versionNegotiation: { mode: "auto" } },
      );
      await client.connect(new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`)));
      assert.equal(client.getNegotiatedProtocolVersion(), "2025-11-25");
      const result = await client.callTool({ name: "echo", arguments: { text: "wrapped" } });
      assert.deepEqual(result.content, [{ type: "text", text: "wrapped" }]);
      assert.equal(h.handler.sessionCount, 1);
      await client.close();
    } finally {
      await h.close();
    }
  });
});
