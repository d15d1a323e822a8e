/**
 * POSTs without `fetch` (src/client/dispatch-request.ts): undici's `request()` on the pool's
 * dispatcher, answering what `fetch` would — decoded bodies, redirects refused, bodies without
 * content, failures as "fetch failed" — and used by the transports only over our own pools.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { Client } from "@modelcontextprotocol/client";
import { dispatchOf } from "../../src/client/dispatch-mark.js";
import { createFetchPool } from "../../src/client/http.js";
import { createClientTransport } from "../../src/client/transports/index.js";
import { listen, serverConfig, startV2StreamableServer } from "./transports/helpers.js";

const pool = createFetchPool(serverConfig({ name: "dispatch" }));
after(() => pool.close(0));
const dispatch = dispatchOf(pool.fetch);
if (dispatch === undefined) throw new Error("the pool's fetch carries no request() twin");
const post = (url: string, init: RequestInit = {}) =>
  dispatch(url, { method: "POST", body: "{}", redirect: "error", ...init });

const ANSWER = JSON.stringify({ jsonrpc: "2.0", id: 1, result: { text: "héllo ✓".repeat(50) } });

describe("dispatchRequest answers as fetch does", () => {
  for (const [coding, encode] of [
    ["gzip", gzipSync],
    ["deflate", deflateSync],
    ["br", brotliCompressSync],
  ] as const) {
    test(`decodes a ${coding} body`, async () => {
      const host = await listen((req, res) => {
        req.resume();
        res.writeHead(200, { "content-type": "application/json", "content-encoding": coding });
        res.end(encode(Buffer.from(ANSWER)));
      });
      try {
        // br is offered over https only (as fetch does); a server may still send it.
        const response = await post(`${host.origin}/mcp`);
        assert.equal(response.status, 200);
        assert.equal(await response.text(), ANSWER);
        assert.equal(host.seen[0]?.headers["accept-encoding"], "gzip, deflate");
      } finally {
        await host.close();
      }
    });
  }

  test("sends fetch's default headers; names given twice in other cases are one header", async () => {
    const host = await listen((req, res) => {
      req.resume();
      res.writeHead(202).end("Accepted");
    });
    try {
      const response = await post(`${host.origin}/m`, {
        headers: { "X-Trace": "a", "x-trace": "b", "Content-Type": "application/json" },
      });
      assert.equal(await response.text(), "Accepted");
      const seen = host.seen[0]?.headers;
      assert.equal(seen?.["x-trace"], "a, b");
      assert.equal(seen?.["content-type"], "application/json");
      assert.equal(seen?.["accept"], "*/*");
      assert.equal(seen?.["user-agent"], "undici");
      assert.equal(seen?.["content-length"], "2");
    } finally {
      await host.close();
    }
  });

  test("a 204 has no body; a 3xx is refused as fetch's redirect: 'error' refuses it", async () => {
    const host = await listen((req, res) => {
      req.resume();
      if (req.url === "/none") res.writeHead(204).end();
      else res.writeHead(307, { location: "/elsewhere" }).end("moved");
    });
    try {
      const none = await post(`${host.origin}/none`);
      assert.equal(none.body, null);
      assert.equal(await none.text(), "");
      await assert.rejects(post(`${host.origin}/moved`), (error: unknown) => {
        assert.ok(error instanceof TypeError);
        assert.equal(error.message, "fetch failed");
        assert.equal((error.cause as Error).message, "unexpected redirect");
        return true;
      });
      assert.equal(host.seen.length, 2, "the redirect's target got nothing");
    } finally {
      await host.close();
    }
  });

  test("a refused connection is 'fetch failed' with the cause's code", async () => {
    const host = await listen(() => undefined);
    const origin = host.origin;
    await host.close();
    await assert.rejects(post(`${origin}/mcp`), (error: unknown) => {
      assert.ok(error instanceof TypeError);
      assert.equal(error.message, "fetch failed");
      assert.equal((error.cause as { code?: string }).code, "ECONNREFUSED");
      return true;
    });
  });

  test("an unread body cut by an abort is no uncaught error; a reader sees the abort", async () => {
    const host = await listen((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(": open\n\n"); // and never ends
    });
    try {
      const unread = new AbortController();
      await post(`${host.origin}/a`, { signal: unread.signal });
      unread.abort();
      const read = new AbortController();
      const response = await post(`${host.origin}/b`, { signal: read.signal });
      const text = response.text();
      read.abort();
      await assert.rejects(text);
      // node:test fails a test whose async activity throws after it: give it the chance.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      await host.close();
    }
  });
});

describe("which transports use it", () => {
  test("over its own pool a transport POSTs with request() and opens streams with fetch", async () => {
    const server = await startV2StreamableServer();
    const client = new Client({ name: "dispatch-test", version: "0.0.0" });
    try {
      const transport = createClientTransport({
        server: serverConfig({ transport: "streamable-http", url: server.url }),
      });
      await client.connect(transport);
      const result = await client.callTool({ name: "echo", arguments: { text: "hi" } });
      assert.deepEqual(result.content, [{ type: "text", text: "hi" }]);
      // fetch adds `sec-fetch-mode` to every request; request() does not.
      const posts = server.seen.filter((r) => r.method === "POST");
      const gets = server.seen.filter((r) => r.method === "GET");
      assert.ok(posts.length >= 3, `POSTs: ${posts.length}`);
      for (const r of posts) assert.equal(r.headers["sec-fetch-mode"], undefined);
      assert.ok(gets.length >= 1);
      for (const r of gets) assert.equal(r.headers["sec-fetch-mode"], "cors");
    } finally {
      await client.close();
      await server.close();
    }
  });

  test("a fetch the user passes is used for every request, POSTs included", async () => {
    const server = await startV2StreamableServer();
    const client = new Client({ name: "dispatch-test", version: "0.0.0" });
    const methods: string[] = [];
    const userFetch: typeof globalThis.fetch = (input, init) => {
      methods.push(init?.method ?? "GET");
      return fetch(input, init);
    };
    try {
      const transport = createClientTransport({
        server: serverConfig({ transport: "streamable-http", url: server.url }),
        fetch: userFetch,
      });
      await client.connect(transport);
      await client.callTool({ name: "echo", arguments: { text: "hi" } });
      const posts = server.seen.filter((r) => r.method === "POST").length;
      assert.equal(methods.filter((m) => m === "POST").length, posts);
    } finally {
      await client.close();
      await server.close();
    }
  });
});
