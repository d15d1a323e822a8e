/**
 * The Redis backend against a real redis-server: what one replica writes, another reads
 * (records, the replay log with the memory backend's semantics, messages on its channel);
 * the log is trimmed to its bound; an unreachable or hung Redis is a typed startup error; options
 * that cannot work with a backend are refused.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient } from "redis";
import { isMcpSseError } from "../../src/errors.js";
import { createRedisBackend } from "../../src/redis/index.js";
import type { ServerBackend } from "../../src/server/index.js";
import {
  createMcpHttpHandler,
  createMemoryBackend,
  formatEventId,
} from "../../src/server/index.js";
import { freePort, REDIS_SKIP, startRedis, type TestRedis } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait-for.js";
import { createTestServer } from "./helpers.js";

describe("Redis backend", { skip: REDIS_SKIP }, () => {
  let redis: TestRedis;
  let a: ServerBackend;
  let b: ServerBackend;
  let prefix = 0;

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  async function pair(options: { eventLogSize?: number } = {}) {
    prefix++;
    const keyPrefix = `backend-test-${prefix}`;
    a = await createRedisBackend({ url: redis.url, keyPrefix, ...options });
    b = await createRedisBackend({ url: redis.url, keyPrefix, ...options });
  }
  async function unpair() {
    await a.close();
    await b.close();
  }
  const record = (id: string, owner: string) => ({
    id,
    transport: "streamable" as const,
    principalId: "p",
    createdAt: 1,
    owner,
  });

  test("a session one replica opens is found by another, with its owner, until it is deleted", async () => {
    await pair();
    try {
      assert.notEqual(a.replicaId, b.replicaId);
      await a.createSession(record("s1", a.replicaId));
      assert.deepEqual(await b.getSession("s1"), record("s1", a.replicaId));
      assert.equal(await b.getSession("nope"), undefined);
      await a.deleteSession("s1");
      assert.equal(await b.getSession("s1"), undefined);
    } finally {
      await unpair();
    }
  });

  test("another replica replays the owner's log with the memory backend's answers", async () => {
    await pair();
    const memory = createMemoryBackend();
    try {
      for (const backend of [a, memory]) {
        await backend.createSession(record("s", backend.replicaId));
        for (const [stream, data] of [
          ["get", "g1"],
          ["post:1", "p1"],
          ["get", "g2"],
          ["post:1", "p2"],
        ])
          await backend.append("s", stream as string, data as string);
      }
      // Appends are mirrored without waiting: read once the last one is there.
      await waitFor(async () => (await b.readAfter("s", 3)).ok, { message: "log mirrored" });
      for (const [lastSeq, stream] of [
        [1, undefined],
        [2, undefined],
        [0, undefined],
        [2, "get"],
        [4, undefined],
        [9, undefined],
      ] as const) {
        assert.deepEqual(
          await b.readAfter("s", lastSeq, stream),
          await memory.readAfter("s", lastSeq, stream),
          `after ${lastSeq} (${stream ?? "any stream"})`,
        );
      }
      const after1 = await b.readAfter("s", 1);
      assert.ok(after1.ok);
      assert.deepEqual(
        after1.entries.map((e) => e.id),
        [formatEventId("s", 3)],
      );
    } finally {
      await memory.close();
      await unpair();
    }
  });

  test("the log is trimmed to its bound (MAXLEN ~), and a replay past it reports the gap", async () => {
    await pair({ eventLogSize: 100 });
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      await a.createSession(record("big", a.replicaId));
      for (let i = 0; i < 2000; i++) await a.append("big", "get", `e${i}`);
      const key = `backend-test-${prefix}:log:big`;
      await waitFor(
        async () => (await raw.xRevRange(key, "+", "-", { COUNT: 1 }))?.[0]?.id === "2000-0",
      );
      const length = await raw.xLen(key);
      assert.ok(length >= 100 && length < 300, `the Redis log holds ${length} entries`);
      const result = await b.readAfter("big", 5);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.reason, "evicted");
    } finally {
      await raw.close();
      await unpair();
    }
  });

  test("send reaches the other replica's handler in order; false when nobody listens", async () => {
    await pair();
    try {
      const got: string[] = [];
      b.onMessage((m) => got.push(m));
      for (let i = 0; i < 20; i++) assert.equal(await a.send(b.replicaId, `m${i}`), true);
      await waitFor(() => got.length === 20, { message: "20 messages" });
      assert.deepEqual(
        got,
        Array.from({ length: 20 }, (_, i) => `m${i}`),
      );
      assert.equal(await a.send("no-such-replica", "x"), false);
    } finally {
      await unpair();
    }
  });

  test("an unreachable Redis is SERVER_REDIS_UNAVAILABLE at startup, naming the URL without its password", async () => {
    const port = await freePort();
    await assert.rejects(
      createRedisBackend({ url: `redis://user:hunter2@127.0.0.1:${port}`, connectTimeoutMs: 1000 }),
      (error: unknown) =>
        isMcpSseError(error, "SERVER_REDIS_UNAVAILABLE") &&
        error.message.includes(`127.0.0.1:${port}`) &&
        !error.message.includes("hunter2"),
    );
  });

  test("a Redis that accepts connections but never answers (SIGSTOP) is SERVER_REDIS_UNAVAILABLE within connectTimeoutMs, not a hang", async () => {
    const hung = await startRedis();
    hung.pause();
    try {
      await assert.rejects(
        createRedisBackend({ url: hung.url, connectTimeoutMs: 500 }),
        (error: unknown) =>
          isMcpSseError(error, "SERVER_REDIS_UNAVAILABLE") &&
          error.message === `Cannot connect to Redis at ${hung.url}: no answer within 500 ms`,
      );
    } finally {
      hung.resume();
      await hung.stop();
    }
  });
});

describe("options that cannot work together", () => {
  test("eventLogSize / eventLogBytes with a backend are refused, not dropped", () => {
    for (const option of [{ eventLogSize: 5 }, { eventLogBytes: 5 }]) {
      assert.throws(
        () =>
          createMcpHttpHandler({
            createServer: createTestServer,
            backend: createMemoryBackend(),
            ...option,
          }),
        (error: unknown) =>
          isMcpSseError(error, "SERVER_INVALID_OPTIONS") &&
          error.details.option === Object.keys(option)[0],
      );
    }
  });
});
