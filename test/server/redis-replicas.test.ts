/**
 * Three replicas sharing sessions through a real Redis, behind a node:http balancer that sends
 * every stream (GET) to replica 0 and every POST to replica 1 or 2 in turn: real clients (SDK
 * v1 legacy SSE, the mcp-sse client over Streamable HTTP) work although no POST ever lands on
 * the replica holding their stream.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import type { McpsManager } from "../../src/client/index.js";
import { connectMcps } from "../../src/client/index.js";
import { createRedisBackend } from "../../src/redis/index.js";
import type { ServeHandle, ServerBackend } from "../../src/server/index.js";
import { serve } from "../../src/server/index.js";
import { createClusterServer } from "../fixtures/cluster-server.js";
import { type RoundRobinProxy, startRoundRobinProxy } from "../fixtures/round-robin-proxy.js";
import { REDIS_SKIP, startRedis, type TestRedis } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait-for.js";

const REPLICAS = 3;

/** Streams on replica 0; POSTs (and DELETEs) alternate between replicas 1 and 2. */
function streamsApart() {
  let posts = 0;
  return (method: string) => (method === "GET" ? 0 : 1 + (posts++ % 2));
}

describe("several replicas on Redis behind a balancer", { skip: REDIS_SKIP }, () => {
  let redis: TestRedis;
  const backends: ServerBackend[] = [];
  const hosts: ServeHandle[] = [];

  before(async () => {
    redis = await startRedis();
    for (let i = 0; i < REPLICAS; i++) {
      const backend = await createRedisBackend({ url: redis.url, keyPrefix: "replicas-test" });
      backends.push(backend);
      hosts.push(
        await serve({ port: 0, backend, createServer: () => createClusterServer(`replica-${i}`) }),
      );
    }
  });

  after(async () => {
    for (const host of hosts) await host.close();
    for (const backend of backends) await backend.close();
    await redis?.stop();
  });

  async function withProxy(body: (proxy: RoundRobinProxy) => Promise<void>) {
    const proxy = await startRoundRobinProxy(
      hosts.map((h) => h.url),
      streamsApart(),
    );
    try {
      await body(proxy);
    } finally {
      await proxy.close();
    }
  }

  test("SDK v1 SSEClientTransport: the stream on one replica, every POST on another", async () => {
    await withProxy(async (proxy) => {
      const client = new ClientV1({ name: "v1", version: "1.0.0" });
      const ticks: number[] = [];
      client.fallbackNotificationHandler = async (n) => {
        const data = (n.params as { data?: { event?: string; n?: number } } | undefined)?.data;
        if (data?.event === "tick" && typeof data.n === "number") ticks.push(data.n);
      };
      await client.connect(new SSEClientTransport(new URL(`${proxy.url}/sse`)));
      try {
        const owner = await client.callTool({ name: "whoami", arguments: {} });
        assert.deepEqual(owner.content, [{ type: "text", text: "replica-0" }]);
        for (let i = 0; i < 4; i++) {
          const echoed = await client.callTool({ name: "echo", arguments: { text: `e${i}` } });
          assert.deepEqual(echoed.content, [{ type: "text", text: `e${i}` }]);
        }
        const counted = await client.callTool({ name: "count", arguments: { n: 100 } });
        assert.deepEqual(counted.content, [{ type: "text", text: "counted 100" }]);
        await waitFor(() => ticks.length >= 100, { message: "100 ticks" });
        assert.deepEqual(
          ticks,
          Array.from({ length: 100 }, (_, i) => i + 1),
        );
      } finally {
        await client.close();
      }
      const posts = proxy.hits.filter((h) => h.method === "POST");
      assert.ok(posts.length >= 7, `${posts.length} POSTs`);
      assert.ok(
        posts.every((h) => h.replica !== 0),
        "no POST reached the stream's replica",
      );
      assert.deepEqual(new Set(posts.map((h) => h.replica)), new Set([1, 2]));
    });
  });

  test("the mcp-sse client over Streamable HTTP: initialize, calls, request and standalone streams across replicas", async () => {
    await withProxy(async (proxy) => {
      let mcps: McpsManager | undefined;
      try {
        mcps = await connectMcps({
          mcps: [{ name: "c", transport: "streamable-http", url: `${proxy.url}/mcp`, timeout: 10 }],
        });
        const ticks: number[] = [];
        const announced: number[] = [];
        mcps.on("tick", (e) => void ticks.push((e.data as { n: number }).n));
        mcps.on("announce", (e) => void announced.push((e.data as { n: number }).n));
        // initialize went to replica 1 or 2: that one owns the session.
        const owner = await mcps.call("c", "whoami");
        assert.match(JSON.stringify(owner.content), /replica-[12]/);
        for (let i = 0; i < 4; i++) {
          const echoed = await mcps.call("c", "echo", { text: `e${i}` });
          assert.deepEqual(echoed.content, [{ type: "text", text: `e${i}` }]);
        }
        const counted = await mcps.call("c", "count", { n: 200 });
        assert.deepEqual(counted.content, [{ type: "text", text: "counted 200" }]);
        // Events reach listeners through the client's event queue, after the call's answer.
        await waitFor(() => ticks.length >= 200, { message: "200 ticks" });
        assert.deepEqual(
          ticks,
          Array.from({ length: 200 }, (_, i) => i + 1),
        );
        // Announcements travel on the standalone GET stream, held by replica 0.
        await waitFor(() => proxy.hits.some((h) => h.method === "GET"), { message: "GET" });
        const done = await mcps.call("c", "announce", { n: 50 });
        assert.deepEqual(done.content, [{ type: "text", text: "announced 50" }]);
        await waitFor(() => announced.length >= 50, { message: "50 announcements" });
        assert.deepEqual(
          announced,
          Array.from({ length: 50 }, (_, i) => i + 1),
        );
      } finally {
        await mcps?.close();
      }
      const posts = proxy.hits.filter((h) => h.method === "POST");
      assert.ok(posts.length >= 8, `${posts.length} POSTs`);
      assert.deepEqual(new Set(posts.map((h) => h.replica)), new Set([1, 2]));
    });
  });
});
