/**
 * SSE polling (SEP-1699, protocol 2025-11-25): a tool handler ends its request's SSE stream
 * mid-call (`ctx.http.closeSSE`) or the standalone one (`ctx.http.closeStandaloneSSE`); the
 * host writes `retry:` first, and whatever is sent meanwhile reaches the client when it
 * comes back with `Last-Event-ID` — nothing lost.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { McpServer, type ServerContext } from "@modelcontextprotocol/server";
import { createParser } from "eventsource-parser";
import * as z from "zod";
import type { ServeHandle } from "../../src/server/index.js";
import { serve } from "../../src/server/index.js";
import { SseStream } from "../../src/server/sse-stream.js";
import { StreamSlot } from "../../src/server/stream-slot.js";
import { waitFor } from "../helpers/wait-for.js";
import { INIT_PARAMS, postJson } from "./helpers.js";

const TEST_TIMEOUT_MS = 20_000;

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function counter(
  h: ServeHandle,
  name: "streamReconnects" | "replayedEvents" | "messagesOut",
): Promise<number> {
  const m = await h.handler.metrics[name].get();
  return m.values.reduce((sum, v) => sum + v.value, 0);
}

interface Read {
  events: { id: string | undefined; event: string | undefined; data: string }[];
  retries: number[];
}

/** Read an SSE body to its end (bounded), with an independent parser that reports `retry:`. */
async function readToEnd(response: Response, timeoutMs = 10_000): Promise<Read> {
  const out: Read = { events: [], retries: [] };
  const parser = createParser({
    onEvent: (e) => out.events.push({ id: e.id, event: e.event, data: e.data }),
    onRetry: (ms) => out.retries.push(ms),
  });
  assert.ok(response.body, "an SSE body");
  const reader = response.body.getReader();
  const timer = setTimeout(() => void reader.cancel(new Error("read timed out")), timeoutMs);
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } finally {
    clearTimeout(timer);
  }
  return out;
}

/** A server whose `poll` tool ends its stream, logs, then answers once `answer` resolves. */
function pollingServer(answer: () => Promise<void>, seen: { closeSSE?: boolean }) {
  return () => {
    const server = new McpServer(
      { name: "polling", version: "1.0.0" },
      { capabilities: { logging: {} } },
    );
    server.registerTool(
      "poll",
      { description: "Close the SSE stream, then answer later", inputSchema: z.object({}) },
      async (_args, ctx: ServerContext) => {
        seen.closeSSE = typeof ctx.http?.closeSSE === "function";
        ctx.http?.closeSSE?.();
        await ctx.mcpReq.notify({
          method: "notifications/message",
          params: { level: "info", data: "sent while disconnected" },
        });
        await answer();
        return { content: [{ type: "text", text: "answered after polling" }] };
      },
    );
    server.registerTool(
      "close_standalone",
      { description: "Close the standalone GET stream, then announce", inputSchema: z.object({}) },
      async (_args, ctx: ServerContext) => {
        ctx.http?.closeStandaloneSSE?.();
        await server.sendLoggingMessage({ level: "info", data: "missed on the GET stream" });
        return { content: [{ type: "text", text: "closed" }] };
      },
    );
    server.registerTool(
      "announce",
      { description: "A message on the standalone stream", inputSchema: z.object({}) },
      async () => {
        await server.sendLoggingMessage({ level: "info", data: "first on the GET stream" });
        return { content: [{ type: "text", text: "announced" }] };
      },
    );
    return server;
  };
}

/** Initialize over raw HTTP with `protocolVersion`; returns the session id. */
async function rawInit(h: ServeHandle, protocolVersion: string): Promise<string> {
  const res = await postJson(`${h.url}/mcp`, {
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: { ...INIT_PARAMS, protocolVersion },
  });
  assert.equal(res.status, 200);
  const sessionId = res.headers.get("mcp-session-id");
  assert.ok(sessionId);
  await readToEnd(res);
  const note = await postJson(
    `${h.url}/mcp`,
    { jsonrpc: "2.0", method: "notifications/initialized" },
    { "mcp-session-id": sessionId },
  );
  assert.equal(note.status, 202);
  return sessionId;
}

function callTool(id: number, name: string) {
  return { jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: {} } };
}

function resultOf(read: Read, id: number): unknown {
  for (const e of read.events) {
    if (!e.data) continue;
    const m = JSON.parse(e.data) as { id?: number; result?: unknown };
    if (m.id === id && m.result) return m.result;
  }
  return undefined;
}

