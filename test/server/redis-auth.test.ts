/**
 * `createRedisBackend` against a real redis-server that wants a password (`--requirepass`), and
 * one that speaks only TLS (`rediss://`, Debian's redis-server is built with TLS): the right
 * credentials work, wrong ones fail at startup with `SERVER_REDIS_UNAVAILABLE`, and neither the
 * error (message, details, cause) nor the logs ever contain the password.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { inspect } from "node:util";
import { isMcpSseError } from "../../src/errors.js";
import { createRedisBackend } from "../../src/redis/index.js";
import type { ServerBackend } from "../../src/server/backends/types.js";
import { makeTestCerts, type TestCerts } from "../client/tls-certs.js";
import { recordingLogger } from "../helpers/recording-logger.js";
import { REDIS_SKIP, startRedis, type TestRedis } from "../helpers/redis.js";

const PASSWORD = "pw-7f3a-do-not-print";

/** Everything a caller could print about `error`: message, details, and the whole cause chain. */
function everythingAbout(error: unknown): string {
  return `${String(error)}\n${JSON.stringify((error as { details?: unknown }).details)}\n${inspect(error, { depth: 10 })}`;
}

/** Two backends on one Redis see each other: a session record and a message cross between them. */
async function assertShared(a: ServerBackend, b: ServerBackend): Promise<void> {
  const record = {
    id: `s-${a.replicaId}`,
    transport: "streamable" as const,
    principalId: null,
    createdAt: 1,
    owner: a.replicaId,
  };
  await a.createSession(record);
  assert.deepEqual(await b.getSession(record.id), record);
  const got = new Promise<string>((resolve) => a.onMessage(resolve));
  assert.equal(await b.send(a.replicaId, "hello"), true);
  assert.equal(await got, "hello");
}

/** Connect with `url` and expect the startup error; returns it. */
async function refused(url: string, extra: { tls?: { ca: string } } = {}) {
  const logger = recordingLogger();
  const error = await createRedisBackend({ url, logger, ...extra }).then(
    () => assert.fail(`connecting to ${url} should fail`),
    (e: unknown) => e,
  );
  assert.ok(isMcpSseError(error, "SERVER_REDIS_UNAVAILABLE"), String(error));
  assert.match(error.message, /^Cannot connect to Redis at rediss?:\/\/127\.0\.0\.1:\d+/);
  const printed = everythingAbout(error) + JSON.stringify(logger.lines);
  assert.doesNotMatch(printed, new RegExp(PASSWORD));
  return error;
}

describe("Redis with a password (--requirepass)", { skip: REDIS_SKIP }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis({ password: PASSWORD });
  });
  after(async () => {
    await redis?.stop();
  });

  test("the password in the URL works: two backends share sessions and messages", async () => {
    assert.match(redis.url, new RegExp(`^redis://:${PASSWORD}@127\\.0\\.0\\.1:`));
    const a = await createRedisBackend({ url: redis.url, keyPrefix: "auth" });
    const b = await createRedisBackend({ url: redis.url, keyPrefix: "auth" });
    try {
      await assertShared(a, b);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("a wrong password: SERVER_REDIS_UNAVAILABLE naming WRONGPASS, no password anywhere", async () => {
    const error = await refused(`redis://:${PASSWORD}-wrong@127.0.0.1:${redis.port}`);
    assert.match(error.message, /WRONGPASS/);
    assert.deepEqual(error.details, { redis: `redis://127.0.0.1:${redis.port}` });
  });

  test("a user and a wrong password: the same, neither printed", async () => {
    const error = await refused(`redis://default:${PASSWORD}-x@127.0.0.1:${redis.port}`);
    assert.match(error.message, /WRONGPASS/);
    assert.doesNotMatch(everythingAbout(error), /default:/);
  });

  test("no password: SERVER_REDIS_UNAVAILABLE naming NOAUTH", async () => {
    const error = await refused(`redis://127.0.0.1:${redis.port}`);
    assert.match(error.message, /NOAUTH/);
  });
});

describe("Redis over TLS only (rediss://)", { skip: REDIS_SKIP }, () => {
  let certs: TestCerts | undefined;
  let redis: TestRedis | undefined;
  before(async () => {
    certs = await makeTestCerts();
    if (certs === undefined) return;
    const { serverCert, serverKey, ca } = certs.files;
    redis = await startRedis({ password: PASSWORD, tls: { cert: serverCert, key: serverKey, ca } });
  });
  after(async () => {
    await redis?.stop();
    await certs?.remove();
  });

  test("trusting the test CA (tls.ca), with a password: two backends share sessions and messages", async (t) => {
    if (certs === undefined || redis === undefined) return t.skip("openssl is not installed");
    assert.match(redis.url, /^rediss:\/\//);
    const tls = { ca: certs.pem.ca };
    const a = await createRedisBackend({ url: redis.url, keyPrefix: "tls", tls });
    const b = await createRedisBackend({ url: redis.url, keyPrefix: "tls", tls });
    try {
      await assertShared(a, b);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("a certificate from an untrusted CA: SERVER_REDIS_UNAVAILABLE, no password printed", async (t) => {
    if (certs === undefined || redis === undefined) return t.skip("openssl is not installed");
    const error = await refused(redis.url);
    assert.match(error.message, /certificate/);
  });

  test("redis:// (plain) to the TLS port fails at startup instead of hanging", async (t) => {
    if (certs === undefined || redis === undefined) return t.skip("openssl is not installed");
    await refused(redis.url.replace(/^rediss:/, "redis:"));
  });

  test("tls with a redis:// URL is refused (SERVER_INVALID_OPTIONS), not used in clear", async () => {
    const error = await createRedisBackend({
      url: `redis://:${PASSWORD}@127.0.0.1:1`,
      tls: { ca: "x" },
    }).then(
      () => assert.fail("should refuse"),
      (e: unknown) => e,
    );
    assert.ok(isMcpSseError(error, "SERVER_INVALID_OPTIONS"), String(error));
    assert.deepEqual(error.details, { option: "tls" });
    assert.doesNotMatch(everythingAbout(error), new RegExp(PASSWORD));
  });
});
