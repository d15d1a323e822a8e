/**
 * The event feed across replicas on a real Redis: an event published on any replica reaches
 * the feed subscribers of every replica, all in one order, and a subscriber resumes on
 * another replica with the `Last-Event-ID` it got from the first.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createRedisBackend } from "../../src/redis/index.js";
import type { ServeHandle, ServerBackend } from "../../src/server/index.js";
import { serve } from "../../src/server/index.js";
import { REDIS_SKIP, startRedis, type TestRedis } from "../helpers/redis.js";
import { createTestServer, openSse } from "./helpers.js";

describe("event feed fan-out across replicas", { skip: REDIS_SKIP }, () => {
  let redis: TestRedis;
  const backends: ServerBackend[] = [];
  const hosts: ServeHandle[] = [];

  before(async () => {
    redis = await startRedis();
    for (let i = 0; i < 2; i++) {
      const backend = await createRedisBackend({ url: redis.url, keyPrefix: "feed-test" });
      backends.push(backend);
      hosts.push(await serve({ port: 0, backend, createServer: createTestServer, feed: {} }));
    }
  });
  after(async () => {
    for (const host of hosts) await host.close();
    for (const backend of backends) await backend.close();
    await redis?.stop();
  });

  test("events published on either replica reach both replicas' subscribers in one order; resume on the other replica", async () => {
    const [a, b] = hosts as [ServeHandle, ServeHandle];
    const onA = await openSse(`${a.url}/mcp/sse`);
    const onB = await openSse(`${b.url}/mcp/sse`);
    try {
      for (let i = 1; i <= 10; i++) (i % 2 === 0 ? a : b).publish({ n: i });
      const ten = (events: { data: string }[]) => events.length >= 10;
      await onA.waitFor(ten);
      await onB.waitFor(ten);
      const numbers = (events: { data: string }[]) =>
        events.map((e) => (JSON.parse(e.data) as { n: number }).n).sort((x, y) => x - y);
      assert.deepEqual(
        numbers(onA.events),
        Array.from({ length: 10 }, (_, i) => i + 1),
      );
      // One order everywhere: the same ids in the same sequence on both replicas.
      assert.deepEqual(
        onA.events.map((e) => e.id),
        onB.events.map((e) => e.id),
      );
      // A subscriber of A that saw four events resumes on B and gets exactly the rest.
      const fourth = onA.events[3]?.id as string;
      const resumed = await openSse(`${b.url}/mcp/sse`, { headers: { "last-event-id": fourth } });
      try {
        await resumed.waitFor((events) => events.length >= 6);
        assert.deepEqual(
          resumed.events.map((e) => e.id),
          onA.events.slice(4).map((e) => e.id),
        );
      } finally {
        resumed.abort();
      }
      // An id no replica issued: the gap error first, never a silent replay.
      const stranger = await openSse(`${b.url}/mcp/sse`, { headers: { "last-event-id": "zz.9" } });
      try {
        await stranger.waitFor((events) => events.length >= 1);
        assert.match(stranger.events[0]?.data ?? "", /SERVER_REPLAY_GAP/);
      } finally {
        stranger.abort();
      }
    } finally {
      onA.abort();
      onB.abort();
    }
  });
});
