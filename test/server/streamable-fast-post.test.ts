/**
 * The node adapter's fast path for Streamable HTTP `POST /mcp` (src/server/streamable-fast.ts).
 * Every bad input is sent twice to one handler, over `node:http` (where the fast path runs)
 * and through `handler.fetch` (the general, web-standard path): the answers (status, type,
 * JSON body) and the error counts must be the same. The plain case is checked for what the
 * general path gives: SSE answer with a priming event and event ids, resumable by
 * `Last-Event-ID`; 202 for notifications; `ctx.http.req` without credentials, whose signal
 * aborts when the client leaves. Real `node:http` server on port 0, real SDK `McpServer`.
 */
import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import type { McpServer } from "@modelcontextprotocol/server";
import { createMcpHttpHandler, toNodeListener } from "../../src/server/index.js";
import type { McpHttpHandlerOptions } from "../../src/server/types.js";
import { waitFor } from "../helpers/wait-for.js";
import { createTestServer, INIT_PARAMS, readUntil } from "./helpers.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const MAX_BODY = 8192;
const TOKEN_A = "fast-streamable-token-a";
const TOKEN_B = "fast-streamable-token-b";
const BASE_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

interface Answer {
  status: number;
  contentType: string | null;
  sessionHeader: string | null;
  text: string;
}

/** A handler behind a real node:http server; counts the requests that reached `fetch`. */
async function fixture(options: Partial<McpHttpHandlerOptions> = {}) {
  const handler = createMcpHttpHandler({
    createServer: createTestServer,
    handshakeTimeoutMs: 0,
    maxBodyBytes: MAX_BODY,
    ...options,
  });
  let fetched = 0;
  const listener = toNodeListener({
    ...handler,
    fetch: (r: Request) => {
      fetched++;
      return handler.fetch(r);
    },
  });
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  cleanups.push(async () => {
    await handler.close({ timeoutMs: 1000 });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { handler, port, host: `127.0.0.1:${port}`, fetched: () => fetched };
}

/** A session opened through `fetch`, `notifications/initialized` sent. */
async function openSession(
  handler: ReturnType<typeof createMcpHttpHandler>,
  headers: Record<string, string> = {},
): Promise<string> {
  const post = (body: unknown, extra: Record<string, string> = {}) =>
    handler.fetch(
      new Request("http://127.0.0.1/mcp", {
        method: "POST",
        headers: { ...BASE_HEADERS, ...headers, ...extra },
        body: JSON.stringify(body),
      }),
    );
  const init = await post({ jsonrpc: "2.0", id: 0, method: "initialize", params: INIT_PARAMS });
  const id = init.headers.get("mcp-session-id");
  assert.ok(id, `initialize answered ${init.status}`);
  await init.text();
  const done = await post(
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { "mcp-session-id": id },
  );
  assert.equal(done.status, 202);
  return id;
}

interface Input {
  headers: Record<string, string>;
  body: string;
  /** Send the body chunked, without a Content-Length. */
  chunked?: boolean;
}

/** Over node:http (the fast path's side). */
function viaNode(port: number, input: Input): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...input.headers };
    if (input.chunked) headers["transfer-encoding"] = "chunked";
    else headers["content-length"] ??= String(Buffer.byteLength(input.body));
    const req = httpRequest(
      { host: "127.0.0.1", port, method: "POST", path: "/mcp", headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers["content-type"] ?? null,
            sessionHeader: (res.headers["mcp-session-id"] as string | undefined) ?? null,
            text: Buffer.concat(chunks).toString("utf8"),
          }),
        );
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error("no answer within 5 s")));
    req.on("error", reject);
    req.end(input.body);
  });
}

/** Through `handler.fetch` (the general path). */
async function viaFetch(
  handler: ReturnType<typeof createMcpHttpHandler>,
  input: Input,
): Promise<Answer> {
  const host = input.headers.host ?? "127.0.0.1";
  const bytes = new TextEncoder().encode(input.body);
  const body = input.chunked
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(bytes);
          controller.close();
        },
      })
    : bytes;
  const res = await handler.fetch(
    new Request(`http://${host}/mcp`, {
      method: "POST",
      headers: input.headers,
      body,
      duplex: "half",
    } as RequestInit),
  );
  return {
    status: res.status,
    contentType: res.headers.get("content-type"),
    sessionHeader: res.headers.get("mcp-session-id"),
    text: await res.text(),
  };
}

async function errorsCounted(handler: ReturnType<typeof createMcpHttpHandler>, status: number) {
  const { values } = await handler.metrics.errors.get();
  return values.find((v) => v.labels.code === String(status))?.value ?? 0;
}

/** The JSON-RPC messages of an SSE answer (events with data). */
function messagesOf(sse: string): unknown[] {
  return [...sse.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1] ?? ""));
}

const ping = (id: number) => ({ jsonrpc: "2.0", id, method: "ping" });
const json = (value: unknown) => JSON.stringify(value);

