/**
 * Messages for the standalone stream (`GET /mcp`) sent before any client holds it. The SDK v2
 * `ctx.mcpReq.elicitInput` sends its request without a related request, so it goes to the
 * standalone stream; a client opens that stream only after `initialized`. Such a message used
 * to be logged and never delivered to a GET without `Last-Event-ID`: the tool waited forever
 * (the conformance scenarios tools-call-elicitation and tools-call-sampling failed about once
 * in 20 runs, whenever the tool ran before the SDK client's GET arrived). Now the next GET
 * gets them first, once, in order; beyond MAX_UNDELIVERED_STANDALONE the oldest go and the GET
 * is told.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import type { McpServer } from "@modelcontextprotocol/server";
import type { ServeHandle } from "../../src/server/index.js";
import { serve } from "../../src/server/index.js";
import { MAX_UNDELIVERED_STANDALONE } from "../../src/server/streamable-transport.js";
import { waitFor } from "../helpers/wait-for.js";
import type { RawSse, SseMessage } from "./helpers.js";
import { createAnnouncingServer, INIT_PARAMS, openSse, postJson } from "./helpers.js";

/** A server whose `ask` tool elicits input the way SDK v2 tool authors write it. */
function askingServer(): McpServer {
  const server = createAnnouncingServer();
  server.registerTool("ask", { description: "Ask the user for a name" }, async (ctx) => {
    const answer = await ctx.mcpReq.elicitInput({
      mode: "form",
      message: "Your name?",
      requestedSchema: { type: "object", properties: { name: { type: "string" } } },
    });
    return {
      content: [{ type: "text", text: `${answer.action}: ${JSON.stringify(answer.content)}` }],
    };
  });
  return server;
}

let host: ServeHandle | undefined;
const opened: RawSse[] = [];
afterEach(async () => {
  for (const sse of opened.splice(0)) sse.abort();
  await host?.close();
  host = undefined;
});

async function messagesOut(h: ServeHandle): Promise<number> {
  const metric = await h.handler.metrics.messagesOut.get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

/** An initialized Streamable HTTP session that can answer elicitation; no GET stream yet. */
async function session(h: ServeHandle) {
  const init = await openSse(`${h.url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { ...INIT_PARAMS, capabilities: { elicitation: { form: {} } } },
    }),
  });
  await init.ended;
  const headers = {
    "mcp-session-id": init.response.headers.get("mcp-session-id") ?? "",
    "mcp-protocol-version": "2025-11-25",
  };
  const ready = await postJson(
    `${h.url}/mcp`,
    { jsonrpc: "2.0", method: "notifications/initialized" },
    headers,
  );
  assert.equal(ready.status, 202);
  const open = async (
    init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ) => {
    const sse = await openSse(`${h.url}/mcp`, {
      ...init,
      headers: { ...headers, ...init.headers },
    });
    opened.push(sse);
    return sse;
  };
  const call = (id: number, name: string, args: Record<string, unknown> = {}) =>
    open({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name, arguments: args },
      }),
    });
  return { headers, open, call };
}

const messages = (events: SseMessage[]) =>
  events.filter((e) => e.event === "message" && e.data !== "").map((e) => JSON.parse(e.data));

describe("standalone messages sent before GET /mcp", () => {
  test("a tool's elicitation sent before the GET reaches it, and the tool completes", async () => {
    host = await serve({ createServer: askingServer, port: 0 });
    const h = host;
    const s = await session(h);
    const before = await messagesOut(h);
    const call = await s.call(2, "ask");
    // The elicitation request is logged now, while no GET stream exists.
    await waitFor(async () => (await messagesOut(h)) > before, {
      message: "the elicitation request",
    });

    const get = await s.open();
    await get.waitFor((e) => messages(e).some((m) => m.method === "elicitation/create"));
    const [ask] = messages(get.events);
    assert.equal(ask.method, "elicitation/create");
    assert.equal(ask.params.message, "Your name?");

    const answer = await postJson(
      `${h.url}/mcp`,
      { jsonrpc: "2.0", id: ask.id, result: { action: "accept", content: { name: "Ada" } } },
      s.headers,
    );
    assert.equal(answer.status, 202);
    await call.ended;
    const [result] = messages(call.events);
    assert.equal(result.id, 2);
    assert.deepEqual(result.result.content, [{ type: "text", text: 'accept: {"name":"Ada"}' }]);
  });

  test("they go to the next GET once, in order; a later GET gets only what is new", async () => {
    host = await serve({ createServer: askingServer, port: 0 });
    const s = await session(host);
    await (await s.call(2, "announce", { count: 3 })).ended;

    const first = await s.open();
    await first.waitFor((e) => messages(e).length >= 3);
    assert.deepEqual(
      messages(first.events).map((m) => m.params.data),
      ["a0", "a1", "a2"],
    );
    first.abort();
    await first.ended;

    const second = await s.open();
    await (await s.call(3, "announce", { count: 1 })).ended;
    await second.waitFor((e) => messages(e).length >= 1);
    // Had the first three been sent again, they would come before this one.
    assert.deepEqual(
      messages(second.events).map((m) => m.params.data),
      ["a0"],
    );
    assert.equal(second.events.find((e) => e.event === "message")?.id?.endsWith(":1"), false);
  });

  test(`beyond ${MAX_UNDELIVERED_STANDALONE} waiting, the oldest go and the GET is told`, async () => {
    host = await serve({ createServer: askingServer, port: 0, eventLogSize: 5000 });
    const s = await session(host);
    const extra = 5;
    await (await s.call(2, "announce", { count: MAX_UNDELIVERED_STANDALONE + extra })).ended;

    const get = await s.open();
    await get.waitFor((e) => messages(e).length >= MAX_UNDELIVERED_STANDALONE);
    const gap = get.events[0];
    assert.equal(gap?.event, "error");
    const notice = JSON.parse(gap?.data ?? "{}");
    assert.equal(notice.code, "SERVER_REPLAY_GAP");
    assert.equal(notice.reason, "undelivered");
    assert.match(notice.message, new RegExp(`^${extra} server messages`));
    const data = messages(get.events).map((m) => m.params.data);
    assert.equal(data.length, MAX_UNDELIVERED_STANDALONE);
    assert.equal(data[0], `a${extra}`);
    assert.equal(data.at(-1), `a${MAX_UNDELIVERED_STANDALONE + extra - 1}`);
  });
});
