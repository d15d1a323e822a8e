import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { after, describe, test } from "node:test";
import { McpServer } from "@modelcontextprotocol/server";
import { isMcpSseError } from "../../src/errors.js";
import type { Logger } from "../../src/logger.js";
import { createMemoryBackend, DEFAULT_EVENT_LOG_BYTES } from "../../src/server/backends/memory.js";
import { isInitializeMessage, isRequestMessage, isResponseMessage } from "../../src/server/body.js";
import { createMcpHttpHandler } from "../../src/server/handler.js";
import { toNodeListener } from "../../src/server/node.js";
import { serve } from "../../src/server/serve.js";
import type { StdioSessionServer } from "../../src/server/stdio-bridge.js";
import { createStdioServerFactory } from "../../src/server/stdio-bridge.js";
import type { ServerLike } from "../../src/server/types.js";
import { createTestServer } from "./helpers.js";

/** Regression tests for a security review of the server host (one per finding). */

const quoted = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
const node = quoted(process.execPath);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, "ESRCH");
    return false;
  }
}

/** Wait (bounded) until `check()` holds. */
async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 10_000,
): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Read a body until `pattern` shows up; fails (never hangs) when it ends or 5 s pass first. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pattern: RegExp,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  const until = Date.now() + 5000;
  while (!pattern.test(text)) {
    const timeout = sleep(Math.max(0, until - Date.now())).then(() => "timeout" as const);
    const next = await Promise.race([reader.read(), timeout]);
    if (next === "timeout") assert.fail(`timed out waiting for ${pattern}; got ${text}`);
    if (next.done) assert.fail(`body ended before ${pattern}; got ${text}`);
    text += decoder.decode(next.value, { stream: true });
  }
  return text;
}

function recordingLogger(): Logger & { lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const push = (obj: object | string, msg?: string) =>
    lines.push(typeof obj === "string" ? { msg: obj } : { ...obj, msg });
  return { lines, debug: push, info: push, warn: push, error: push };
}

/** One raw HTTP/1.1 request; resolves with what arrived before the server ended or 3 s passed. */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve) => {
    let text = "";
    const socket = net.connect(port, "127.0.0.1", () => socket.write(head));
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(text);
    };
    const timer = setTimeout(done, 3000);
    socket.on("data", (chunk) => {
      text += chunk.toString("latin1");
      if (/^HTTP\/1\.1 [45]\d\d/.test(text) && text.includes("}")) done();
      if (text.includes("event: endpoint")) done();
    });
    socket.on("error", done);
    socket.on("close", done);
  });
}

describe("Host check cannot be bypassed through the request target", () => {
  test("GET //localhost/sse and //localhost/metrics with a foreign Host get 400 and open no session", async () => {
    const running = await serve({ port: 0, createServer: createTestServer, stateless: false });
    cleanups.push(() => running.close());
    const port = Number(new URL(running.url).port);
    for (const target of ["//localhost/sse", "//localhost/metrics", "//127.0.0.1:1/mcp"]) {
      const answer = await rawRequest(
        port,
        `GET ${target} HTTP/1.1\r\nHost: evil.example:${port}\r\nAccept: text/event-stream\r\n\r\n`,
      );
      assert.match(answer, /^HTTP\/1\.1 400 /, `${target}: ${answer.slice(0, 80)}`);
      assert.match(answer, /SERVER_BAD_REQUEST/);
    }
    assert.equal(running.handler.sessionCount, 0);
  });

  test("an absolute-form target gets 400, whatever authority it names", async () => {
    const running = await serve({ port: 0, createServer: createTestServer, stateless: false });
    cleanups.push(() => running.close());
    const port = Number(new URL(running.url).port);
    const answer = await rawRequest(
      port,
      `GET http://localhost:${port}/sse HTTP/1.1\r\nHost: evil.example\r\n\r\n`,
    );
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.equal(running.handler.sessionCount, 0);
    // The ordinary origin-form target still works with a loopback Host.
    const ok = await rawRequest(port, `GET /healthz HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`);
    assert.match(ok, /^HTTP\/1\.1 200 /);
  });

  test("the host check reads the Host header, not the URL", async () => {
    const handler = createMcpHttpHandler({ createServer: createTestServer, stateless: false });
    cleanups.push(() => handler.close());
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
  });
});

