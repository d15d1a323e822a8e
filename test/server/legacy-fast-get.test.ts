/**
 * The node adapter's fast path for legacy `GET /sse` (src/server/legacy-fast.ts): a new
 * session's stream goes to the socket with no web `Request`/`Response`, after the same
 * checks as the pipeline's (Origin, Host, token); every other case (a resumption, a body,
 * a request that is not plain) takes the full pipeline, which answers as before. Driven
 * through a real node:http server with the real SDK server, and through the handler's
 * `legacyFastGet` itself.
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, test } from "node:test";
import {
  createMcpHttpHandler,
  type McpHttpHandler,
  toNodeListener,
} from "../../src/server/index.js";
import { SseStream } from "../../src/server/sse-stream.js";
import { createTestServer, INIT_PARAMS, openSse, postJson } from "./helpers.js";
import { rawRequest, statusOf } from "./raw-http.js";

const cleanups: Array<() => Promise<unknown> | unknown> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const TOKENS = ["fast-get-token-a", "fast-get-token-b"];
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A handler behind node:http whose full pipeline (`fetch`) counts the requests it gets. */
async function host(options: Partial<Parameters<typeof createMcpHttpHandler>[0]> = {}) {
  const handler = createMcpHttpHandler({
    createServer: createTestServer,
    handshakeTimeoutMs: 0,
    ...options,
  });
  const pipeline = { requests: 0 };
  const counted = {
    ...pick(handler),
    fetch: (request: Request) => {
      pipeline.requests++;
      return handler.fetch(request);
    },
  };
  const server = createHttpServer(toNodeListener(counted));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    await handler.close({ timeoutMs: 1000 });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return { handler, url, pipeline };
}

function pick(handler: McpHttpHandler) {
  const { legacyFastGet, legacyFastPost, logger } = handler;
  return { legacyFastGet, legacyFastPost, logger };
}

async function openLegacy(url: string, headers: Record<string, string> = {}) {
  const sse = await openSse(`${url}/sse`, { headers });
  cleanups.push(() => sse.abort());
  await sse.waitFor((events) => events.some((e) => e.event === "endpoint"));
  const endpoint = sse.events.find((e) => e.event === "endpoint")?.data ?? "";
  return { sse, messages: new URL(endpoint, url).toString() };
}

