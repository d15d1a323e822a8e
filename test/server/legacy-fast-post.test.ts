/**
 * The node adapter's fast path for legacy `POST /messages` (src/server/legacy-fast.ts): it
 * answers the plain case (202, or 413/400 once it has read the body) and hands every other
 * case, body unread, to the full pipeline, which answers as before. Driven through a real
 * `serve()` host and its real SDK server, and through the handler's `legacyFastPost` itself.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { McpServer } from "@modelcontextprotocol/server";
import { createMcpHttpHandler, serve } from "../../src/server/index.js";
import { lazyRequest } from "../../src/server/lazy-request.js";
import type { ServerLike } from "../../src/server/types.js";
import { createTestServer, INIT_PARAMS, openSse, postJson, type RawSse } from "./helpers.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const TOKEN = "fast-path-token-1";
const AUTH = { authorization: `Bearer ${TOKEN}` };

async function legacySession(base: string, headers: Record<string, string> = {}) {
  const sse = await openSse(`${base}/sse`, { headers });
  cleanups.push(() => sse.abort());
  await sse.waitFor((events) => events.some((e) => e.event === "endpoint"));
  const endpoint = sse.events.find((e) => e.event === "endpoint")?.data ?? "";
  return { sse, messages: new URL(endpoint, base).toString() };
}

function answerTo(sse: RawSse, id: number) {
  return sse.events.find((e) => e.event === "message" && JSON.parse(e.data).id === id);
}

describe("legacy POST /messages on the node adapter's fast path", () => {
  test("202 Accepted; the tool's ctx.http.req is a Request without credentials, principal as authInfo", async () => {
    const seen: Array<Record<string, unknown>> = [];
    const createServer = (): ServerLike => {
      const server = new McpServer({ name: "x", version: "1" });
      server.registerTool("whoami", { description: "d" }, async (ctx) => {
        const http = (ctx as { http?: { req?: Request; authInfo?: { clientId?: string } } }).http;
        const req = http?.req;
        seen.push({
          isRequest: req instanceof Request,
          url: req?.url,
          method: req?.method,
          authorization: req?.headers.get("authorization"),
          cookie: req?.headers.get("cookie"),
          custom: req?.headers.get("x-custom"),
          body: req?.body ?? null,
          clientId: http?.authInfo?.clientId?.startsWith("token:"),
        });
        return { content: [{ type: "text", text: "ok" }] };
      });
      return server;
    };
    const h = await serve({ createServer, port: 0, auth: { tokens: [TOKEN] } });
    cleanups.push(() => h.close());
    const { sse, messages } = await legacySession(h.url, AUTH);
    const headers = { ...AUTH, cookie: "sid=abc", "x-custom": "kept" };
    const init = await postJson(
      messages,
      { jsonrpc: "2.0", id: 1, method: "initialize", params: INIT_PARAMS },
      headers,
    );
    assert.equal(init.status, 202);
    assert.equal(init.headers.get("content-type"), "text/plain");
    assert.equal(await init.text(), "Accepted");
    await sse.waitFor(() => answerTo(sse, 1) !== undefined);
    await (
      await postJson(messages, { jsonrpc: "2.0", method: "notifications/initialized" }, headers)
    ).text();
    const call = { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "whoami" } };
    assert.equal((await postJson(messages, call, headers)).status, 202);
    await sse.waitFor(() => answerTo(sse, 2) !== undefined);
    assert.deepEqual(seen, [
      {
        isRequest: true,
        url: messages,
        method: "POST",
        authorization: null,
        cookie: null,
        custom: "kept",
        body: null,
        clientId: true,
      },
    ]);
  });

  test("the cases it leaves to the full pipeline are answered as before", async () => {
    const h = await serve({ createServer: createTestServer, port: 0, handshakeTimeoutMs: 0 });
    cleanups.push(() => h.close());
    const { messages } = await legacySession(h.url);
    const ping = { jsonrpc: "2.0", id: 9, method: "ping" };
    const unknown = messages.replace(/sessionId=[^&]+/, "sessionId=nope");
    assert.equal((await postJson(unknown, ping)).status, 404);
    assert.equal((await postJson(messages, ping, { "content-type": "text/plain" })).status, 415);
    assert.equal((await postJson(messages, ping, { origin: "https://evil.example" })).status, 403);
    assert.equal((await postJson(`${h.url}/messages`, ping)).status, 400);
    // And the plain case still is the fast one's: 202.
    assert.equal((await postJson(messages, ping)).status, 202);
  });
});

describe("handler.legacyFastPost decides before reading the body", () => {
  async function withSession(options: { auth?: { tokens: string[] } } = {}) {
    const handler = createMcpHttpHandler({
      createServer: createTestServer,
      handshakeTimeoutMs: 0,
      maxBodyBytes: 1024,
      ...options,
    });
    cleanups.push(() => handler.close());
    const headers = options.auth ? AUTH : {};
    const res = await handler.fetch(new Request("http://127.0.0.1/sse", { headers }));
    const reader = res.body?.getReader();
    assert.ok(reader);
    cleanups.push(() => reader.cancel());
    let text = "";
    while (!/\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    const target = /data: (\S+)/.exec(text)?.[1] ?? "";
    const fast = handler.legacyFastPost;
    assert.ok(fast);
    return { handler, target, fast };
  }
  const json = { host: "127.0.0.1:1", "content-type": "application/json" };
  const body = new TextEncoder().encode('{"jsonrpc":"2.0","id":1,"method":"ping"}');
  const untouched = async () => assert.fail("the body must stay unread");

  test("not handled, body unread: Origin, foreign Host, wrong token, unknown session, not JSON, declared too large", async () => {
    const { target, fast } = await withSession({ auth: { tokens: [TOKEN] } });
    const head = (headers: Record<string, string>, t = target) => ({
      target: t,
      path: "/messages",
      headers: { ...json, ...AUTH, ...headers },
    });
    for (const h of [
      head({ origin: "http://127.0.0.1:1" }),
      head({ host: "evil.example" }),
      head({ authorization: "Bearer wrong" }),
      head({}, "/messages?sessionId=nope"),
      head({}, "/messages"),
      head({ "content-type": "text/plain" }),
      head({ "content-length": "2048" }),
    ]) {
      assert.equal(await fast(h, untouched), undefined, JSON.stringify(h));
    }
    const plain = head({});
    assert.equal(await fast(plain, async () => body), "accepted");
  });

  test("read past the bound: its 413, counted; a client gone mid-body: counted, nothing answered", async () => {
    const { handler, target, fast } = await withSession();
    const head = { target, path: "/messages", headers: json };
    const answer = await fast(head, async () => undefined);
    assert.ok(answer instanceof Response);
    assert.equal(answer.status, 413);
    assert.match(await answer.text(), /SERVER_BODY_TOO_LARGE/);
    const metrics = await handler.metrics.registry.metrics();
    assert.match(metrics, /code="413"\} 1/);
    assert.equal(await fast(head, async () => null), "gone");
    assert.match(await handler.metrics.registry.metrics(), /client_disconnects\w*\s+1/);
    const deep = new TextEncoder().encode(`${"[".repeat(5000)}${"]".repeat(5000)}`);
    const tooDeep = await fast(head, async () => deep);
    assert.ok(tooDeep instanceof Response);
    assert.match(await tooDeep.text(), /SERVER_JSON_TOO_DEEP/);
  });

  test("a POST to another path (the Streamable HTTP endpoint's) is declined at once, with no promise", async () => {
    const { target, fast } = await withSession();
    const query = target.slice(target.indexOf("?"));
    // The node adapter asks this path first for every POST: it must not cost a turn.
    assert.equal(
      fast({ target: `/mcp${query}`, path: "/mcp", headers: json }, untouched),
      undefined,
    );
    const plain = fast({ target, path: "/messages", headers: json }, async () => body);
    assert.ok(plain instanceof Promise);
    assert.equal(await plain, "accepted");
  });

  test("an auth verify hook takes the full path (no fast path at all)", () => {
    const handler = createMcpHttpHandler({
      createServer: createTestServer,
      auth: { verify: async () => ({ id: "p" }) },
    });
    cleanups.push(() => handler.close());
    assert.equal(handler.legacyFastPost, undefined);
  });
});

describe("lazyRequest", () => {
  test("builds its Request on first use only, then behaves as it", async () => {
    let built = 0;
    const req = lazyRequest(() => {
      built++;
      return new Request("http://h/x?y=1", { method: "POST", headers: { "x-a": "1" } });
    });
    assert.equal(built, 0);
    assert.ok(req instanceof Request);
    assert.equal(built, 0);
    assert.equal(req.headers.get("x-a"), "1");
    assert.equal(req.url, "http://h/x?y=1");
    assert.equal(req.signal.aborted, false);
    assert.equal(req.clone().method, "POST");
    assert.equal(built, 1);
  });
});