describe("a client that leaves early does not pin its session", () => {
  test("a GET /sse whose client disconnected before createServer() resolved lets the session go idle", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let called = 0;
    const handler = createMcpHttpHandler({
      stateless: false,
      idleTimeoutMs: 1,
      keepAliveMs: 0,
      createServer: async () => {
        called++;
        await gate;
        return createTestServer();
      },
    });
    const server = createHttpServer(toNodeListener(handler));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(async () => {
      await handler.close({ timeoutMs: 1000 });
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });
    const port = (server.address() as AddressInfo).port;
    const socket = net.connect(port, "127.0.0.1", () =>
      socket.write(`GET /sse HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`),
    );
    socket.on("error", () => undefined);
    await eventually(() => called === 1, "createServer() to be called");
    socket.destroy();
    await sleep(100); // let the server see the close before the handler answers
    release();
    await eventually(() => handler.sessionCount === 1, "the session to open");
    // Without the fix the stream stays attached forever and the session is never idle.
    await eventually(async () => {
      await handler.reapIdle();
      return handler.sessionCount === 0;
    }, "the session to be reaped");
  });
});

/** A stdio child that ignores SIGTERM (only SIGKILL ends it) and says something when asked to stop. */
const STUBBORN = `${node} -e ${quoted(
  "process.stdin.resume(); process.on('SIGTERM', () => process.stdout.write(JSON.stringify({jsonrpc:'2.0',method:'notifications/message',params:{level:'info',data:'bye'}}) + '\\n')); setInterval(() => {}, 1000); console.error('ready');",
)}`;

describe("shutdown and session close with stdio children", () => {
  test("close() while a stdio child is spawning kills it and answers the pending request 503", async () => {
    const factory = createStdioServerFactory(STUBBORN, { killGraceMs: 200 });
    const made: StdioSessionServer[] = [];
    const handler = createMcpHttpHandler({
      stateless: false,
      createServer: () => {
        const s = factory();
        made.push(s);
        return s;
      },
    });
    const pending = handler.fetch(new Request("http://localhost/sse"));
    await eventually(() => made.length === 1, "the factory to run");
    assert.equal(made[0]?.pid, undefined, "the child is still spawning");
    await handler.close({ timeoutMs: 5000 });
    const response = await pending;
    assert.equal(response.status, 503);
    await response.body?.cancel();
    assert.equal(handler.sessionCount, 0);
    const pid = made[0]?.pid;
    if (pid !== undefined && alive(pid)) {
      process.kill(pid, "SIGKILL");
      assert.fail(`stdio child ${pid} outlived close()`);
    }
  });

  test("a closed session's event log is not resurrected by what its child says while stopping", async () => {
    const backend = createMemoryBackend();
    const logger = recordingLogger();
    const handler = createMcpHttpHandler({
      backend,
      stateless: false,
      idleTimeoutMs: 60_000,
      createServer: createStdioServerFactory(STUBBORN, { killGraceMs: 300, logger }),
    });
    cleanups.push(() => handler.close());
    const response = await handler.fetch(new Request("http://localhost/sse"));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await readUntil(reader, /sessionId=[0-9a-f-]+/);
    const id = /sessionId=([0-9a-f-]+)/.exec(first)?.[1];
    assert.ok(id);
    await reader.cancel();
    // The child must have installed its SIGTERM handler (it says "ready" on stderr).
    await eventually(() => logger.lines.some((l) => l.stderr === "ready"), "the child to be ready");
    assert.equal(await handler.reapIdle(), 0, "not idle yet");
    await closeIdleNow(handler);
    assert.equal(handler.sessionCount, 0);
    // close() waited for the child: it wrote "bye" on SIGTERM, then SIGKILL came.
    assert.ok(
      logger.lines.some((l) => /ignored SIGTERM/.test(String(l.msg))),
      "the child was asked to stop while still able to talk",
    );
    const after = await backend.readAfter(id, 0);
    assert.deepEqual(after, { ok: false, reason: "unknown" });
    assert.equal(await backend.getSession(id), undefined);
  });

  test("append on an unknown (closed) session rejects with SERVER_SESSION_CLOSED", async () => {
    const backend = createMemoryBackend();
    await backend.createSession({ id: "s", transport: "sse", principalId: null, createdAt: 0 });
    await backend.append("s", "sse", "{}");
    await backend.deleteSession("s");
    await assert.rejects(backend.append("s", "sse", "{}"), (e) =>
      isMcpSseError(e, "SERVER_SESSION_CLOSED"),
    );
    assert.deepEqual(await backend.readAfter("s", 0), { ok: false, reason: "unknown" });
  });
});