describe("SSE polling: a handler closes its stream mid-call", { timeout: TEST_TIMEOUT_MS }, () => {
  test("SDK v2 client gets the result and the notification sent while it was disconnected", async () => {
    // The client's reconnect waits until the server has sent the response: it is then only
    // in the event log, so this proves the replay delivers it (answer while disconnected).
    const gate = deferred();
    const seen: { closeSSE?: boolean } = {};
    const h = await serve({
      createServer: pollingServer(async () => {}, seen),
      port: 0,
      retryMs: 20,
    });
    const client = new Client({ name: "v2", version: "1.0.0" });
    const logs: unknown[] = [];
    client.setNotificationHandler("notifications/message", (n) => {
      logs.push(n.params.data);
    });
    try {
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
          reconnectionScheduler: (reconnect) => {
            void gate.promise.then(reconnect);
          },
          reconnectionOptions: {
            initialReconnectionDelay: 20,
            maxReconnectionDelay: 100,
            reconnectionDelayGrowFactor: 1.5,
            maxRetries: 5,
          },
        }),
      );
      const out = await counter(h, "messagesOut");
      const pending = client.callTool({ name: "poll", arguments: {} });
      // The notification and the response both logged.
      await waitFor(async () => (await counter(h, "messagesOut")) >= out + 2, {
        timeout: 10_000,
        message: "the tool's response",
      });
      gate.resolve();
      const result = await pending;
      assert.equal(seen.closeSSE, true, "the host offers ctx.http.closeSSE");
      assert.deepEqual(result.content, [{ type: "text", text: "answered after polling" }]);
      assert.deepEqual(logs, ["sent while disconnected"]);
      assert.equal(await counter(h, "streamReconnects"), 1);
      assert.ok((await counter(h, "replayedEvents")) >= 2, "notification + response replayed");
    } finally {
      gate.resolve();
      await client.close();
      await h.close();
    }
  });

  test("SDK v2 client that comes back before the answer gets it live on the resumed stream", async () => {
    const answer = deferred();
    const seen: { closeSSE?: boolean } = {};
    const h = await serve({
      createServer: pollingServer(() => answer.promise, seen),
      port: 0,
      retryMs: 20,
    });
    const client = new Client({ name: "v2", version: "1.0.0" });
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`)));
      const pending = client.callTool({ name: "poll", arguments: {} });
      await waitFor(async () => (await counter(h, "streamReconnects")) >= 1, {
        timeout: 10_000,
        message: "the client's resumption",
      });
      answer.resolve();
      const result = await pending;
      assert.deepEqual(result.content, [{ type: "text", text: "answered after polling" }]);
      assert.equal(await counter(h, "streamReconnects"), 1);
    } finally {
      answer.resolve();
      await client.close();
      await h.close();
    }
  });

  test("the closed POST stream ends with retry: and no response; Last-Event-ID resumes it with the result, then ends", async () => {
    const answer = deferred();
    const h = await serve({ createServer: pollingServer(() => answer.promise, {}), port: 0 });
    try {
      const sessionId = await rawInit(h, "2025-11-25");
      const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
      const call = await postJson(`${h.url}/mcp`, callTool(1, "poll"), headers);
      assert.equal(call.status, 200);
      const first = await readToEnd(call);
      assert.equal(first.events[0]?.data, "", "priming event first");
      assert.deepEqual(first.retries, [1000], "DEFAULT_POLL_RETRY_MS written before closing");
      assert.equal(resultOf(first, 1), undefined, "no response on the closed stream");
      const lastEventId = first.events.at(-1)?.id;
      assert.ok(lastEventId);
      answer.resolve();
      const resumed = await fetch(`${h.url}/mcp`, {
        headers: { accept: "text/event-stream", ...headers, "last-event-id": lastEventId },
      });
      assert.equal(resumed.status, 200);
      const second = await readToEnd(resumed);
      assert.deepEqual(resultOf(second, 1), {
        content: [{ type: "text", text: "answered after polling" }],
      });
      const ids = [...first.events, ...second.events].map((e) => e.id);
      assert.equal(new Set(ids).size, ids.length, "no event delivered twice");
    } finally {
      answer.resolve();
      await h.close();
    }
  });

  // Regression: the conformance scenario server-sse-polling initializes with 2025-11-25 and
  // then POSTs with MCP-Protocol-Version: 2025-03-26; the header used to turn priming off.
  test("priming and closeSSE follow the initialize revision, not a later older header", async () => {
    const seen: { closeSSE?: boolean } = {};
    const h = await serve({
      createServer: pollingServer(async () => {}, seen),
      port: 0,
      retryMs: 300,
    });
    try {
      const sessionId = await rawInit(h, "2025-11-25");
      const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-03-26" };
      const first = await readToEnd(await postJson(`${h.url}/mcp`, callTool(1, "poll"), headers));
      assert.equal(seen.closeSSE, true);
      assert.equal(first.events[0]?.data, "", "priming event first");
      assert.deepEqual(
        first.retries,
        [300, 300],
        "retryMs on the priming event and before closing",
      );
      const lastEventId = first.events.at(-1)?.id;
      assert.ok(lastEventId);
      const resumed = await fetch(`${h.url}/mcp`, {
        headers: { accept: "text/event-stream", ...headers, "last-event-id": lastEventId },
      });
      const second = await readToEnd(resumed);
      assert.ok(resultOf(second, 1), "the result on resumption");
    } finally {
      await h.close();
    }
  });

  test("a 2025-06-18 session gets no closeSSE (no priming id to resume with) and its answer inline", async () => {
    const seen: { closeSSE?: boolean } = {};
    const h = await serve({ createServer: pollingServer(async () => {}, seen), port: 0 });
    try {
      const sessionId = await rawInit(h, "2025-06-18");
      const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-06-18" };
      const read = await readToEnd(await postJson(`${h.url}/mcp`, callTool(1, "poll"), headers));
      assert.equal(seen.closeSSE, false);
      assert.deepEqual(read.retries, []);
      assert.ok(resultOf(read, 1), "the result on the POST stream itself");
    } finally {
      await h.close();
    }
  });

  test("closeStandaloneSSE ends the GET stream with retry:; Last-Event-ID replays what it missed", async () => {
    const h = await serve({
      createServer: pollingServer(async () => {}, {}),
      port: 0,
      retryMs: 40,
    });
    try {
      const sessionId = await rawInit(h, "2025-11-25");
      const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
      const get = await fetch(`${h.url}/mcp`, {
        headers: { accept: "text/event-stream", ...headers },
      });
      assert.equal(get.status, 200);
      const reading = readToEnd(get);
      await readToEnd(await postJson(`${h.url}/mcp`, callTool(1, "announce"), headers));
      await readToEnd(await postJson(`${h.url}/mcp`, callTool(2, "close_standalone"), headers));
      const standalone = await reading;
      assert.deepEqual(standalone.retries, [40]);
      assert.equal(standalone.events.length, 1);
      assert.match(standalone.events[0]?.data ?? "", /first on the GET stream/);
      const lastEventId = standalone.events[0]?.id;
      assert.ok(lastEventId);
      const controller = new AbortController();
      const resumed = await fetch(`${h.url}/mcp`, {
        headers: { accept: "text/event-stream", ...headers, "last-event-id": lastEventId },
        signal: controller.signal,
      });
      assert.equal(resumed.status, 200);
      // The standalone stream stays open: read until the missed message, then hang up.
      const body = resumed.body;
      assert.ok(body);
      const reader = body.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const timer = setTimeout(() => controller.abort(), 10_000);
      try {
        while (!text.includes("missed on the GET stream")) {
          const { done, value } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
      } finally {
        clearTimeout(timer);
        controller.abort();
      }
      assert.match(text, /missed on the GET stream/);
    } finally {
      await h.close();
    }
  });
});

describe("StreamSlot: a close during a replay", () => {
  // Regression: a response that completes a stream while its resumption is still replaying
  // used to close the connection before the held response was written (the client then had
  // to come back once more).
  test("writes the held live events first, then ends the stream", async () => {
    const slot = new StreamSlot();
    const stream = new SseStream({ keepAliveMs: 0 });
    const replayGate = deferred();
    const attaching = slot.attach(
      stream,
      () => {},
      async () => {
        await replayGate.promise;
        return [{ id: "s:1", seq: 1, stream: "post:x", data: '{"n":1}' }];
      },
    );
    slot.deliver({ id: "s:2", seq: 2, stream: "post:x", data: '{"n":2}' });
    slot.close();
    assert.equal(stream.closed, false, "not closed while the replay runs");
    replayGate.resolve();
    assert.equal(await attaching, 1);
    assert.equal(stream.closed, true);
    const read = await readToEnd(new Response(stream.body));
    assert.deepEqual(
      read.events.map((e) => [e.id, e.data]),
      [
        ["s:1", '{"n":1}'],
        ["s:2", '{"n":2}'],
      ],
    );
  });
});