/** Bad inputs for session `sid`, each with the status the general path gives it. */
function badInputs(sid: string, host: string) {
  const h = { ...BASE_HEADERS, host, "mcp-session-id": sid };
  const big = json({ jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(9000) } });
  const many = json(
    Array.from({ length: 101 }, () => ({ jsonrpc: "2.0", method: "notifications/x" })),
  );
  const deep = `${"[".repeat(200)}${"]".repeat(200)}`;
  const init = { jsonrpc: "2.0", id: 5, method: "initialize", params: INIT_PARAMS };
  const fast = true;
  return {
    // Left to the full pipeline, body unread:
    "foreign Origin": { status: 403, headers: { ...h, origin: "http://evil.example" } },
    "foreign Host": { status: 403, headers: { ...h, host: "evil.example" } },
    "Accept without text/event-stream": {
      status: 406,
      headers: { ...h, accept: "application/json" },
    },
    "unsupported MCP-Protocol-Version": {
      status: 400,
      headers: { ...h, "mcp-protocol-version": "1999-01-01" },
    },
    "unknown session": { status: 404, headers: { ...h, "mcp-session-id": "nope" } },
    "not JSON": { status: 415, headers: { ...h, "content-type": "text/plain" } },
    "declared too large": { status: 413, headers: h, body: big },
    // Read by the fast path, answered by it (`fast`):
    "too large, chunked": { status: 413, headers: h, body: big, chunked: true, fast },
    "malformed JSON": { status: 400, headers: h, body: "{", fast },
    "not JSON-RPC": { status: 400, headers: h, body: json({ hello: 1 }), fast },
    "nested too deep": { status: 400, headers: h, body: deep, fast },
    "empty batch": { status: 400, headers: h, body: "[]", fast },
    "batch over 100": { status: 400, headers: h, body: many, fast },
    "initialize with a session": { status: 400, headers: h, body: json(init), fast },
    "initialize in a batch": { status: 400, headers: h, body: json([init, ping(6)]), fast },
  } satisfies Record<
    string,
    Partial<Input> & { status: number; headers: Record<string, string>; fast?: boolean }
  >;
}

describe("Streamable HTTP POST fast path: bad inputs get the general path's answers", () => {
  let f: Awaited<ReturnType<typeof fixture>>;
  let sid: string;
  before(async () => {
    f = await fixture();
    sid = await openSession(f.handler);
  });

  for (const name of Object.keys(badInputs("s", "h"))) {
    test(name, async () => {
      const c = badInputs(sid, f.host)[name as keyof ReturnType<typeof badInputs>];
      const input: Input = { body: json(ping(1)), ...c };
      const counted = await errorsCounted(f.handler, c.status);
      const fetchedBefore = f.fetched();
      const node = await viaNode(f.port, input);
      const tookFullPath = f.fetched() > fetchedBefore;
      const general = await viaFetch(f.handler, input);
      assert.equal(general.status, c.status, general.text);
      assert.deepEqual(
        { ...node, text: JSON.parse(node.text) },
        { ...general, text: JSON.parse(general.text) },
      );
      assert.equal(await errorsCounted(f.handler, c.status), counted + 2, "each answer counted");
      assert.equal(tookFullPath, !("fast" in c), "which path answered");
    });
  }

  test("the session still answers on the fast path afterwards", async () => {
    const fetchedBefore = f.fetched();
    const node = await viaNode(f.port, {
      headers: { ...BASE_HEADERS, "mcp-session-id": sid },
      body: json(ping(42)),
    });
    assert.equal(node.status, 200);
    assert.deepEqual(messagesOf(node.text), [{ jsonrpc: "2.0", id: 42, result: {} }]);
    assert.equal(f.fetched(), fetchedBefore);
  });
});

describe("Streamable HTTP POST fast path: credentials and principals", () => {
  test("no or a wrong token: 401; another principal's session: 404, as on the general path", async () => {
    const f = await fixture({ auth: { tokens: [TOKEN_A, TOKEN_B] } });
    const sid = await openSession(f.handler, { authorization: `Bearer ${TOKEN_A}` });
    const h = { ...BASE_HEADERS, host: f.host, "mcp-session-id": sid };
    const cases: Array<[number, Record<string, string>]> = [
      [401, h],
      [401, { ...h, authorization: "Bearer wrong" }],
      [404, { ...h, authorization: `Bearer ${TOKEN_B}` }],
    ];
    for (const [status, headers] of cases) {
      const input = { headers, body: json(ping(1)) };
      const node = await viaNode(f.port, input);
      const general = await viaFetch(f.handler, input);
      assert.equal(node.status, status);
      assert.deepEqual(
        { ...node, text: JSON.parse(node.text) },
        { ...general, text: JSON.parse(general.text) },
      );
    }
    const own = await viaNode(f.port, {
      headers: { ...h, authorization: `Bearer ${TOKEN_A}` },
      body: json(ping(2)),
    });
    assert.equal(own.status, 200);
  });

  test("an auth verify hook: no fast path at all", () => {
    const handler = createMcpHttpHandler({
      createServer: createTestServer,
      auth: { verify: async () => ({ id: "p" }) },
    });
    cleanups.push(() => handler.close());
    assert.equal(handler.streamableFastPost, undefined);
  });
});