/** Reap the (one) idle session as if an hour had passed. */
async function closeIdleNow(handler: ReturnType<typeof createMcpHttpHandler>): Promise<void> {
  const realNow = Date.now;
  Date.now = () => realNow() + 3_600_000;
  try {
    assert.equal(await handler.reapIdle(), 1);
  } finally {
    Date.now = realNow;
  }
}

describe("event log bounded by bytes", () => {
  test("the oldest events are evicted once the log holds more than eventLogBytes, and the gap is reported", async () => {
    assert.equal(DEFAULT_EVENT_LOG_BYTES, 8 * 1024 * 1024);
    let evicted = 0;
    const backend = createMemoryBackend({
      eventLogSize: 1000,
      eventLogBytes: 1000,
      onEvict: (_id, n) => {
        evicted += n;
      },
    });
    await backend.createSession({ id: "s", transport: "sse", principalId: null, createdAt: 0 });
    for (let i = 0; i < 10; i++) await backend.append("s", "sse", "é".repeat(150)); // 300 bytes
    // 300 data bytes + 3-4 id bytes each: three fit in 1000 bytes, seven were evicted.
    assert.equal(evicted, 7);
    const gap = await backend.readAfter("s", 1);
    assert.equal(gap.ok, false);
    assert.ok(!gap.ok && gap.reason === "evicted");
    assert.equal(gap.oldestSeq, 8);
    assert.deepEqual(
      gap.entries.map((e) => e.seq),
      [8, 9, 10],
    );
    const fine = await backend.readAfter("s", 8);
    assert.ok(fine.ok);
    assert.deepEqual(
      fine.entries.map((e) => e.seq),
      [9, 10],
    );
  });

  test("one event larger than the bound is not kept: asking for it is a gap, not silence", async () => {
    const backend = createMemoryBackend({ eventLogBytes: 100 });
    await backend.createSession({ id: "s", transport: "sse", principalId: null, createdAt: 0 });
    await backend.append("s", "sse", "small");
    await backend.append("s", "sse", "x".repeat(500));
    const result = await backend.readAfter("s", 1);
    assert.ok(!result.ok && result.reason === "evicted");
    assert.deepEqual(result.entries, []);
  });

  test("createMcpHttpHandler passes eventLogBytes to its memory backend (the gap event reaches a resuming client)", async () => {
    const handler = createMcpHttpHandler({
      stateless: false,
      eventLogBytes: 200,
      createServer: createTestServer,
    });
    cleanups.push(() => handler.close());
    const response = await handler.fetch(new Request("http://localhost/sse"));
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await readUntil(reader, /sessionId=[0-9a-f-]+/);
    const id = /sessionId=([0-9a-f-]+)/.exec(first)?.[1] ?? "";
    const post = (body: unknown) =>
      handler.fetch(
        new Request(`http://localhost/messages?sessionId=${id}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        }),
      );
    await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2024-11-05",
        capabilities: {},
        clientInfo: { name: "c", version: "1" },
      },
    });
    await readUntil(reader, /"id":1/);
    await post({ jsonrpc: "2.0", method: "notifications/initialized" });
    await post({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "burst", arguments: { count: 3, size: 150 } },
    });
    await readUntil(reader, /sent 3/);
    await reader.cancel();
    // Each notification is over 150 bytes: with a 200-byte bound, those after seq 1 are gone.
    const resumed = await handler.fetch(
      new Request("http://localhost/sse", { headers: { "last-event-id": `${id}:1` } }),
    );
    const resumedReader = (resumed.body as ReadableStream<Uint8Array>).getReader();
    const text = await readUntil(resumedReader, /SERVER_REPLAY_GAP/);
    await resumedReader.cancel();
    assert.match(text, /"reason":"evicted"/);
  });
});

describe("adapter errors are reported, not swallowed", () => {
  test("a handler that throws is logged (redacted) and answered 500", async () => {
    const logger = recordingLogger();
    const server = createHttpServer(
      toNodeListener(
        {
          fetch: async () => {
            throw new Error("boom in the handler");
          },
        },
        { logger },
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as AddressInfo).port;
    const response = await fetch(`http://127.0.0.1:${port}/mcp?x=1`, {
      headers: { authorization: "Bearer s3cret-token" },
    });
    assert.equal(response.status, 500);
    await response.text();
    const line = logger.lines.find((l) => l.msg === "node adapter: request failed");
    assert.ok(line, "the failure was logged");
    assert.match(JSON.stringify(line), /boom in the handler/);
    assert.equal(line.path, "/mcp");
    assert.doesNotMatch(JSON.stringify(logger.lines), /s3cret-token/);
  });

  test("without a logger option the adapter reports through the handler's own logger", async () => {
    const logger = recordingLogger();
    const real = createMcpHttpHandler({ createServer: createTestServer, logger });
    assert.equal(real.logger, logger);
    await real.close();
    const server = createHttpServer(
      toNodeListener({
        logger,
        fetch: async () => {
          throw new Error("boom again");
        },
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as AddressInfo).port;
    const response = await fetch(`http://127.0.0.1:${port}/sse`);
    assert.equal(response.status, 500);
    await response.text();
    assert.match(JSON.stringify(logger.lines), /boom again/);
  });
});

describe("credentials never reach the MCP server", () => {
  test("ctx.http.req has no Authorization, Cookie or Proxy-Authorization, and no body", async () => {
    const seen: Array<Record<string, unknown>> = [];
    const createServer = (): ServerLike => {
      const server = new McpServer({ name: "x", version: "1" });
      server.registerTool("whoami", { description: "d" }, async (ctx) => {
        const req = (ctx as { http?: { req?: Request } }).http?.req;
        seen.push({
          authorization: req?.headers.get("authorization"),
          cookie: req?.headers.get("cookie"),
          proxy: req?.headers.get("proxy-authorization"),
          custom: req?.headers.get("x-custom"),
          body: req?.body ?? null,
          token: (ctx as { http?: { authInfo?: { token?: string } } }).http?.authInfo?.token,
        });
        return { content: [{ type: "text", text: "ok" }] };
      });
      return server;
    };
    const handler = createMcpHttpHandler({
      stateless: false,
      auth: { tokens: ["s3cret-token-123"] },
      createServer,
    });
    cleanups.push(() => handler.close());
    const h = {
      authorization: "Bearer s3cret-token-123",
      cookie: "sid=abc",
      "proxy-authorization": "Basic eA==",
      "x-custom": "kept",
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    const post = (body: unknown, sid?: string) =>
      handler.fetch(
        new Request("http://localhost/mcp", {
          method: "POST",
          headers: sid ? { ...h, "mcp-session-id": sid } : h,
          body: JSON.stringify(body),
        }),
      );
    const r1 = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-03-26",
        capabilities: {},
        clientInfo: { name: "c", version: "1" },
      },
    });
    const sid = r1.headers.get("mcp-session-id") ?? "";
    await r1.text();
    (await post({ jsonrpc: "2.0", method: "notifications/initialized" }, sid)).body?.cancel();
    const r2 = await post(
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "whoami", arguments: {} } },
      sid,
    );
    assert.match(await r2.text(), /"ok"/);
    assert.deepEqual(seen, [
      {
        authorization: null,
        cookie: null,
        proxy: null,
        custom: "kept",
        body: null,
        token: "[REDACTED]",
      },
    ]);
  });
});

