import assert from "node:assert/strict";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { after, before, describe, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { connectMcps } from "../../src/client/index.js";
import { acceptsGzip } from "../../src/server/compress.js";
import { DEFAULT_GZIP_MIN_BYTES, type ServeHandle, serve } from "../../src/server/index.js";

/** A tool whose answer is far above the gzip floor (and compresses well). */
const BIG_TEXT = "sensor 7 reading 42.5 C status ok; ".repeat(200);

function bigServer(): McpServer {
  const server = new McpServer({ name: "big", version: "1.0.0" }, {});
  server.registerTool(
    "big",
    { description: "A large answer", inputSchema: z.object({ n: z.number() }) },
    async ({ n }) => ({ content: [{ type: "text", text: `${n}:${BIG_TEXT}` }] }),
  );
  return server;
}

/** One raw node:http request (no client-side decoding): status, headers and the raw bytes. */
function raw(
  url: string,
  init: {
    method: string;
    headers?: Record<string, string>;
    body?: string;
    /** An event stream: resolve with its first chunk (or at once, with none), then leave. */
    firstChunkOnly?: boolean | "headers";
  },
): Promise<{ res: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, {
      method: init.method,
      headers: init.headers ?? {},
      timeout: 10_000,
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 10 s")));
    req.on("error", reject);
    req.on("response", (res) => {
      if (init.firstChunkOnly === "headers") {
        resolve({ res, body: Buffer.alloc(0) });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        if (init.firstChunkOnly) {
          resolve({ res, body: Buffer.concat(chunks) });
          res.destroy();
        }
      });
      res.on("end", () => resolve({ res, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.end(init.body);
  });
}

const CALL = JSON.stringify({ method: "tools/call", params: { name: "big", arguments: { n: 1 } } });

describe("gzip on the host's JSON answers", () => {
  let server: ServeHandle;
  before(async () => {
    server = await serve({ createServer: bigServer, port: 0, feed: {} });
  });
  after(() => server.close());

  test("a JSON answer above the floor is gzipped when the request accepts gzip, plain otherwise", async () => {
    const url = `${server.url}/mcp/rpc`;
    const headers = { "content-type": "application/json" };
    const zipped = await raw(url, {
      method: "POST",
      headers: { ...headers, "accept-encoding": "gzip" },
      body: CALL,
    });
    assert.equal(zipped.res.statusCode, 200);
    assert.equal(zipped.res.headers["content-encoding"], "gzip");
    assert.match(String(zipped.res.headers.vary), /accept-encoding/i);
    const json = JSON.parse(gunzipSync(zipped.body).toString("utf8"));
    assert.deepEqual(json.content, [{ type: "text", text: `1:${BIG_TEXT}` }]);
    assert.ok(zipped.body.length * 5 < BIG_TEXT.length, `gzip made ${zipped.body.length} bytes`);

    for (const acceptEncoding of [undefined, "identity", "gzip;q=0, br"]) {
      const plain = await raw(url, {
        method: "POST",
        headers: { ...headers, ...(acceptEncoding ? { "accept-encoding": acceptEncoding } : {}) },
        body: CALL,
      });
      assert.equal(plain.res.headers["content-encoding"], undefined, String(acceptEncoding));
      assert.equal(JSON.parse(plain.body.toString("utf8")).content[0].text, `1:${BIG_TEXT}`);
    }
  });

  test("a JSON answer below DEFAULT_GZIP_MIN_BYTES is sent as it is", async () => {
    const small = await raw(`${server.url}/healthz`, {
      method: "GET",
      headers: { "accept-encoding": "gzip" },
    });
    assert.ok(small.body.length < DEFAULT_GZIP_MIN_BYTES);
    assert.equal(small.res.headers["content-encoding"], undefined);
    assert.equal(JSON.parse(small.body.toString("utf8")).ok, true);
  });

  test("event streams are never compressed: GET /sse and the feed's GET /mcp/sse", async () => {
    // The legacy stream's first frame (`endpoint`) is readable as it is, at once; the feed
    // sends nothing until an event is published, so only its headers are checked.
    for (const [path, mode] of [
      ["/sse", true],
      ["/mcp/sse", "headers"],
    ] as const) {
      const stream = await raw(`${server.url}${path}`, {
        method: "GET",
        headers: { accept: "text/event-stream", "accept-encoding": "gzip, deflate, br" },
        firstChunkOnly: mode,
      });
      assert.equal(stream.res.headers["content-type"], "text/event-stream", path);
      assert.equal(stream.res.headers["content-encoding"], undefined, path);
      if (mode === true) assert.match(stream.body.toString("utf8"), /^event: endpoint$/m);
    }
  });

  test("a real client: connectMcps' feed RPC gets the gzipped answer and decodes it", async () => {
    const mcps = await connectMcps({
      mcps: [{ name: "feed", transport: "sse", url: `${server.url}/mcp/sse`, kind: "feed" }],
    });
    try {
      const result = await mcps.call("feed", "big", { n: 2 });
      assert.deepEqual(result.content, [{ type: "text", text: `2:${BIG_TEXT}` }]);
    } finally {
      await mcps.close();
    }
  });

  test("gzipMinBytes: 0 turns compression off", async () => {
    const off = await serve({ createServer: bigServer, port: 0, feed: {}, gzipMinBytes: 0 });
    try {
      const res = await raw(`${off.url}/mcp/rpc`, {
        method: "POST",
        headers: { "content-type": "application/json", "accept-encoding": "gzip" },
        body: CALL,
      });
      assert.equal(res.res.headers["content-encoding"], undefined);
      assert.equal(JSON.parse(res.body.toString("utf8")).content[0].text, `1:${BIG_TEXT}`);
    } finally {
      await off.close();
    }
  });
});

describe("acceptsGzip", () => {
  test("reads codings and q-values", () => {
    assert.equal(acceptsGzip(null), false);
    assert.equal(acceptsGzip("gzip"), true);
    assert.equal(acceptsGzip("deflate, GZIP;q=0.5"), true);
    assert.equal(acceptsGzip("*"), true);
    assert.equal(acceptsGzip("gzip;q=0"), false);
    assert.equal(acceptsGzip("gzip;q=0.0, br"), false);
    assert.equal(acceptsGzip("identity, br"), false);
  });
});