describe("Streamable HTTP POST fast path: the plain case", () => {
  test("an SSE answer: priming event, event ids, the response, then the end; resumable by Last-Event-ID", async () => {
    const f = await fixture();
    const sid = await openSession(f.handler);
    const fetchedBefore = f.fetched();
    const call = {
      jsonrpc: "2.0",
      id: 7,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "hi" } },
    };
    const node = await viaNode(f.port, {
      headers: { ...BASE_HEADERS, "mcp-session-id": sid },
      body: json(call),
    });
    assert.equal(f.fetched(), fetchedBefore, "answered by the fast path");
    assert.equal(node.status, 200);
    assert.equal(node.contentType, "text/event-stream");
    assert.equal(node.sessionHeader, sid);
    const events = node.text.split("\n\n").filter((e) => e.trim() !== "");
    const ids = events.map((e) => /^id: (.+)$/m.exec(e)?.[1]);
    assert.equal(events.length, 2, node.text);
    assert.match(ids[0] ?? "", new RegExp(`^${sid}:\\d+$`));
    assert.match(events[0] ?? "", /^data: ?$/m, "priming event: empty data");
    const answer = { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "hi" }] } };
    assert.deepEqual(messagesOf(events[1] ?? ""), [answer]);
    // Resuming after the priming event replays the response, then ends (the stream is complete).
    const resumed = await f.handler.fetch(
      new Request("http://127.0.0.1/mcp", {
        headers: {
          accept: "text/event-stream",
          "mcp-session-id": sid,
          "last-event-id": ids[0] ?? "",
        },
      }),
    );
    assert.equal(resumed.status, 200);
    const replay = await resumed.text();
    assert.match(replay, new RegExp(`id: ${ids[1]}\\n`));
    assert.deepEqual(messagesOf(replay), [answer]);
  });

  test("notifications alone: 202 with the session id, no body", async () => {
    const f = await fixture();
    const sid = await openSession(f.handler);
    const fetchedBefore = f.fetched();
    const node = await viaNode(f.port, {
      headers: { ...BASE_HEADERS, "mcp-session-id": sid },
      body: json({ jsonrpc: "2.0", method: "notifications/roots/list_changed" }),
    });
    assert.equal(f.fetched(), fetchedBefore);
    assert.deepEqual(node, { status: 202, contentType: null, sessionHeader: sid, text: "" });
  });

  test("a batch of two requests: both answers on one stream", async () => {
    const f = await fixture();
    const sid = await openSession(f.handler);
    const node = await viaNode(f.port, {
      headers: { ...BASE_HEADERS, "mcp-session-id": sid },
      body: json([ping(11), ping(12)]),
    });
    assert.equal(node.status, 200);
    assert.deepEqual(messagesOf(node.text), [
      { jsonrpc: "2.0", id: 11, result: {} },
      { jsonrpc: "2.0", id: 12, result: {} },
    ]);
  });

  test("ctx.http.req: the request without credentials, principal as authInfo; its signal aborts when the client leaves", async () => {
    const seen: Array<Record<string, unknown>> = [];
    const createServer = () => {
      const server = createTestServer() as McpServer;
      server.registerTool("wait", { description: "waits for the client to leave" }, async (ctx) => {
        const http = (ctx as { http?: { req?: Request; authInfo?: { clientId?: string } } }).http;
        const req = http?.req;
        const record: Record<string, unknown> = {
          isRequest: req instanceof Request,
          url: req?.url,
          method: req?.method,
          authorization: req?.headers.get("authorization"),
          custom: req?.headers.get("x-custom"),
          clientId: http?.authInfo?.clientId?.startsWith("token:"),
          aborted: false,
        };
        seen.push(record);
        await new Promise<void>((resolve) => {
          if (req?.signal.aborted) resolve();
          req?.signal.addEventListener("abort", () => resolve(), { once: true });
        });
        record.aborted = req?.signal.aborted;
        return { content: [{ type: "text", text: "left" }] };
      });
      return server;
    };
    const f = await fixture({ createServer, auth: { tokens: [TOKEN_A] } });
    const auth = { authorization: `Bearer ${TOKEN_A}` };
    const sid = await openSession(f.handler, auth);
    const leave = new AbortController();
    const res = await fetch(`http://${f.host}/mcp`, {
      method: "POST",
      headers: { ...BASE_HEADERS, ...auth, "x-custom": "kept", "mcp-session-id": sid },
      body: json({ jsonrpc: "2.0", id: 3, method: "tools/call", params: { name: "wait" } }),
      signal: leave.signal,
    });
    const reader = res.body?.getReader();
    assert.ok(reader);
    await readUntil(reader, /id: /); // the priming event: the stream is open
    await waitFor(() => seen.length === 1, { message: "the tool to start" });
    leave.abort();
    await waitFor(() => seen[0]?.aborted === true, { message: "the tool's signal to abort" });
    assert.deepEqual(seen, [
      {
        isRequest: true,
        url: `http://${f.host}/mcp`,
        method: "POST",
        authorization: null,
        custom: "kept",
        clientId: true,
        aborted: true,
      },
    ]);
  });
});
