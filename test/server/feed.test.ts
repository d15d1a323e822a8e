import assert from "node:assert/strict";
import { after, before, describe, mock, test } from "node:test";
import { isMcpSseError } from "../../src/errors.js";
import { createDemoServer } from "../../src/server/demo.js";
import { createMcpHttpHandler } from "../../src/server/handler.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { openSse, type SseMessage } from "./helpers.js";

const dataOf = (events: SseMessage[]) => events.map((e) => JSON.parse(e.data) as { n?: number });

describe("event feed endpoint (GET /mcp/sse)", () => {
  let server: ServeHandle;
  before(async () => {
    server = await serve({
      createServer: () => createDemoServer({ intervalMs: 0 }),
      port: 0,
      feed: { logSize: 5, maxSubscribers: 3 },
    });
  });
  after(() => server.close());
  const feedUrl = () => `${server.url}/mcp/sse`;

  test("every subscriber gets each published object as an unnamed data: event with an id", async () => {
    const a = await openSse(feedUrl());
    const b = await openSse(feedUrl());
    try {
      assert.equal(a.response.status, 200);
      assert.match(a.response.headers.get("content-type") ?? "", /^text\/event-stream/);
      const id = server.publish({ event: "data_update", payload: { value: 42 } });
      await a.waitFor((e) => e.length === 1);
      await b.waitFor((e) => e.length === 1);
      for (const sub of [a, b]) {
        assert.equal(sub.events[0]?.event, undefined, "unnamed: clients see type 'message'");
        assert.equal(sub.events[0]?.id, id);
        assert.deepEqual(JSON.parse(sub.events[0]?.data ?? ""), {
          event: "data_update",
          payload: { value: 42 },
        });
      }
    } finally {
      a.abort();
      b.abort();
    }
  });

  test("Last-Event-ID replays exactly what was missed, then live events follow", async () => {
    const first = await openSse(feedUrl());
    server.publish({ n: 1 });
    await first.waitFor((e) => e.length === 1);
    const lastId = first.events[0]?.id as string;
    first.abort();
    server.publish({ n: 2 });
    server.publish({ n: 3 });
    const again = await openSse(feedUrl(), { headers: { "last-event-id": lastId } });
    try {
      await again.waitFor((e) => e.length === 2);
      server.publish({ n: 4 });
      await again.waitFor((e) => e.length === 3);
      assert.deepEqual(
        dataOf(again.events).map((d) => d.n),
        [2, 3, 4],
      );
    } finally {
      again.abort();
    }
  });

  test("a resumption whose events were evicted gets a SERVER_REPLAY_GAP error event first", async () => {
    const sub = await openSse(feedUrl());
    server.publish({ n: 10 });
    await sub.waitFor((e) => e.length === 1);
    const oldId = sub.events[0]?.id as string;
    sub.abort();
    for (let n = 11; n <= 20; n++) server.publish({ n }); // the log keeps 5
    const again = await openSse(feedUrl(), { headers: { "last-event-id": oldId } });
    try {
      await again.waitFor((e) => e.length === 6);
      const [gap, ...rest] = dataOf(again.events) as Array<Record<string, unknown>>;
      assert.equal(gap?.["event"], "error");
      assert.equal((gap?.["error"] as { code?: string } | undefined)?.code, "SERVER_REPLAY_GAP");
      assert.deepEqual(
        rest.map((d) => d["n"]),
        [16, 17, 18, 19, 20],
      );
    } finally {
      again.abort();
    }
  });

  test("an id of another process (a restart) is a gap too, never a silent wrong position", async () => {
    const sub = await openSse(feedUrl(), { headers: { "last-event-id": "zzzzzz.3" } });
    try {
      await sub.waitFor((e) => e.length >= 1);
      const gap = JSON.parse(sub.events[0]?.data ?? "") as { error: { code: string } };
      assert.equal(gap.error.code, "SERVER_REPLAY_GAP");
    } finally {
      sub.abort();
    }
  });

  test("the subscriber cap is answered 503 with Retry-After", async () => {
    const subs = [await openSse(feedUrl()), await openSse(feedUrl()), await openSse(feedUrl())];
    try {
      const over = await fetch(feedUrl(), { signal: AbortSignal.timeout(10_000) });
      assert.equal(over.status, 503);
      assert.ok(Number(over.headers.get("retry-after")) > 0);
      const body = (await over.json()) as { error: { code: string } };
      assert.equal(body.error.code, "SERVER_FEED_LIMIT");
    } finally {
      for (const s of subs) s.abort();
    }
  });

  test("a cross-origin browser request is refused like on every other endpoint", async () => {
    const res = await fetch(feedUrl(), {
      headers: { origin: "http://evil.example" },
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 403);
    await res.body?.cancel();
  });

  test("only GET: a POST to the feed is 405", async () => {
    const res = await fetch(feedUrl(), { method: "POST", signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET");
    await res.body?.cancel();
  });
});

describe("event feed without sockets (handler.fetch)", () => {
  /** A feed handler with a 1 s keep-alive under fake intervals, closed (and timers reset) after `run`. */
  async function withKeepAliveFeed(
    run: (handler: ReturnType<typeof createMcpHttpHandler>) => Promise<void>,
  ): Promise<void> {
    mock.timers.enable({ apis: ["setInterval"] });
    const handler = createMcpHttpHandler({
      createServer: () => createDemoServer({ intervalMs: 0 }),
      keepAliveMs: 1000,
      feed: {},
    });
    try {
      await run(handler);
    } finally {
      mock.timers.reset();
      await handler.close();
    }
  }

  test("keep-alive comments on the configured interval (fake timers)", () =>
    withKeepAliveFeed(async (handler) => {
      const res = await handler.fetch(new Request("http://127.0.0.1/mcp/sse"));
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      mock.timers.tick(1000);
      const { value } = await reader.read();
      assert.equal(new TextDecoder().decode(value), ": keepalive\n\n");
      await reader.cancel();
    }));

  test("one keep-alive timer for the feed: every subscriber gets the comment at the same tick", () =>
    withKeepAliveFeed(async (handler) => {
      const first = await handler.fetch(new Request("http://127.0.0.1/mcp/sse"));
      mock.timers.tick(600);
      const second = await handler.fetch(new Request("http://127.0.0.1/mcp/sse"));
      mock.timers.tick(400); // 1000 ms after the first subscriber, 400 after the second
      await handler.close(); // ends both bodies after what they hold
      for (const res of [first, second]) {
        const text = await new Response(res.body).text();
        assert.equal(text, ": keepalive\n\n");
      }
    }));

  test("a subscriber that does not read is cut at the buffer bound; the others keep going", async () => {
    const handler = createMcpHttpHandler({
      createServer: () => createDemoServer({ intervalMs: 0 }),
      maxBufferedBytes: 4096,
      feed: {},
    });
    try {
      const slow = await handler.fetch(new Request("http://127.0.0.1/mcp/sse"));
      assert.equal(slow.status, 200);
      assert.equal(handler.feed?.subscriberCount, 1);
      for (let i = 0; i < 20; i++) handler.publish({ n: i, pad: "x".repeat(500) });
      assert.equal(handler.feed?.subscriberCount, 0, "the slow subscriber was cut");
      const metrics = await handler.metrics.registry.metrics();
      assert.match(metrics, /mcp_sse_slow_client_disconnects_total\{transport="feed"\} 1/);
      await slow.body?.cancel().catch(() => undefined);
    } finally {
      await handler.close();
    }
  });

  test("publish without a feed is SERVER_FEED_DISABLED; after close it is SERVER_FEED_CLOSED", async () => {
    const plain = createMcpHttpHandler({ createServer: () => createDemoServer({ intervalMs: 0 }) });
    assert.throws(
      () => plain.publish({ n: 1 }),
      (e) => isMcpSseError(e, "SERVER_FEED_DISABLED"),
    );
    const notFound = await plain.fetch(new Request("http://127.0.0.1/mcp/sse"));
    assert.equal(notFound.status, 404, "no feed unless configured");
    await plain.close();

    const withFeed = createMcpHttpHandler({
      createServer: () => createDemoServer({ intervalMs: 0 }),
      feed: { path: "/events", rpcPath: false },
    });
    const res = await withFeed.fetch(new Request("http://127.0.0.1/events"));
    assert.equal(res.status, 200, "the path is an option");
    const rpc = await withFeed.fetch(new Request("http://127.0.0.1/mcp/rpc", { method: "POST" }));
    assert.equal(rpc.status, 404, "rpcPath: false serves no RPC");
    await withFeed.close();
    assert.throws(
      () => withFeed.publish({ n: 1 }),
      (e) => isMcpSseError(e, "SERVER_FEED_CLOSED"),
    );
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    assert.equal((await reader.read()).done, true, "close() ends the subscribers' streams");
  });
});
