/**
 * Streamable HTTP transport against a raw node:http server that misbehaves on purpose: a
 * request's SSE answer cut before the response (resumed by GET + Last-Event-ID, or not
 * resumable), a forgotten session (404), 401, 429 with Retry-After, a POST that never gets
 * an answer, and the standalone stream (405 = none, or live notifications).
 */
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/client";
import { createClientTransport } from "../../../src/client/transports/index.js";
import { isMcpSseError, type McpSseError } from "../../../src/errors.js";
import { encodeEvent } from "../../../src/sse/encoder.js";
import { waitFor, withTimeout } from "../../helpers/wait-for.js";
import { listen, serverConfig } from "./helpers.js";

const SECRET = "Bearer streamable-secret-5a4b3c";

interface Behaviour {
  /** What POST tools/call does. */
  call: "cut-resumable" | "cut-no-id" | "json" | "forget-session" | "hang";
  /** GET (standalone stream): none (405), refused (400), 3 events, or 9 events cut every 3. */
  standalone: "405" | "400" | "notify" | "notify-cut";
  /** Answer the first POST 429 with this Retry-After. */
  throttleFirst?: string;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return JSON.parse(body) as Record<string, unknown>;
}

function sse(res: ServerResponse): void {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
  res.flushHeaders();
}

function result(id: unknown, value: unknown): string {
  return JSON.stringify({ jsonrpc: "2.0", id, result: value });
}

async function rawStreamable(behaviour: Behaviour) {
  let posts = 0;
  let pendingCallId: unknown;
  let forgotten = false;
  const http = await listen(async (req, res) => {
    const sid = req.headers["mcp-session-id"];
    if (req.method === "DELETE") return void res.writeHead(200).end();
    if (req.method === "GET") {
      if (forgotten) return void res.writeHead(404).end("no such session");
      const last = req.headers["last-event-id"];
      if (last === "call-1" && pendingCallId !== undefined) {
        sse(res);
        res.end(
          encodeEvent({
            id: "call-2",
            data: result(pendingCallId, { content: [{ type: "text", text: "resumed" }] }),
          }),
        );
        return;
      }
      if (behaviour.standalone === "405") return void res.writeHead(405).end();
      if (behaviour.standalone === "400") return void res.writeHead(400).end("no GET here");
      sse(res);
      const cut = behaviour.standalone === "notify-cut";
      const from = typeof last === "string" && last.startsWith("s") ? Number(last.slice(1)) + 1 : 1;
      const to = cut ? Math.min(from + 2, 9) : 3;
      for (let i = from; i <= to; i++)
        res.write(
          encodeEvent({
            id: `s${i}`,
            data: JSON.stringify({
              jsonrpc: "2.0",
              method: "notifications/message",
              params: { level: "info", data: `standalone-${i}` },
            }),
          }),
        );
      if (cut && to < 9) setImmediate(() => res.socket?.destroy());
      return;
    }
    const message = await readJson(req);
    posts++;
    if (posts === 1 && behaviour.throttleFirst !== undefined)
      return void res.writeHead(429, { "Retry-After": behaviour.throttleFirst }).end("slow down");
    if (message["method"] === "initialize") {
      const params = message["params"] as { protocolVersion: string };
      res.writeHead(200, { "Content-Type": "application/json", "Mcp-Session-Id": "sess-1" });
      res.end(
        result(message["id"], {
          protocolVersion: params.protocolVersion,
          capabilities: { tools: {}, logging: {} },
          serverInfo: { name: "raw", version: "0" },
        }),
      );
      return;
    }
    if (sid !== "sess-1" || forgotten) return void res.writeHead(404).end("no such session");
    if (!("id" in message)) return void res.writeHead(202).end();
    if (message["method"] !== "tools/call")
      return void res
        .writeHead(200, { "Content-Type": "application/json" })
        .end(result(message["id"], { tools: [] }));
    switch (behaviour.call) {
      case "json":
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(result(message["id"], { content: [{ type: "text", text: "json" }] }));
        return;
      case "forget-session":
        forgotten = true;
        res.writeHead(404).end("no such session");
        return;
      case "hang":
        return;
      default: {
        pendingCallId = message["id"];
        sse(res);
        const progress = JSON.stringify({
          jsonrpc: "2.0",
          method: "notifications/message",
          params: { level: "info", data: "working" },
        });
        res.write(
          encodeEvent(
            behaviour.call === "cut-resumable"
              ? { id: "call-1", data: progress }
              : { data: progress },
          ),
        );
        setTimeout(() => res.socket?.destroy(), 20);
      }
    }
  });
  return { ...http, url: `${http.origin}/mcp` };
}

