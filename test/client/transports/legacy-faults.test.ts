/**
 * Legacy SSE transport against raw node:http servers that misbehave on purpose: streams cut
 * every few events (with and without resumption), 401, a POST that never gets an answer, a
 * cross-origin endpoint, malformed event data, and a server that reflects our headers.
 */
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/client";
import {
  createClientTransport,
  type LegacySseClientTransport,
} from "../../../src/client/transports/index.js";
import { isMcpSseError, type McpSseError } from "../../../src/errors.js";
import { encodeEvent } from "../../../src/sse/encoder.js";
import { waitFor, withTimeout } from "../../helpers/wait-for.js";
import { listen, serverConfig } from "./helpers.js";

const SECRET = "Bearer legacy-secret-9f8e7d";

function openStream(res: ServerResponse): void {
  res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
  res.flushHeaders();
}

function notification(seq: number): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    method: "notifications/message",
    params: { level: "info", data: seq },
  });
}

/**
 * A legacy server that holds `total` numbered events and sends at most `cutEvery` per
 * connection before cutting it. `resumable`: a reconnect with `Last-Event-ID` keeps the
 * session and continues after that id; otherwise every GET is a new session from event 1.
 */
async function cuttingServer(opts: {
  total: number;
  cutEvery: number;
  resumable: boolean;
  abrupt: boolean;
}) {
  let sessions = 0;
  const http = await listen((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST") return void res.writeHead(202).end("Accepted");
    if (url.pathname !== "/sse") return void res.writeHead(404).end();
    const lastId = req.headers["last-event-id"];
    const resume = opts.resumable && typeof lastId === "string";
    if (!resume) sessions++;
    openStream(res);
    res.write(encodeEvent({ event: "endpoint", data: `/messages?sessionId=s${sessions}` }));
    let next = resume ? Number(lastId) + 1 : 1;
    let sent = 0;
    while (next <= opts.total && sent < opts.cutEvery) {
      res.write(encodeEvent({ id: String(next), event: "message", data: notification(next) }));
      next++;
      sent++;
    }
    if (next <= opts.total) {
      if (opts.abrupt) setImmediate(() => res.socket?.destroy());
      else res.end();
    }
  });
  return { ...http, sessions: () => sessions };
}

function collect(transport: ReturnType<typeof createClientTransport>) {
  const seqs: number[] = [];
  const errors: McpSseError[] = [];
  const order: string[] = [];
  transport.onmessage = (m) => {
    seqs.push((m as unknown as { params: { data: number } }).params.data);
  };
  transport.onerror = (e) => {
    errors.push(e as McpSseError);
    order.push(`error:${(e as McpSseError).code}`);
  };
  transport.onclose = () => void order.push("close");
  return { seqs, errors, order };
}