describe("legacy GET /sse on the node adapter's fast path", () => {
  test("a new session's stream, without the pipeline; the session is bound to its caller", async () => {
    const { url, pipeline } = await host({ auth: { tokens: TOKENS } });
    const { sse, messages } = await openLegacy(url, bearer(TOKENS[0] as string));
    assert.equal(sse.response.status, 200);
    assert.equal(sse.response.headers.get("content-type"), "text/event-stream");
    assert.equal(sse.response.headers.get("cache-control"), "no-cache, no-transform");
    assert.match(sse.events[0]?.id ?? "", /^[^:]+:0$/, "the endpoint event carries an id");
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: INIT_PARAMS };
    assert.equal((await postJson(messages, init, bearer(TOKENS[0] as string))).status, 202);
    await sse.waitFor((events) => events.some((e) => e.data.includes('"id":1')));
    assert.equal(pipeline.requests, 0, "GET and POST both took the fast paths");
    // Another caller's token does not reach this session: 404, as for an unknown one.
    const ping = { jsonrpc: "2.0", id: 2, method: "ping" };
    assert.equal((await postJson(messages, ping, bearer(TOKENS[1] as string))).status, 404);
    const unknown = messages.replace(/sessionId=[^&]+/, "sessionId=nope");
    assert.equal((await postJson(unknown, ping, bearer(TOKENS[0] as string))).status, 404);
  });

  test("the cases it leaves to the full pipeline are answered as before", async () => {
    const { url, pipeline } = await host({ auth: { tokens: TOKENS } });
    const get = (headers: Record<string, string>, method = "GET") =>
      fetch(`${url}/sse`, { method, headers: { accept: "text/event-stream", ...headers } });
    const auth = bearer(TOKENS[0] as string);
    assert.equal((await get({ ...auth, origin: "https://evil.example" })).status, 403);
    assert.equal((await get({})).status, 401);
    assert.equal((await get(bearer("wrong"))).status, 401);
    assert.equal((await get({ ...auth, "last-event-id": "nope:3" })).status, 404);
    assert.equal((await get(auth, "HEAD")).status, 405);
    const { port } = new URL(url);
    const foreign = await rawRequest(
      url,
      `GET /sse HTTP/1.1\r\nHost: evil.example:${port}\r\nAuthorization: Bearer ${TOKENS[0]}\r\nConnection: close\r\n\r\n`,
    );
    assert.equal(statusOf(foreign), 403);
    assert.equal(pipeline.requests, 6, "each one went through the pipeline");
  });

  test("a session over maxSessions: 503 with Retry-After, counted as a rejection", async () => {
    const { url, handler, pipeline } = await host({ maxSessions: 1 });
    await openLegacy(url);
    const refused = await fetch(`${url}/sse`, { headers: { accept: "text/event-stream" } });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get("retry-after"), "5");
    assert.match(await refused.text(), /SERVER_SESSION_LIMIT/);
    assert.equal(pipeline.requests, 0, "refused by the fast path itself");
    assert.match(await handler.metrics.registry.metrics(), /code="503"\} 1/);
  });

  test("a createServer that throws: 500 SERVER_INTERNAL_ERROR, counted, as on the pipeline", async () => {
    const { url, handler, pipeline } = await host({
      createServer: () => {
        throw new Error("no server today");
      },
    });
    const failed = await fetch(`${url}/sse`, { headers: { accept: "text/event-stream" } });
    assert.equal(failed.status, 500);
    assert.match(await failed.text(), /"code":"SERVER_INTERNAL_ERROR"/);
    assert.equal(pipeline.requests, 0);
    assert.match(await handler.metrics.registry.metrics(), /code="500"\} 1/);
    assert.equal(handler.sessionCount, 0);
  });

  test("a resumption (Last-Event-ID) of a live session takes the full path and replays", async () => {
    const { url, pipeline } = await host();
    const { sse, messages } = await openLegacy(url);
    const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: INIT_PARAMS };
    assert.equal((await postJson(messages, init)).status, 202);
    await sse.waitFor((events) => events.length === 2);
    const seen = sse.events[1]?.id ?? "";
    sse.abort();
    // Answered while no stream is open: logged, replayed on the resumption.
    assert.equal((await postJson(messages, { jsonrpc: "2.0", id: 2, method: "ping" })).status, 202);
    const resumed = await openSse(`${url}/sse`, { headers: { "last-event-id": seen } });
    cleanups.push(() => resumed.abort());
    await resumed.waitFor((events) => events.length === 2);
    assert.equal(resumed.events[0]?.event, "endpoint");
    assert.equal(resumed.events[0]?.id, seen, "the endpoint event keeps the client's position");
    assert.match(resumed.events[1]?.data ?? "", /"id":2/, "then the answer it missed");
    assert.equal(pipeline.requests, 1);
  });
});

describe("handler.legacyFastGet decides on the head alone", () => {
  test("not handled: Origin, foreign Host, wrong or no token, Last-Event-ID, a body, another path", async () => {
    const handler = createMcpHttpHandler({
      createServer: createTestServer,
      handshakeTimeoutMs: 0,
      auth: { tokens: TOKENS },
    });
    cleanups.push(() => handler.close({ timeoutMs: 1000 }));
    const fast = handler.legacyFastGet;
    assert.ok(fast);
    const head = (headers: Record<string, string>, path = "/sse") => ({
      target: path,
      path,
      headers: { host: "127.0.0.1:1", ...bearer(TOKENS[0] as string), ...headers },
    });
    for (const h of [
      head({ origin: "http://127.0.0.1:1" }),
      head({ host: "evil.example" }),
      head({ authorization: "Bearer wrong" }),
      head({ authorization: "" }),
      head({ "last-event-id": "s:1" }),
      head({ "content-length": "2" }),
      head({ "transfer-encoding": "chunked" }),
      head({}, "/mcp"),
    ]) {
      assert.equal(await fast(h), undefined, JSON.stringify(h));
    }
    assert.equal(handler.sessionCount, 0, "no session opened for any of them");
    const stream = await fast(head({}));
    assert.ok(stream instanceof SseStream);
    assert.equal(handler.sessionCount, 1);
    stream.abandon();
  });

  test("an auth verify hook takes the full path (no fast path at all)", () => {
    const handler = createMcpHttpHandler({
      createServer: createTestServer,
      auth: { verify: async () => ({ id: "p" }) },
    });
    cleanups.push(() => handler.close());
    assert.equal(handler.legacyFastGet, undefined);
  });
});
