import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { after, before, describe, test } from "node:test";
import type { Logger } from "../../src/logger.js";
import type { ServeHandle } from "../../src/server/index.js";
import { createMcpHttpHandler, serve } from "../../src/server/index.js";
import { waitFor } from "../helpers/wait-for.js";
import { createTestServer, INIT_PARAMS, openSse, postJson, type RawSse } from "./helpers.js";
import { abandonMidBody } from "./raw-http.js";

interface Captured {
  level: string;
  obj: unknown;
  msg: string | undefined;
}

function capturingLogger(lines: Captured[]): Logger {
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

async function streamableSession(url: string): Promise<string> {
  const res = await postJson(`${url}/mcp`, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: INIT_PARAMS,
  });
  await res.body?.cancel();
  const id = res.headers.get("mcp-session-id");
  assert.ok(id, "initialize gave a session id");
  return id;
}

async function legacySession(url: string): Promise<{ sse: RawSse; messages: string }> {
  const sse = await openSse(`${url}/sse`);
  await sse.waitFor((events) => events.some((e) => e.event === "endpoint"));
  const endpoint = sse.events.find((e) => e.event === "endpoint");
  return { sse, messages: new URL(endpoint?.data ?? "", url).toString() };
}

function nested(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

// These suites keep raw sessions (no handshake) across tests on purpose: no handshake timeout.
describe("deeply nested JSON bodies get 400, not 500 (issue 11, item 8)", () => {
  let h: ServeHandle;
  let sse: RawSse;
  let messages: string;
  let mcpSession: string;
  before(async () => {
    h = await serve({ createServer: createTestServer, port: 0, feed: {}, handshakeTimeoutMs: 0 });
    ({ sse, messages } = await legacySession(h.url));
    mcpSession = await streamableSession(h.url);
  });
  after(async () => {
    sse.abort();
    await h.close();
  });

  const kinds = {
    response: (depth: number) => `{"jsonrpc":"2.0","id":7,"result":{"x":${nested(depth)}}}`,
    error: (depth: number) =>
      `{"jsonrpc":"2.0","id":7,"error":{"code":1,"message":"m","data":${nested(depth)}}}`,
  };
  for (const [kind, body] of Object.entries(kinds)) {
    test(`a ${kind} nested 5,000 deep POSTed to /messages is a JSON-RPC 400`, async () => {
      const res = await postJson(messages, body(5000));
      assert.equal(res.status, 400);
      const json = (await res.json()) as { error: { code: number; data?: { code?: string } } };
      assert.ok([-32700, -32600].includes(json.error.code), `JSON-RPC code ${json.error.code}`);
      assert.equal(json.error.data?.code, "SERVER_JSON_TOO_DEEP");
    });
    test(`a ${kind} nested 5,000 deep POSTed to /mcp is a JSON-RPC 400`, async () => {
      const res = await postJson(`${h.url}/mcp`, body(5000), { "mcp-session-id": mcpSession });
      assert.equal(res.status, 400);
      const json = (await res.json()) as { error: { code: number; data?: { code?: string } } };
      assert.ok([-32700, -32600].includes(json.error.code), `JSON-RPC code ${json.error.code}`);
      assert.equal(json.error.data?.code, "SERVER_JSON_TOO_DEEP");
    });
  }
  test("a deep body to /mcp without a session is a 400 too (stateless leg)", async () => {
    const res = await postJson(`${h.url}/mcp`, kinds.response(5000));
    assert.equal(res.status, 400);
    await res.body?.cancel();
  });
  test("a deep body to the event feed's RPC URL is a 400 too", async () => {
    const res = await postJson(
      `${h.url}/mcp/rpc`,
      `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x","deep":${nested(5000)}}}}`,
    );
    assert.equal(res.status, 400);
    assert.match(await res.text(), /SERVER_JSON_TOO_DEEP/);
  });
  test("brackets inside strings do not count as nesting", async () => {
    const res = await postJson(messages, {
      jsonrpc: "2.0",
      method: "notifications/x",
      params: { s: "[".repeat(10_000) },
    });
    assert.equal(res.status, 202);
    await res.body?.cancel();
  });
});

describe("a client that leaves mid-body is not a server error (issue 11, item 9)", () => {
  let h: ServeHandle;
  const lines: Captured[] = [];
  let sse: RawSse;
  let messages: string;
  let mcpSession: string;
  before(async () => {
    h = await serve({
      createServer: createTestServer,
      port: 0,
      logger: capturingLogger(lines),
      handshakeTimeoutMs: 0,
    });
    ({ sse, messages } = await legacySession(h.url));
    mcpSession = await streamableSession(h.url);
  });
  after(async () => {
    sse.abort();
    await h.close();
  });

  test("20 abandoned bodies on /messages and /mcp: debug lines and their own counter", async () => {
    const host = new URL(h.url).host;
    const target = new URL(messages);
    const heads = [
      `POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n`,
      `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nMcp-Session-Id: ${mcpSession}\r\nContent-Length: 100000\r\n\r\n`,
    ];
    for (let i = 0; i < 10; i++) {
      for (const head of heads) await abandonMidBody(h.url, head, '{"jsonrpc":"2.0",');
    }
    const counted = async () => {
      const text = await h.handler.metrics.registry.metrics();
      return /mcp_sse_client_disconnects_total (\d+)/.exec(text)?.[1] === "20" ? text : undefined;
    };
    const text = await waitFor(counted, { message: "20 client disconnects counted" });
    assert.doesNotMatch(text, /mcp_sse_errors_total\{code="500"\}/);
    const errors = lines.filter((l) => l.level === "error" || l.level === "warn");
    assert.deepEqual(errors, []);
    assert.ok(lines.some((l) => l.level === "debug" && /client/i.test(l.msg ?? "")));
  });
});

/** POST `bytes` with node:http (chunked when `chunked`) and read the full answer. */
function postBig(
  url: string,
  bytes: Uint8Array,
  headers: Record<string, string>,
  chunked: boolean,
): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
        ...(chunked ? {} : { "content-length": String(bytes.byteLength) }),
      },
      agent: false,
    });
    req.setTimeout(10_000, () => req.destroy(new Error("timed out")));
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          connection: res.headers.connection,
          body: Buffer.concat(chunks).toString(),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    // In 64 KiB pieces, as a real upload goes.
    const piece = 64 * 1024;
    for (let off = 0; off < bytes.byteLength; off += piece) {
      req.write(bytes.subarray(off, off + piece));
    }
    req.end();
  });
}