for (const abrupt of [false, true]) {
  test(`legacy stream cut every 3 events (${abrupt ? "socket destroyed" : "clean end"}) resumes with Last-Event-ID: nothing lost or duplicated`, async () => {
    const server = await cuttingServer({ total: 20, cutEvery: 3, resumable: true, abrupt });
    const transport = createClientTransport({
      server: serverConfig({ url: `${server.origin}/sse`, maxReconnects: 20 }),
    });
    const got = collect(transport);
    try {
      await withTimeout(transport.start(), 5_000, "start");
      await waitFor(() => got.seqs.length >= 20, { timeout: 10_000, message: "20 events" });
      assert.deepEqual(
        got.seqs,
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.equal(server.sessions(), 1, "one session throughout");
      assert.equal((transport as LegacySseClientTransport).legacySessionId, "s1");
      assert.equal(transport.sessionId, undefined, "never set: the SDK would skip initialize");
      const gets = server.seen.filter((r) => r.method === "GET");
      assert.equal(gets.length, 7, "1 connect + 6 resumes");
      assert.deepEqual(
        gets.map((r) => r.headers["last-event-id"]),
        [undefined, "3", "6", "9", "12", "15", "18"],
      );
      assert.deepEqual(got.order, [], "no error, no close");
    } finally {
      await transport.close();
      await server.close();
    }
  });
}

test("legacy stream cut by a server that cannot resume: CLIENT_SESSION_LOST, then onclose", async () => {
  const server = await cuttingServer({ total: 10, cutEvery: 3, resumable: false, abrupt: false });
  const transport = createClientTransport({
    server: serverConfig({ url: `${server.origin}/sse`, maxReconnects: 5 }),
  });
  const got = collect(transport);
  try {
    await withTimeout(transport.start(), 5_000, "start");
    await waitFor(() => got.order.includes("close"), { timeout: 10_000, message: "onclose" });
    assert.deepEqual(got.order, ["error:CLIENT_SESSION_LOST", "close"]);
    assert.deepEqual(got.seqs.slice(0, 3), [1, 2, 3]);
    // Events of the new, unwanted session must not be mixed into the old one.
    assert.ok(got.seqs.length <= 6, `got ${got.seqs.length} events`);
    await assert.rejects(transport.send({ jsonrpc: "2.0", method: "ping", id: 1 }), {
      code: "CLIENT_NOT_CONNECTED",
    });
  } finally {
    await transport.close();
    await server.close();
  }
});

test("legacy stream that ends with reconnection disabled: CLIENT_STREAM_ENDED, then onclose", async () => {
  const server = await cuttingServer({ total: 10, cutEvery: 3, resumable: true, abrupt: false });
  const transport = createClientTransport({
    server: serverConfig({ url: `${server.origin}/sse`, maxReconnects: 0 }),
  });
  const got = collect(transport);
  try {
    await withTimeout(transport.start(), 5_000, "start");
    await waitFor(() => got.order.includes("close"), { timeout: 10_000, message: "onclose" });
    assert.deepEqual(got.order, ["error:CLIENT_STREAM_ENDED", "close"]);
    assert.equal(server.seen.filter((r) => r.method === "GET").length, 1);
  } finally {
    await transport.close();
    await server.close();
  }
});

test("legacy 401 on the GET stream: CLIENT_UNAUTHORIZED (status 401), onclose, no secret in the error", async () => {
  const server = await listen((req, res) => {
    res
      .writeHead(401, { "Content-Type": "text/plain" })
      .end(`denied: ${req.headers.authorization}`);
  });
  const transport = createClientTransport({
    server: serverConfig({ url: `${server.origin}/sse`, headers: { Authorization: SECRET } }),
  });
  const client = new Client({ name: "t", version: "0" });
  const got = collect(transport);
  try {
    const error = await withTimeout(
      client.connect(transport).then(
        () => undefined,
        (e: unknown) => e,
      ),
      5_000,
      "connect",
    );
    assert.ok(isMcpSseError(error, "CLIENT_UNAUTHORIZED"), String(error));
    assert.equal(error.details["status"], 401);
    await waitFor(() => got.order.includes("close"), { message: "onclose" });
    assert.ok(got.order.includes("error:CLIENT_UNAUTHORIZED"));
    assertNoSecret(error, SECRET);
    for (const e of got.errors) assertNoSecret(e, SECRET);
    assert.equal(server.seen.length, 1, "401 is not retried");
    assert.equal(server.seen[0]?.headers.authorization, SECRET);
  } finally {
    await client.close();
    await server.close();
  }
});

/** Start `transport`, send one `ping`, and return what the send rejected with (undefined: none). */
async function startThenPing(
  transport: ReturnType<typeof createClientTransport>,
): Promise<unknown> {
  await withTimeout(transport.start(), 5_000, "start");
  return withTimeout(
    transport.send({ jsonrpc: "2.0", id: 1, method: "ping" }).then(
      () => undefined,
      (e: unknown) => e,
    ),
    5_000,
    "send",
  );
}

test("legacy POST that never gets an answer rejects with CLIENT_REQUEST_TIMEOUT (no hang)", async () => {
  const server = await listen((req, res) => {
    if (req.method === "GET") {
      openStream(res);
      res.write(encodeEvent({ event: "endpoint", data: "/messages?sessionId=abc" }));
    }
    // POST: never answered.
  });
  const transport = createClientTransport({
    server: serverConfig({ url: `${server.origin}/sse`, timeoutMs: 300 }),
  });
  try {
    const error = await startThenPing(transport);
    assert.ok(isMcpSseError(error, "CLIENT_REQUEST_TIMEOUT"), String(error));
    assert.equal(error.details["timeoutMs"], 300);
    assert.match(error.message, /\/messages\?sessionId=abc/);
  } finally {
    await transport.close();
    await server.close();
  }
});

test("a POST retried after a 429 that then gets no answer names the call's whole timeout", async () => {
  let posts = 0;
  const server = await listen((req, res) => {
    if (req.method === "GET") {
      openStream(res);
      res.write(encodeEvent({ event: "endpoint", data: "/messages?sessionId=abc" }));
      return;
    }
    posts += 1;
    // The first POST is refused (no Retry-After: the reconnect interval), the retry never answered.
    if (posts === 1) res.writeHead(429).end("slow down");
  });
  const transport = createClientTransport({
    server: serverConfig({ url: `${server.origin}/sse`, timeoutMs: 400, reconnectIntervalMs: 100 }),
  });
  try {
    const error = await startThenPing(transport);
    assert.equal(posts, 2);
    assert.ok(isMcpSseError(error, "CLIENT_REQUEST_TIMEOUT"), String(error));
    // The second attempt had ~300 ms of the budget left; the error names the budget.
    assert.equal(error.details["timeoutMs"], 400);
  } finally {
    await transport.close();
    await server.close();
  }
});

test("legacy endpoint on another origin is refused with CLIENT_BAD_ENDPOINT", async () => {
  const server = await listen((_req, res) => {
    openStream(res);
    res.write(
      encodeEvent({ event: "endpoint", data: "http://attacker.invalid/messages?sessionId=x" }),
    );
  });
  const transport = createClientTransport({
    server: serverConfig({ url: `${server.origin}/sse` }),
  });
  try {
    await assert.rejects(withTimeout(transport.start(), 5_000, "start"), {
      code: "CLIENT_BAD_ENDPOINT",
    });
  } finally {
    await transport.close();
    await server.close();
  }
});

test("legacy endpoint is resolved relative to the SSE URL; headers ride on the GET and every POST", async () => {
  let token = 0;
  const server = await listen((req, res) => {
    if (req.method === "GET") {
      openStream(res);
      res.write(encodeEvent({ event: "endpoint", data: "messages?sessionId=rel" }));
      return;
    }
    res.writeHead(202).end();
  });
  const transport = createClientTransport({
    server: serverConfig({ url: `${server.origin}/base/sse` }),
    getHeaders: () => ({ Authorization: `Bearer rotating-${++token}`, "X-Static": "yes" }),
  });
  try {
    await withTimeout(transport.start(), 5_000, "start");
    for (let i = 1; i <= 3; i++)
      await transport.send({ jsonrpc: "2.0", method: "notifications/test", params: { i } });
    const posts = server.seen.filter((r) => r.method === "POST");
    assert.deepEqual(
      posts.map((r) => r.path),
      Array(3).fill("/base/messages?sessionId=rel"),
    );
    assert.deepEqual(
      server.seen.map((r) => r.headers.authorization),
      ["Bearer rotating-1", "Bearer rotating-2", "Bearer rotating-3", "Bearer rotating-4"],
      "getHeaders is called before every request",
    );
    for (const r of server.seen) assert.equal(r.headers["x-static"], "yes");
    for (const r of posts) assert.equal(r.headers["content-type"], "application/json");
  } finally {
    await transport.close();
    await server.close();
  }
});

test("legacy malformed event data: CLIENT_BAD_MESSAGE via onerror, the stream continues", async () => {
  const server = await listen((_req, res) => {
    openStream(res);
    res.write(encodeEvent({ event: "endpoint", data: "/messages?sessionId=m" }));
    res.write(encodeEvent({ event: "message", data: "{not json" }));
    res.write(encodeEvent({ event: "message", data: '{"hello":"world"}' }));
    res.write(encodeEvent({ event: "message", data: notification(7) }));
    res.write(encodeEvent({ event: "data_update", data: '{"x":1}' }));
  });
  const custom: string[] = [];
  const transport = createClientTransport({
    server: serverConfig({ url: `${server.origin}/sse` }),
    onStreamEvent: (e) => void custom.push(`${e.type}:${e.data}`),
  });
  const got = collect(transport);
  try {
    await withTimeout(transport.start(), 5_000, "start");
    await waitFor(() => got.seqs.length === 1 && custom.length === 1, { message: "valid message" });
    assert.deepEqual(got.seqs, [7]);
    assert.deepEqual(
      got.errors.map((e) => e.code),
      ["CLIENT_BAD_MESSAGE", "CLIENT_BAD_MESSAGE"],
    );
    assert.deepEqual(custom, ['data_update:{"x":1}']);
    assert.ok(!got.order.includes("close"));
  } finally {
    await transport.close();
    await server.close();
  }
});

test("legacy POST error reports status, redacted URL and a body without reflected header values", async () => {
  const server = await listen((req, res) => {
    if (req.method === "GET") {
      openStream(res);
      res.write(encodeEvent({ event: "endpoint", data: "/messages?sessionId=e&token=abc" }));
      return;
    }
    res.writeHead(500).end(`boom; you sent ${req.headers.authorization}`);
  });
  const transport = createClientTransport({
    server: serverConfig({ url: `${server.origin}/sse`, headers: { Authorization: SECRET } }),
  });
  try {
    await withTimeout(transport.start(), 5_000, "start");
    const error = await transport.send({ jsonrpc: "2.0", id: 1, method: "ping" }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(isMcpSseError(error, "CLIENT_HTTP_STATUS"), String(error));
    assert.equal(error.details["status"], 500);
    assert.match(error.message, /boom; you sent \[REDACTED\]/);
    assert.match(error.message, /token=REDACTED/);
    assertNoSecret(error, SECRET);
  } finally {
    await transport.close();
    await server.close();
  }
});

function assertNoSecret(error: unknown, secret: string): void {
  const token = secret.split(" ")[1] ?? secret;
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    assert.ok(!e.message.includes(token), `secret in message: ${e.message}`);
    const details = (e as McpSseError).details;
    if (details !== undefined)
      assert.ok(!JSON.stringify(details).includes(token), "secret in details");
    e = (e as { cause?: unknown }).cause;
  }
}

test("legacy server gone for good: reconnects exhausted (SSE_RECONNECTS_EXHAUSTED), then onclose", async () => {
  const server = await listen((_req, res) => {
    openStream(res);
    res.write(encodeEvent({ event: "endpoint", data: "/messages?sessionId=gone" }));
  });
  const states: string[] = [];
  const transport = createClientTransport({
    server: serverConfig({
      url: `${server.origin}/sse`,
      maxReconnects: 2,
      reconnectIntervalMs: 10,
    }),
    onStreamState: (c) => void states.push(c.state),
  });
  const got = collect(transport);
  try {
    await withTimeout(transport.start(), 5_000, "start");
    await server.close();
    await waitFor(() => got.order.includes("close"), { timeout: 10_000, message: "onclose" });
    assert.deepEqual(got.order, ["error:SSE_RECONNECTS_EXHAUSTED", "close"]);
    assert.equal(got.errors[0]?.details["attempts"], 2);
    assert.deepEqual(states, ["connecting", "open", "reconnecting", "reconnecting", "closed"]);
  } finally {
    await transport.close();
  }
});

for (const [status, code] of [
  [401, "CLIENT_UNAUTHORIZED"],
  [404, "CLIENT_SESSION_LOST"],
] as const) {
  test(`legacy POST answered ${status}: send rejects first, then onerror(${code}) and onclose`, async () => {
    const server = await listen((req, res) => {
      if (req.method === "GET") {
        openStream(res);
        res.write(encodeEvent({ event: "endpoint", data: "/messages?sessionId=p" }));
        return;
      }
      res.writeHead(status).end("nope");
    });
    const transport = createClientTransport({
      server: serverConfig({ url: `${server.origin}/sse` }),
    });
    const got = collect(transport);
    try {
      await withTimeout(transport.start(), 5_000, "start");
      const error = await transport.send({ jsonrpc: "2.0", id: 1, method: "ping" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      got.order.push("rejected");
      assert.ok(isMcpSseError(error), String(error));
      assert.equal(error.details["status"], status);
      await waitFor(() => got.order.includes("close"), { message: "onclose" });
      assert.deepEqual(got.order, ["rejected", `error:${code}`, "close"]);
    } finally {
      await transport.close();
      await server.close();
    }
  });
}
