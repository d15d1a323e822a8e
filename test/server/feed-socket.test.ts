/**
 * The feed under `node:http`: each event is framed once as an HTTP/1.1 chunk and written
 * straight to every subscriber's socket (`ResponseSink.writeShared`). Read here as raw bytes
 * from `node:net`, so the framing itself is checked, not what an HTTP client makes of it.
 */
import assert from "node:assert/strict";
import { after, before, describe, mock, test } from "node:test";
import { createDemoServer } from "../../src/server/demo.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { encodeComment, encodeEvent } from "../../src/sse/index.js";
import { waitFor } from "../helpers/wait-for.js";
import { openSse } from "./helpers.js";
import { bodyOf, dechunk, rawGet } from "./raw-http.js";

const KEEPALIVE_MS = 1000;

describe("the feed written straight to subscriber sockets (node adapter)", () => {
  let server: ServeHandle;
  before(async () => {
    mock.timers.enable({ apis: ["setInterval"] }); // the streams' keep-alive timers
    server = await serve({
      createServer: () => createDemoServer({ intervalMs: 0 }),
      port: 0,
      keepAliveMs: KEEPALIVE_MS,
      feed: { maxSubscribers: 0 },
    });
  });
  after(async () => {
    mock.timers.reset();
    await server.close();
  });

  test("HTTP/1.1: each event one well-formed chunk, keep-alives between, and a clean end", async () => {
    const subs = [rawGet(server.url, "/mcp/sse", "1.1"), rawGet(server.url, "/mcp/sse", "1.1")];
    await waitFor(() => server.handler.feed?.subscriberCount === 2, { message: "2 subscribers" });
    const ids = [server.publish({ n: 1 }), server.publish({ n: 2, text: "é ✓" })];
    mock.timers.tick(KEEPALIVE_MS);
    ids.push(server.publish({ n: 3 }));
    const expected =
      encodeEvent({ id: ids[0] as string, data: '{"n":1}' }) +
      encodeEvent({ id: ids[1] as string, data: '{"n":2,"text":"é ✓"}' }) +
      encodeComment("keepalive") +
      encodeEvent({ id: ids[2] as string, data: '{"n":3}' });
    for (const sub of subs)
      await waitFor(() => dechunk(bodyOf(sub.raw())).text === expected, {
        message: () => `the events as chunks, got ${JSON.stringify(sub.raw().toString())}`,
      });
    assert.match(
      subs[0]?.raw().toString("latin1") ?? "",
      /^HTTP\/1\.1 200 [\s\S]*\r\ntransfer-encoding: chunked\r\n/i,
    );

    server.handler.feed?.close();
    for (const sub of subs) {
      await waitFor(() => dechunk(bodyOf(sub.raw())).ended, { message: "the last chunk" });
      assert.equal(dechunk(bodyOf(sub.raw())).text, expected, "nothing after the end");
      sub.socket.destroy();
    }
  });
});

describe("the feed to sockets: HTTP/1.0 and slow subscribers", () => {
  test("an HTTP/1.0 subscriber gets the events unframed, the body ended by closing", async () => {
    const server = await serve({
      createServer: () => createDemoServer({ intervalMs: 0 }),
      port: 0,
      keepAliveMs: 0,
      feed: {},
    });
    const sub = rawGet(server.url, "/mcp/sse", "1.0");
    try {
      await waitFor(() => server.handler.feed?.subscriberCount === 1, { message: "subscribed" });
      const id = server.publish({ n: 1 });
      const closed = new Promise<void>((resolve) => sub.socket.once("close", () => resolve()));
      server.handler.feed?.close();
      await closed;
      assert.doesNotMatch(sub.raw().toString("latin1"), /transfer-encoding/i);
      assert.equal(bodyOf(sub.raw()).toString("utf8"), encodeEvent({ id, data: '{"n":1}' }));
    } finally {
      sub.socket.destroy();
      await server.close();
    }
  });

  test("a subscriber that reads nothing is cut at maxBufferedBytes; a reading one gets every event", async () => {
    const server = await serve({
      createServer: () => createDemoServer({ intervalMs: 0 }),
      port: 0,
      keepAliveMs: 0,
      maxBufferedBytes: 256 * 1024,
      feed: { logBytes: 1024 * 1024 },
    });
    const stalled = rawGet(server.url, "/mcp/sse", "1.1");
    stalled.socket.pause(); // reads nothing: the kernel's buffers fill, then the socket's
    const reader = await openSse(`${server.url}/mcp/sse`);
    const slowCuts = async () =>
      (await server.handler.metrics.slowClientDisconnects.get()).values.reduce(
        (sum, v) => sum + v.value,
        0,
      );
    try {
      await waitFor(() => server.handler.feed?.subscriberCount === 2, { message: "subscribed" });
      const pad = "x".repeat(60 * 1024);
      let published = 0;
      // Bounded by count: 64 MB at most, far more than loopback buffers hold.
      while (server.handler.feed?.subscriberCount === 2 && published < 1000) {
        server.publish({ n: published, pad });
        published += 1;
        await reader.waitFor((events) => events.length === published);
      }
      assert.equal(server.handler.feed?.subscriberCount, 1, "the stalled subscriber was cut");
      assert.equal(await slowCuts(), 1);
      server.publish({ n: published, pad });
      await reader.waitFor((events) => events.length === published + 1);
      assert.deepEqual(
        reader.events.map((e) => (JSON.parse(e.data) as { n: number }).n),
        Array.from({ length: published + 1 }, (_, i) => i),
        "every event, once, in order",
      );
    } finally {
      reader.abort();
      stalled.socket.destroy();
      await server.close();
    }
  });
});