async function connected(
  behaviour: Behaviour,
  extra: Partial<Parameters<typeof serverConfig>[0]> = {},
) {
  const server = await rawStreamable(behaviour);
  const transport = createClientTransport({
    server: serverConfig({
      transport: "streamable-http",
      url: server.url,
      headers: { Authorization: SECRET },
      ...extra,
    }),
  });
  const client = new Client({ name: "t", version: "0" });
  const logs: unknown[] = [];
  client.setNotificationHandler("notifications/message", (n) => void logs.push(n.params.data));
  const order: string[] = [];
  const errors: McpSseError[] = [];
  client.onerror = (e) => {
    errors.push(e as McpSseError);
    order.push(`error:${(e as McpSseError).code}`);
  };
  client.onclose = () => void order.push("close");
  try {
    await withTimeout(client.connect(transport), 5_000, "connect");
  } catch (error) {
    // Close what this made, or the open server and transport keep the file running until
    // the runner's timeout (seen under load: a slow connect, then a 120 s hang).
    await transport.close();
    await server.close();
    throw error;
  }
  return {
    server,
    transport,
    client,
    logs,
    order,
    errors,
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

test("streamable: a request stream cut before the response resumes with GET + Last-Event-ID", async () => {
  const c = await connected({ call: "cut-resumable", standalone: "405" });
  try {
    const res = await withTimeout(
      c.client.callTool({ name: "x", arguments: {} }),
      10_000,
      "callTool",
    );
    assert.deepEqual(res.content, [{ type: "text", text: "resumed" }]);
    assert.deepEqual(c.logs, ["working"]);
    const resume = c.server.seen.find((r) => r.method === "GET" && r.headers["last-event-id"]);
    assert.equal(resume?.headers["last-event-id"], "call-1");
    assert.equal(resume?.headers["mcp-session-id"], "sess-1");
    assert.equal(resume?.headers.authorization, SECRET, "headers on the resume GET too");
    assert.ok(!c.order.includes("close"), "a 405 standalone stream is fine");
  } finally {
    await c.close();
  }
});

test("streamable: a cut request stream without event ids fails that request at once with CLIENT_STREAM_ENDED", async () => {
  const c = await connected({ call: "cut-no-id", standalone: "405" });
  try {
    await assert.rejects(
      withTimeout(c.client.callTool({ name: "x", arguments: {} }), 10_000, "callTool"),
      /CLIENT_STREAM_ENDED/,
    );
    assert.ok(c.order.includes("error:CLIENT_STREAM_ENDED"));
    assert.ok(!c.order.includes("close"), "the session itself is still usable");
    assert.deepEqual((await c.client.listTools()).tools, []);
  } finally {
    await c.close();
  }
});

test("streamable: 404 for our session: CLIENT_SESSION_LOST, then onclose; the call rejects", async () => {
  const c = await connected({ call: "forget-session", standalone: "405" });
  try {
    await assert.rejects(
      withTimeout(c.client.callTool({ name: "x", arguments: {} }), 5_000, "callTool"),
    );
    await waitFor(() => c.order.includes("close"), { message: "onclose" });
    assert.deepEqual(c.order, ["error:CLIENT_SESSION_LOST", "close"]);
    assert.equal(c.errors[0]?.details["server"], "test");
  } finally {
    await c.close();
  }
});

test("streamable: the standalone GET stream delivers server notifications after initialize", async () => {
  const c = await connected({ call: "json", standalone: "notify" });
  try {
    await waitFor(() => c.logs.length === 3, { message: "3 standalone notifications" });
    assert.deepEqual(c.logs, ["standalone-1", "standalone-2", "standalone-3"]);
    const get = c.server.seen.find((r) => r.method === "GET");
    assert.equal(get?.headers["mcp-session-id"], "sess-1");
    assert.match(String(get?.headers.accept), /text\/event-stream/);
    const res = await c.client.callTool({ name: "x", arguments: {} });
    assert.deepEqual(res.content, [{ type: "text", text: "json" }]);
  } finally {
    await c.close();
  }
  assert.ok(
    c.server.seen.some((r) => r.method === "DELETE" && r.headers["mcp-session-id"] === "sess-1"),
  );
});

test("streamable: 429 with Retry-After is retried, not surfaced", async () => {
  const c = await connected({ call: "json", standalone: "405", throttleFirst: "0" });
  try {
    const inits = c.server.seen.filter((r) => r.method === "POST").slice(0, 2);
    assert.equal(inits.length, 2, "initialize was POSTed twice");
    assert.equal(c.transport.sessionId, "sess-1");
  } finally {
    await c.close();
  }
});

test("streamable: a POST that never gets an answer rejects with CLIENT_REQUEST_TIMEOUT (no hang)", async () => {
  const c = await connected({ call: "hang", standalone: "405" }, { timeoutMs: 300 });
  try {
    const error = await withTimeout(
      c.transport
        .send({ jsonrpc: "2.0", id: 99, method: "tools/call", params: { name: "x" } })
        .then(
          () => undefined,
          (e: unknown) => e,
        ),
      5_000,
      "send",
    );
    assert.ok(isMcpSseError(error, "CLIENT_REQUEST_TIMEOUT"), String(error));
  } finally {
    await c.close();
  }
});

test("streamable 401 on initialize: CLIENT_UNAUTHORIZED with status 401, onclose, no secret in the error", async () => {
  const server = await listen((req, res) => {
    res.writeHead(401).end(`who is ${req.headers.authorization}?`);
  });
  const transport = createClientTransport({
    server: serverConfig({
      transport: "streamable-http",
      url: `${server.origin}/mcp`,
      headers: { Authorization: SECRET },
    }),
  });
  const order: string[] = [];
  transport.onerror = (e) => void order.push(`error:${(e as McpSseError).code}`);
  transport.onclose = () => void order.push("close");
  try {
    await transport.start();
    const error = await transport
      .send({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(isMcpSseError(error, "CLIENT_UNAUTHORIZED"), String(error));
    assert.equal(error.details["status"], 401);
    await waitFor(() => order.includes("close"), { message: "onclose" });
    assert.deepEqual(order, ["error:CLIENT_UNAUTHORIZED", "close"]);
    assert.ok(
      !error.message.includes("5a4b3c") && !JSON.stringify(error.details).includes("5a4b3c"),
    );
    assert.match(error.message, /\[REDACTED\]/);
  } finally {
    await transport.close();
    await server.close();
  }
});

test("streamable: the standalone stream cut every 3 events resumes with Last-Event-ID: nothing lost or duplicated", async () => {
  const c = await connected({ call: "json", standalone: "notify-cut" });
  try {
    await waitFor(() => c.logs.length >= 9, {
      timeout: 10_000,
      message: "9 standalone notifications",
    });
    assert.deepEqual(
      c.logs,
      Array.from({ length: 9 }, (_, i) => `standalone-${i + 1}`),
    );
    const gets = c.server.seen.filter((r) => r.method === "GET");
    assert.deepEqual(
      gets.map((r) => r.headers["last-event-id"]),
      [undefined, "s3", "s6"],
    );
    for (const g of gets) assert.equal(g.headers["mcp-session-id"], "sess-1");
    assert.ok(!c.order.includes("close"));
  } finally {
    await c.close();
  }
});

test("streamable: a standalone stream refused with 400 is reported (CLIENT_NO_STANDALONE_STREAM) but the session lives", async () => {
  const c = await connected({ call: "json", standalone: "400" });
  try {
    await waitFor(() => c.errors.length > 0, { message: "onerror" });
    assert.equal(c.errors[0]?.code, "CLIENT_NO_STANDALONE_STREAM");
    const res = await c.client.callTool({ name: "x", arguments: {} });
    assert.deepEqual(res.content, [{ type: "text", text: "json" }]);
    assert.ok(!c.order.includes("close"));
  } finally {
    await c.close();
  }
});

test("streamable: getHeaders that throws fails the send with CLIENT_HEADERS_FAILED", async () => {
  const server = await listen((_req, res) => void res.writeHead(500).end());
  const transport = createClientTransport({
    server: serverConfig({ transport: "streamable-http", url: `${server.origin}/mcp` }),
    getHeaders: () => {
      throw new Error("token endpoint down");
    },
  });
  try {
    await transport.start();
    await assert.rejects(transport.send({ jsonrpc: "2.0", id: 1, method: "ping" }), {
      code: "CLIENT_HEADERS_FAILED",
      message: /token endpoint down/,
    });
    assert.equal(server.seen.length, 0, "nothing was sent without its headers");
  } finally {
    await transport.close();
    await server.close();
  }
});