const BIG = 5 * 1024 * 1024;

/** A body sent the way a real upload goes: 256 KiB pieces, a macrotask apart. */
function uploadInPieces(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= total) return controller.close();
      await new Promise((resolve) => setImmediate(resolve));
      const n = Math.min(256 * 1024, total - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n).fill(0x20));
    },
  });
}

describe("a too-large body always gets a readable 413 (issue 11, item 10)", () => {
  let h: ServeHandle;
  let sse: RawSse;
  let messages: string;
  let mcpSession: string;
  const big = new Uint8Array(BIG).fill(0x20);
  before(async () => {
    h = await serve({ createServer: createTestServer, port: 0, feed: {}, handshakeTimeoutMs: 0 });
    ({ sse, messages } = await legacySession(h.url));
    mcpSession = await streamableSession(h.url);
  });
  after(async () => {
    sse.abort();
    await h.close();
  });

  const routes = () => [
    { name: "/messages", url: messages, headers: {} },
    { name: "/mcp (session)", url: `${h.url}/mcp`, headers: { "mcp-session-id": mcpSession } },
    { name: "/mcp (no session)", url: `${h.url}/mcp`, headers: {} },
    { name: "/mcp/rpc (event feed)", url: `${h.url}/mcp/rpc`, headers: {} },
  ];

  test("fetch of an upload still in flight: 20 tries per route, every one reads a 413", async () => {
    for (const route of routes()) {
      let readable = 0;
      const failures: string[] = [];
      for (let i = 0; i < 20; i++) {
        try {
          const res = await fetch(route.url, {
            method: "POST",
            headers: {
              "content-type": "application/json",
              accept: "application/json, text/event-stream",
              "content-length": String(BIG),
              ...route.headers,
            },
            body: uploadInPieces(BIG),
            duplex: "half",
          } as RequestInit);
          if (res.status === 413 && /SERVER_BODY_TOO_LARGE/.test(await res.text())) readable++;
        } catch (error) {
          failures.push(String((error as Error).cause ?? error)); // EPIPE / fetch failed
        }
      }
      assert.equal(readable, 20, `${route.name}: ${readable}/20 readable 413s; ${failures[0]}`);
    }
  });

  test("node:http, declared and chunked: 413 with Connection: close", async () => {
    for (const route of routes()) {
      for (const chunked of [false, true]) {
        for (let i = 0; i < 5; i++) {
          const res = await postBig(route.url, big, route.headers, chunked);
          assert.equal(res.status, 413, `${route.name} chunked=${chunked}`);
          assert.equal(res.connection, "close");
          assert.match(res.body, /SERVER_BODY_TOO_LARGE/);
        }
      }
    }
  });

  test("an oversized POST /mcp without a session gets 413 before the stateless leg (no server made)", async () => {
    let made = 0;
    const handler = createMcpHttpHandler({
      maxBodyBytes: 1000,
      createServer: () => {
        made++;
        return createTestServer();
      },
    });
    try {
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/list",
        params: { pad: "x".repeat(5000) },
      });
      const headers = {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2026-07-28",
      };
      // Declared length, then a streamed body (no length): both refused by size with the code.
      for (const extra of [{ "content-length": String(body.length) }, {}]) {
        const response = await handler.fetch(
          new Request("http://localhost/mcp", {
            method: "POST",
            headers: { ...headers, ...extra },
            body,
          }),
        );
        assert.equal(response.status, 413);
        const json = (await response.json()) as { error: { data: { code: string } } };
        assert.equal(json.error.data.code, "SERVER_BODY_TOO_LARGE");
      }
      assert.equal(made, 0, "no throwaway server for a request refused by size");
    } finally {
      await handler.close();
    }
  });
});
