import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";
import { createJsonLogger } from "../../src/logger.js";
import type { ServeHandle } from "../../src/server/index.js";
import { serve } from "../../src/server/index.js";
import { createTestServer, INIT_PARAMS, openSse, postJson } from "./helpers.js";

/** A raw request with a chosen Host header (fetch does not let us forge it). */
function rawRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: options.method ?? "GET", headers: options.headers, timeout: 10_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(options.body);
  });
}

const initBody = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: INIT_PARAMS,
});

describe("Host and Origin checks (DNS-rebinding protection)", () => {
  let h: ServeHandle;
  before(async () => {
    h = await serve({
      createServer: createTestServer,
      port: 0,
      allowedOrigins: ["https://app.example.com"],
    });
  });
  after(() => h.close());

  test("a foreign Origin gets 403 on GET /sse, POST /mcp and POST /messages", async () => {
    const origin = { origin: "https://evil.example" };
    const sse = await fetch(`${h.url}/sse`, { headers: origin });
    assert.equal(sse.status, 403);
    assert.equal(
      ((await sse.json()) as { error: { code: string } }).error.code,
      "SERVER_ORIGIN_NOT_ALLOWED",
    );
    const mcp = await postJson(`${h.url}/mcp`, initBody, origin);
    assert.equal(mcp.status, 403);
    await mcp.body?.cancel();
    const messages = await postJson(`${h.url}/messages?sessionId=x`, "{}", origin);
    assert.equal(messages.status, 403);
    await messages.body?.cancel();
    assert.equal(h.handler.sessionCount, 0, "no session was created");
  });

  test("a same-origin localhost page and a configured origin are served, with CORS for the latter only", async () => {
    const same = await fetch(`${h.url}/healthz`, { headers: { origin: h.url } });
    assert.equal(same.status, 200);
    assert.equal(same.headers.get("access-control-allow-origin"), null);
    await same.body?.cancel();
    const configured = await fetch(`${h.url}/healthz`, {
      headers: { origin: "https://app.example.com" },
    });
    assert.equal(configured.status, 200);
    assert.equal(configured.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.match(configured.headers.get("access-control-expose-headers") ?? "", /mcp-session-id/);
    await configured.body?.cancel();
  });

  test("a CORS preflight from a configured origin is answered 204; from another origin 403", async () => {
    const ok = await fetch(`${h.url}/mcp`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
    });
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.match(ok.headers.get("access-control-allow-headers") ?? "", /mcp-session-id/);
    assert.notEqual(ok.headers.get("access-control-allow-origin"), "*");
    const no = await fetch(`${h.url}/mcp`, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    assert.equal(no.status, 403);
    await no.body?.cancel();
  });

  test("a Host that is not loopback or allowed gets 403, including GET /sse", async () => {
    for (const [method, path] of [
      ["GET", "/sse"],
      ["POST", "/mcp"],
      ["GET", "/healthz"],
    ] as const) {
      const res = await rawRequest(`${h.url}${path}`, {
        method,
        headers: {
          host: "attacker.example:80",
          "content-type": "application/json",
          accept: "text/event-stream",
        },
        ...(method === "POST" ? { body: initBody } : {}),
      });
      assert.equal(res.status, 403, `${method} ${path}`);
      assert.match(res.body, /SERVER_HOST_NOT_ALLOWED/);
    }
  });

  test("allowedHosts admits a configured host name", async () => {
    const h2 = await serve({
      createServer: createTestServer,
      port: 0,
      allowedHosts: ["mcp.internal"],
    });
    try {
      const res = await rawRequest(`${h2.url}/healthz`, { headers: { host: "mcp.internal:1234" } });
      assert.equal(res.status, 200);
    } finally {
      await h2.close();
    }
  });
});

describe("auth, sessions and limits", () => {
  let h: ServeHandle;
  const alice = { authorization: "Bearer alice-token" };
  const bob = { authorization: "Bearer bob-token" };
  before(async () => {
    h = await serve({
      createServer: createTestServer,
      port: 0,
      auth: { tokens: ["alice-token", "bob-token"] },
      maxBodyBytes: 64 * 1024,
      maxSessions: 3,
    });
  });
  after(() => h.close());

  async function initAs(headers: Record<string, string>): Promise<string> {
    const res = await postJson(`${h.url}/mcp`, initBody, headers);
    assert.equal(res.status, 200);
    await res.text();
    return res.headers.get("mcp-session-id") ?? "";
  }

  test("no or a wrong token gets 401 with WWW-Authenticate: Bearer, on every endpoint", async () => {
    for (const headers of [
      {},
      { authorization: "Bearer wrong" },
      { authorization: "Basic YWxpY2U6eA==" },
    ]) {
      const res = await postJson(`${h.url}/mcp`, initBody, headers);
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
      await res.body?.cancel();
    }
    const sse = await fetch(`${h.url}/sse`);
    assert.equal(sse.status, 401);
    await sse.body?.cancel();
    const metrics = await fetch(`${h.url}/metrics`);
    assert.equal(metrics.status, 401);
    await metrics.body?.cancel();
    const health = await fetch(`${h.url}/healthz`);
    assert.equal(health.status, 200, "health checks need no token");
    await health.body?.cancel();
  });

  test("a session id used with another token is 404, exactly like an unknown one", async () => {
    const sessionId = await initAs(alice);
    const stolen = await postJson(
      `${h.url}/mcp`,
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { ...bob, "mcp-session-id": sessionId },
    );
    assert.equal(stolen.status, 404);
    const unknown = await postJson(
      `${h.url}/mcp`,
      { jsonrpc: "2.0", id: 2, method: "tools/list" },
      { ...bob, "mcp-session-id": crypto.randomUUID() },
    );
    assert.equal(unknown.status, 404);
    assert.deepEqual(await stolen.json(), await unknown.json());
    const owner = await postJson(
      `${h.url}/mcp`,
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { ...alice, "mcp-session-id": sessionId },
    );
    assert.equal(owner.status, 202, "the owner still reaches it");
    await fetch(`${h.url}/mcp`, {
      method: "DELETE",
      headers: { ...alice, "mcp-session-id": sessionId },
    });
  });

  test("a legacy session is bound too: POST /messages and Last-Event-ID resume with another token are 404", async () => {
    const sse = await openSse(`${h.url}/sse`, { headers: alice });
    try {
      await sse.waitFor((e) => e.length >= 1);
      const endpoint = sse.events[0];
      const messagesUrl = new URL(endpoint?.data ?? "", h.url).href;
      const res = await postJson(messagesUrl, initBody, bob);
      assert.equal(res.status, 404);
      await res.body?.cancel();
      const resume = await fetch(`${h.url}/sse`, {
        headers: { ...bob, "last-event-id": endpoint?.id ?? "" },
      });
      assert.equal(resume.status, 404);
      await resume.body?.cancel();
      const own = await postJson(messagesUrl, initBody, alice);
      assert.equal(own.status, 202);
      await own.body?.cancel();
    } finally {
      sse.abort();
    }
  });

  test("unknown session → 404 at once, on both transports", async () => {
    const legacy = await postJson(
      `${h.url}/messages?sessionId=${crypto.randomUUID()}`,
      initBody,
      alice,
    );
    assert.equal(legacy.status, 404);
    assert.equal(((await legacy.json()) as { error: { code: number } }).error.code, -32001);
    const get = await fetch(`${h.url}/mcp`, {
      headers: { ...alice, accept: "text/event-stream", "mcp-session-id": "not-a-session" },
    });
    assert.equal(get.status, 404);
    await get.body?.cancel();
  });

  test("a body over the limit → 413 (declared or streamed)", async () => {
    const sessionId = await initAs(alice);
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 9,
      method: "tools/list",
      params: { pad: "x".repeat(100 * 1024) },
    });
    const res = await postJson(`${h.url}/mcp`, big, { ...alice, "mcp-session-id": sessionId });
    assert.equal(res.status, 413);
    assert.equal(
      ((await res.json()) as { error: { data: { code: string } } }).error.data.code,
      "SERVER_BODY_TOO_LARGE",
    );
    // A streamed body with no Content-Length is cut off as it passes the limit.
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 10; i++)
          controller.enqueue(new TextEncoder().encode("x".repeat(16 * 1024)));
        controller.close();
      },
    });
    const streamed = await fetch(`${h.url}/mcp`, {
      method: "POST",
      headers: {
        ...alice,
        "mcp-session-id": sessionId,
        "content-type": "application/json",
        accept: "text/event-stream",
      },
      body: chunks,
      duplex: "half",
    } as RequestInit);
    assert.equal(streamed.status, 413);
    await streamed.body?.cancel();
    await fetch(`${h.url}/mcp`, {
      method: "DELETE",
      headers: { ...alice, "mcp-session-id": sessionId },
    });
  });

  test("a POST that is not application/json → 415", async () => {
    const res = await fetch(`${h.url}/mcp`, {
      method: "POST",
      headers: {
        ...alice,
        "content-type": "text/plain",
        accept: "application/json, text/event-stream",
      },
      body: initBody,
    });
    assert.equal(res.status, 415);
    await res.body?.cancel();
  });

  test("malformed JSON → 400 with a JSON-RPC parse error (-32700), and the server keeps serving", async () => {
    const res = await postJson(`${h.url}/mcp`, '{"jsonrpc": "2.0", "id": 1, "method": ', alice);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { jsonrpc: string; id: null; error: { code: number } };
    assert.equal(body.jsonrpc, "2.0");
    assert.equal(body.error.code, -32700);
    const notRpc = await postJson(`${h.url}/mcp`, '{"hello": "world"}', alice);
    assert.equal(notRpc.status, 400);
    assert.equal(((await notRpc.json()) as { error: { code: number } }).error.code, -32600);
    const health = await fetch(`${h.url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
  });

  test("the session cap → 503 with Retry-After; room again after a session closes", async () => {
    const ids: string[] = [];
    while (h.handler.sessionCount < 3) ids.push(await initAs(alice));
    const full = await postJson(`${h.url}/mcp`, initBody, alice);
    assert.equal(full.status, 503);
    assert.match(full.headers.get("retry-after") ?? "", /^\d+$/);
    await full.body?.cancel();
    const fullSse = await fetch(`${h.url}/sse`, { headers: alice });
    assert.equal(fullSse.status, 503);
    await fullSse.body?.cancel();
    for (const id of ids)
      await fetch(`${h.url}/mcp`, {
        method: "DELETE",
        headers: { ...alice, "mcp-session-id": id },
      });
    const again = await initAs(alice);
    assert.ok(again);
  });
});

describe("auth with a verify hook", () => {
  test("verify() decides, and its principal binds the session", async () => {
    const h = await serve({
      createServer: createTestServer,
      port: 0,
      auth: {
        verify: async (request) => {
          const user = request.headers.get("x-user");
          return user ? { id: `user:${user}` } : null;
        },
      },
    });
    try {
      const none = await postJson(`${h.url}/mcp`, initBody);
      assert.equal(none.status, 401);
      await none.body?.cancel();
      const res = await postJson(`${h.url}/mcp`, initBody, { "x-user": "ann" });
      assert.equal(res.status, 200);
      await res.text();
      const sessionId = res.headers.get("mcp-session-id") ?? "";
      const other = await postJson(
        `${h.url}/mcp`,
        { jsonrpc: "2.0", method: "notifications/initialized" },
        { "x-user": "ben", "mcp-session-id": sessionId },
      );
      assert.equal(other.status, 404);
      await other.body?.cancel();
    } finally {
      await h.close();
    }
  });
});

describe("logging", () => {
  test("rejected requests are logged with Authorization redacted", async () => {
    const lines: string[] = [];
    const h = await serve({
      createServer: createTestServer,
      port: 0,
      auth: { tokens: ["the-real-token"] },
      logger: createJsonLogger((line) => lines.push(line), "debug"),
    });
    try {
      const res = await postJson(`${h.url}/mcp`, initBody, {
        authorization: "Bearer guessed-secret-value",
      });
      assert.equal(res.status, 401);
      await res.body?.cancel();
      const ok = await postJson(`${h.url}/mcp`, initBody, {
        authorization: "Bearer the-real-token",
      });
      await ok.text();
      const rejected = lines.find((l) => l.includes("request rejected"));
      assert.ok(rejected, lines.join(""));
      assert.match(rejected, /"authorization":"\[REDACTED\]"/);
      const all = lines.join("");
      assert.ok(!all.includes("guessed-secret-value"), "a presented token never reaches the log");
      assert.ok(!all.includes("the-real-token"), "a configured token never reaches the log");
      assert.match(all, /session opened/);
    } finally {
      await h.close();
    }
  });
});
