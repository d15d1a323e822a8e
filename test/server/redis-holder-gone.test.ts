/**
 * A replica holding a session's stream vanishes without a word (no `detach`): the owner's
 * periodic ping finds nobody on its channel, stops counting the stream as open, and the idle
 * session can be reaped instead of living forever.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createRedisBackend } from "../../src/redis/index.js";
import { serve } from "../../src/server/index.js";
import { REDIS_SKIP, startRedis, type TestRedis } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait-for.js";
import { createTestServer, openSse, type RawSse } from "./helpers.js";

describe("a stream holder that disappears", { skip: REDIS_SKIP }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  test("the owner stops counting its stream as open, so the idle session is reaped", async () => {
    const backendA = await createRedisBackend({ url: redis.url, keyPrefix: "holder-gone" });
    const backendB = await createRedisBackend({ url: redis.url, keyPrefix: "holder-gone" });
    let stream: RawSse | undefined;
    // idleTimeoutMs 0: no background reaper, and reapIdle() closes every session with no open
    // stream; no handshake timeout either (this client never sends notifications/initialized).
    const a = await serve({
      port: 0,
      backend: backendA,
      createServer: createTestServer,
      idleTimeoutMs: 0,
      handshakeTimeoutMs: 0,
    });
    const b = await serve({ port: 0, backend: backendB, createServer: createTestServer });
    try {
      const init = await fetch(`${a.url}/mcp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            clientInfo: { name: "t", version: "1" },
          },
        }),
      });
      const sid = init.headers.get("mcp-session-id") as string;
      await init.text();
      // The standalone stream is held by B.
      stream = await openSse(`${b.url}/mcp`, { headers: { "mcp-session-id": sid } });
      assert.equal(stream.response.status, 200);
      assert.equal(await a.handler.reapIdle(), 0, "a held stream keeps the session");
      // B vanishes: its backend leaves Redis without B telling the owner anything.
      await backendB.close();
      await waitFor(async () => (await a.handler.reapIdle()) === 1, {
        timeout: 15_000,
        interval: 200,
        message: "the session reaped once its holder is gone",
      });
      assert.equal(a.handler.sessionCount, 0);
    } finally {
      stream?.abort();
      await b.close();
      await backendB.close();
      await a.close();
      await backendA.close();
    }
  });
});
