import assert from "node:assert/strict";
import { after, before, describe, mock, test } from "node:test";
import type { JSONRPCMessage, Transport } from "@modelcontextprotocol/server";
import type { ServeHandle } from "../../src/server/index.js";
import { createMcpHttpHandler, serve } from "../../src/server/index.js";
import { flushQueuedWork, waitFor } from "../helpers/wait-for.js";
import { createTestServer, INIT_PARAMS, openSse, postJson } from "./helpers.js";
import { rawRequest, statusOf } from "./raw-http.js";

describe("Host and request-target edge cases (issue 11, item 11)", () => {
  let h: ServeHandle;
  let host: string;
  before(async () => {
    h = await serve({ createServer: createTestServer, port: 0 });
    host = new URL(h.url).host;
  });
  after(() => h.close());

  test("two Host headers get 400, whichever comes first", async () => {
    for (const [a, b] of [
      [host, "evil.com"],
      ["evil.com", host],
      [host, host],
    ]) {
      const raw = await rawRequest(
        h.url,
        `GET /healthz HTTP/1.1\r\nHost: ${a}\r\nHost: ${b}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(statusOf(raw), 400, `Host: ${a} + Host: ${b}`);
      assert.match(raw, /SERVER_BAD_REQUEST/);
    }
  });

  test("an HTTP/1.0 request without Host gets 400 (never read as localhost)", async () => {
    const raw = await rawRequest(h.url, "GET /healthz HTTP/1.0\r\n\r\n");
    assert.equal(statusOf(raw), 400);
    assert.match(raw, /SERVER_BAD_REQUEST/);
    const withHost = await rawRequest(h.url, `GET /healthz HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
    assert.equal(statusOf(withHost), 200);
  });

  test("dot segments in the target get 400, they do not reach the route", async () => {
    for (const target of [
      "/../mcp",
      "/x/../mcp",
      "/./mcp",
      "/%2e%2e/mcp",
      "/%2E./healthz",
      "/healthz/.",
    ]) {
      const raw = await rawRequest(
        h.url,
        `POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}`,
      );
      assert.equal(statusOf(raw), 400, target);
      assert.match(raw, /SERVER_BAD_REQUEST/, target);
    }
  });

  test("GET //localhost/sse and //localhost/metrics with a foreign Host get 400 and open no session", async () => {
    const port = new URL(h.url).port;
    for (const target of ["//localhost/sse", "//localhost/metrics", "//127.0.0.1:1/mcp"]) {
      const raw = await rawRequest(
        h.url,
        `GET ${target} HTTP/1.1\r\nHost: evil.example:${port}\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(statusOf(raw), 400, `${target}: ${raw.slice(0, 80)}`);
      assert.match(raw, /SERVER_BAD_REQUEST/);
    }
    assert.equal(h.handler.sessionCount, 0);
  });

  test("an absolute-form target gets 400, whatever authority it names", async () => {
    const raw = await rawRequest(
      h.url,
      `GET http://${host}/sse HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(statusOf(raw), 400);
    assert.equal(h.handler.sessionCount, 0);
    // The ordinary origin-form target still works with a loopback Host.
    const ok = await rawRequest(
      h.url,
      `GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(statusOf(ok), 200);
  });

  test("the host check reads the Host header, not the URL", async () => {
    const handler = createMcpHttpHandler({ createServer: createTestServer, stateless: false });
    try {
      for (const host of ["evil.example", "evil.example:80", "localhost@evil.example", "a b"]) {
        const response = await handler.fetch(
          new Request("http://localhost/metrics", { headers: { host } }),
        );
        assert.equal(response.status, 403, host);
        assert.equal(
          ((await response.json()) as { error: { code: string } }).error.code,
          "SERVER_HOST_NOT_ALLOWED",
        );
      }
      for (const host of ["localhost:8000", "127.0.0.1", "[::1]:9", "app.localhost"]) {
        const response = await handler.fetch(
          new Request("http://localhost/metrics", { headers: { host } }),
        );
        assert.equal(response.status, 200, host);
        await response.text();
      }
    } finally {
      await handler.close();
    }
  });

  test("PUT /mcp gets 405 SERVER_METHOD_NOT_ALLOWED with Allow", async () => {
    const handler = createMcpHttpHandler({ createServer: createTestServer });
    try {
      const response = await handler.fetch(
        new Request("http://localhost/mcp", { method: "PUT", body: "{}" }),
      );
      assert.equal(response.status, 405);
      assert.equal(response.headers.get("allow"), "GET, POST, DELETE");
      const json = (await response.json()) as { error: { data: { code: string } } };
      assert.equal(json.error.data.code, "SERVER_METHOD_NOT_ALLOWED");
    } finally {
      await handler.close();
    }
  });

  test("HEAD /healthz and /metrics answer like GET, without a body", async () => {
    for (const path of ["/healthz", "/metrics"]) {
      const raw = await rawRequest(
        h.url,
        `HEAD ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      assert.equal(statusOf(raw), 200, path);
      const [head, body] = raw.split("\r\n\r\n");
      assert.match(head ?? "", /content-type: /i, path);
      assert.equal(body, "", path);
    }
  });
});

async function initializeStreamable(url: string, fetcher: typeof fetch = fetch) {
  const res = await fetcher(`${url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: INIT_PARAMS }),
  });
  await res.text();
  const id = res.headers.get("mcp-session-id");
  assert.ok(id);
  return id;
}

describe("sessions that never finish the handshake are reaped (issue 11, item 12)", () => {
  test("fake time: a pending session goes at handshakeTimeoutMs, a finished one stays", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    const handler = createMcpHttpHandler({
      createServer: createTestServer,
      handshakeTimeoutMs: 10_000,
    });
    try {
      const fetcher = ((input: string, init?: RequestInit) =>
        handler.fetch(new Request(input, init))) as typeof fetch;
      // Legacy: GET /sse opened and closed without initialize.
      const sse = await handler.fetch(new Request("http://127.0.0.1/sse"));
      await sse.body?.cancel();
      // Streamable: initialize answered, but no notifications/initialized ever follows.
      await initializeStreamable("http://127.0.0.1", fetcher);
      // Streamable, completed: initialize then notifications/initialized.
      const done = await initializeStreamable("http://127.0.0.1", fetcher);
      const ack = await fetcher("http://127.0.0.1/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-session-id": done,
        },
        body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      });
      assert.equal(ack.status, 202);
      assert.equal(handler.sessionCount, 3);
      mock.timers.tick(9_999);
      await flushQueuedWork(200);
      assert.equal(handler.sessionCount, 3, "nothing reaped before the timeout");
      mock.timers.tick(1);
      await waitFor(() => handler.sessionCount === 1);
      assert.equal(handler.sessionCount, 1, "both pending sessions reaped, the finished one kept");
      mock.timers.tick(60_000);
      await flushQueuedWork(200);
      assert.equal(handler.sessionCount, 1);
    } finally {
      mock.timers.reset();
      await handler.close();
    }
  });

  test("fake time: an initialize the server is slow to answer stops the clock", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    // A server that answers initialize only when told (a stdio child still starting, say).
    let transport: Transport | undefined;
    let initialize: (JSONRPCMessage & { id?: string | number }) | undefined;
    const slowServer = {
      async connect(t: Transport) {
        transport = t;
        t.onmessage = (m) => {
          if ("method" in m && m.method === "initialize") initialize = m;
        };
        await t.start();
      },
      async close() {
        await transport?.close();
      },
    };
    const handler = createMcpHttpHandler({
      createServer: () => slowServer,
      handshakeTimeoutMs: 10_000,
      stateless: false,
    });
    try {
      const sse = await handler.fetch(new Request("http://127.0.0.1/sse"));
      const reader = sse.body?.getReader();
      const first = new TextDecoder().decode((await reader?.read())?.value);
      const endpoint = /data: (\S+)/.exec(first)?.[1];
      assert.ok(endpoint, first);
      const posted = await handler.fetch(
        new Request(new URL(endpoint, "http://127.0.0.1"), {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: INIT_PARAMS,
          }),
        }),
      );
      assert.equal(posted.status, 202);
      await waitFor(() => initialize !== undefined);
      assert.ok(initialize);
      mock.timers.tick(15_000);
      await flushQueuedWork(200);
      assert.equal(handler.sessionCount, 1, "the server's turn: not reaped");
      await transport?.send({
        jsonrpc: "2.0",
        id: 1,
        result: {
          protocolVersion: INIT_PARAMS.protocolVersion,
          capabilities: {},
          serverInfo: { name: "slow", version: "1" },
        },
      });
      mock.timers.tick(9_999);
      await flushQueuedWork(200);
      assert.equal(handler.sessionCount, 1, "the client's turn has just begun");
      mock.timers.tick(1);
      await waitFor(() => handler.sessionCount === 0);
      assert.equal(handler.sessionCount, 0, "the client never sent initialized: reaped");
      await reader?.cancel();
    } finally {
      mock.timers.reset();
      await handler.close();
    }
  });

  test("real server: N sessions opened without initialize drop to 0 (/metrics)", async () => {
    const h = await serve({ createServer: createTestServer, port: 0, handshakeTimeoutMs: 200 });
    try {
      const streams = await Promise.all(Array.from({ length: 8 }, () => openSse(`${h.url}/sse`)));
      await Promise.all(streams.map((s) => s.waitFor((e) => e.length > 0)));
      for (const s of streams.slice(0, 4)) s.abort(); // half closed, half left open
      for (let i = 0; i < 4; i++) await initializeStreamable(h.url);
      await waitFor(
        async () => {
          const text = await (await fetch(`${h.url}/metrics`)).text();
          return !/mcp_sse_sessions\{[^}]*\} [1-9]/.test(text);
        },
        { timeout: 10_000, message: "every pending session reaped" },
      );
      assert.equal(h.handler.sessionCount, 0);
      for (const s of streams) s.abort();
      // The handshake timeout closes only pending sessions: a finished one answers on.
      const live = await postJson(`${h.url}/mcp`, {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: INIT_PARAMS,
      });
      await live.text();
      assert.equal(live.status, 200);
    } finally {
      await h.close();
    }
  });
});