describe("structural message checks on the hot path", () => {
  test("isRequestMessage / isResponseMessage / isInitializeMessage tell messages apart by shape", () => {
    const request = { jsonrpc: "2.0" as const, id: 1, method: "tools/list" };
    const notification = { jsonrpc: "2.0" as const, method: "notifications/initialized" };
    const result = { jsonrpc: "2.0" as const, id: 1, result: {} };
    const error = { jsonrpc: "2.0" as const, id: 2, error: { code: -1, message: "x" } };
    const init = { jsonrpc: "2.0" as const, id: 0, method: "initialize", params: {} };
    assert.deepEqual(
      [request, notification, result, error, init].map((m) => [
        isRequestMessage(m),
        isResponseMessage(m),
        isInitializeMessage(m),
      ]),
      [
        [true, false, false],
        [false, false, false],
        [false, true, false],
        [false, true, false],
        [true, false, true],
      ],
    );
  });

  test("an initialize without params.protocolVersion gets 400 SERVER_INVALID_INITIALIZE and opens no session", async () => {
    let made = 0;
    const handler = createMcpHttpHandler({
      stateless: false,
      createServer: () => {
        made++;
        return createTestServer();
      },
    });
    cleanups.push(() => handler.close());
    const response = await handler.fetch(
      new Request("http://localhost/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize" }),
      }),
    );
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { data: { code: string } } };
    assert.equal(body.error.data.code, "SERVER_INVALID_INITIALIZE");
    assert.equal(made, 0);
    assert.equal(handler.sessionCount, 0);
  });
});

