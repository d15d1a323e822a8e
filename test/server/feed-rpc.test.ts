import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createDemoServer } from "../../src/server/demo.js";
import { type ServeHandle, serve } from "../../src/server/index.js";

async function rpc(
  url: string,
  body: unknown,
  headers: Record<string, string> = { "content-type": "application/json" },
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe("the feed's RPC endpoint (POST /mcp/rpc)", () => {
  let server: ServeHandle;
  let url: string;
  before(async () => {
    server = await serve({
      createServer: () => createDemoServer({ intervalMs: 0 }),
      port: 0,
      maxBodyBytes: 64 * 1024,
      feed: {},
    });
    url = `${server.url}/mcp/rpc`;
  });
  after(() => server.close());

  test("the guide's style: tools/list → {tools}, tools/call → {content}", async () => {
    const list = await rpc(url, { method: "tools/list" });
    assert.equal(list.status, 200);
    const names = (list.json["tools"] as Array<{ name: string }>).map((t) => t.name).sort();
    assert.deepEqual(names, ["realtime_monitor", "weather_monitor"]);

    const call = await rpc(url, {
      method: "tools/call",
      params: { name: "realtime_monitor", arguments: { stream_id: "btc" } },
    });
    assert.equal(call.status, 200);
    assert.deepEqual(call.json["content"], [
      { type: "text", text: "Started monitoring stream: btc" },
    ]);
  });

  test("the guide's style: an unknown method is 200 {error: 'Method not found'}", async () => {
    const res = await rpc(url, { method: "resources/list" });
    assert.equal(res.status, 200);
    assert.deepEqual(res.json, { error: "Method not found" });
  });

  test("the guide's style: a failing tool is 500 {error: <its message>}", async () => {
    const res = await rpc(url, {
      method: "tools/call",
      params: { name: "realtime_monitor", arguments: { stream_id: "" } },
    });
    assert.equal(res.status, 500);
    assert.equal(typeof res.json["error"], "string");
    assert.match(res.json["error"] as string, /stream_id/);
  });

  test("JSON-RPC 2.0 bodies get JSON-RPC envelopes (the guide's Node example)", async () => {
    const list = await rpc(url, { jsonrpc: "2.0", id: 7, method: "tools/list" });
    assert.equal(list.status, 200);
    assert.equal(list.json["jsonrpc"], "2.0");
    assert.equal(list.json["id"], 7);
    const tools = (list.json["result"] as { tools: unknown[] }).tools;
    assert.equal(tools.length, 2);

    const call = await rpc(url, {
      jsonrpc: "2.0",
      id: "c1",
      method: "tools/call",
      params: { name: "weather_monitor", arguments: { location: "Oslo" } },
    });
    assert.deepEqual(call.json, {
      jsonrpc: "2.0",
      id: "c1",
      result: { content: [{ type: "text", text: "Started monitoring weather for: Oslo" }] },
    });

    const unknown = await rpc(url, { jsonrpc: "2.0", id: 9, method: "nope" });
    assert.deepEqual(unknown.json, {
      jsonrpc: "2.0",
      id: 9,
      error: { code: -32601, message: "Method not found" },
    });
  });

  test("bad requests are answered, never a hang: 400, 413, 415, 405", async () => {
    const badJson = await rpc(url, "{not json");
    assert.equal(badJson.status, 400);
    assert.match(badJson.json["error"] as string, /Parse error/);

    const noMethod = await rpc(url, { params: {} });
    assert.equal(noMethod.status, 400);

    const badParams = await rpc(url, { method: "tools/call", params: { arguments: {} } });
    assert.equal(badParams.status, 400);
    assert.match(badParams.json["error"] as string, /params\.name/);

    const tooBig = await rpc(url, { method: "tools/list", pad: "x".repeat(100 * 1024) });
    assert.equal(tooBig.status, 413);

    const wrongType = await rpc(url, { method: "tools/list" }, { "content-type": "text/plain" });
    assert.equal(wrongType.status, 415);

    const get = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get("allow"), "POST");
    await get.body?.cancel();
  });
});

describe("the feed's RPC endpoint behind auth", () => {
  let server: ServeHandle;
  before(async () => {
    server = await serve({
      createServer: () => createDemoServer({ intervalMs: 0 }),
      port: 0,
      auth: { tokens: ["s3cret-token-1"] },
      feed: {},
    });
  });
  after(() => server.close());

  test("needs the bearer token like /mcp; the feed too", async () => {
    const denied = await rpc(`${server.url}/mcp/rpc`, { method: "tools/list" });
    assert.equal(denied.status, 401);
    const ok = await rpc(
      `${server.url}/mcp/rpc`,
      { method: "tools/list" },
      { "content-type": "application/json", authorization: "Bearer s3cret-token-1" },
    );
    assert.equal(ok.status, 200);
    const feed = await fetch(`${server.url}/mcp/sse`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(feed.status, 401);
    await feed.body?.cancel();
  });
});