describe("every /mcp error carries data.code", () => {
  test("an oversized POST /mcp without a session gets 413 SERVER_BODY_TOO_LARGE before the stateless leg (no server made)", async () => {
    let made = 0;
    const handler = createMcpHttpHandler({
      maxBodyBytes: 1000,
      createServer: () => {
        made++;
        return createTestServer();
      },
    });
    cleanups.push(() => handler.close());
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/list",
      params: { pad: "x".repeat(5000) },
    });
    const response = await handler.fetch(
      new Request("http://localhost/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "content-length": String(body.length),
          "mcp-protocol-version": "2026-07-28",
        },
        body,
      }),
    );
    assert.equal(response.status, 413);
    const json = (await response.json()) as { error: { code: number; data: { code: string } } };
    assert.equal(json.error.data.code, "SERVER_BODY_TOO_LARGE");
    assert.equal(made, 0, "no throwaway server for a request refused by size");
    // Without a declared length (a streamed body): still refused with the code, still no server.
    const streamed = await handler.fetch(
      new Request("http://localhost/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2026-07-28",
        },
        body,
      }),
    );
    assert.equal(streamed.status, 413);
    const json2 = (await streamed.json()) as { error: { data: { code: string } } };
    assert.equal(json2.error.data.code, "SERVER_BODY_TOO_LARGE");
    assert.equal(made, 0);
  });

  test("PUT /mcp gets 405 SERVER_METHOD_NOT_ALLOWED with Allow", async () => {
    const handler = createMcpHttpHandler({ createServer: createTestServer });
    cleanups.push(() => handler.close());
    const response = await handler.fetch(
      new Request("http://localhost/mcp", { method: "PUT", body: "{}" }),
    );
    assert.equal(response.status, 405);
    assert.equal(response.headers.get("allow"), "GET, POST, DELETE");
    const json = (await response.json()) as { error: { data: { code: string } } };
    assert.equal(json.error.data.code, "SERVER_METHOD_NOT_ALLOWED");
  });
});

describe("the stateless 2026-07-28 leg hides credentials from the MCP server too", () => {
  test("ctx.http.req of a stateless request has no Authorization; the principal arrives as authInfo", async () => {
    const seen: Array<{ authorization: string | null | undefined; token: unknown }> = [];
    const createServer = () => {
      const server = new McpServer({ name: "x", version: "1" });
      server.registerTool("whoami", { description: "d" }, async (ctx) => {
        const http = (ctx as { http?: { req?: Request; authInfo?: { token?: string } } }).http;
        seen.push({
          authorization: http?.req?.headers.get("authorization"),
          token: http?.authInfo,
        });
        return { content: [{ type: "text", text: "ok" }] };
      });
      return server;
    };
    const h = await serve({ createServer, port: 0, auth: { tokens: ["s3cret-token-456"] } });
    cleanups.push(() => h.close());
    const { Client, StreamableHTTPClientTransport } = await import("@modelcontextprotocol/client");
    const client = new Client(
      { name: "c", version: "1" },
      { versionNegotiation: { mode: "auto" } },
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
        requestInit: { headers: { Authorization: "Bearer s3cret-token-456" } },
      }),
    );
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
      const result = await client.callTool({ name: "whoami", arguments: {} });
      assert.deepEqual(result.content, [{ type: "text", text: "ok" }]);
      assert.equal(seen.length, 1);
      assert.equal(
        seen[0]?.authorization ?? null,
        null,
        "no Authorization header reached the tool",
      );
      assert.ok(seen[0]?.token !== undefined, "the principal arrived as authInfo");
    } finally {
      await client.close();
    }
  });
});
