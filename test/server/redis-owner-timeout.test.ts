/**
 * A session's owner that is alive but answers nothing (a real replica process stopped with
 * SIGSTOP: its sockets stay open, Redis still delivers to it, nothing comes back). Another
 * replica answers a request for that session with 504 `SERVER_OWNER_TIMEOUT` once its
 * forward timeout passes (a JSON-RPC error body), the mcp-sse client turns that into a typed
 * error long before its own call timeout, and after SIGCONT the same session works again.
 * When the pause outlasts the claim, the other replicas answer 404 meanwhile, and the
 * owner's next heartbeat claims the session again. See docs/scaling.md ("Failure modes").
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { McpsManager } from "../../src/client/index.js";
import { connectMcps } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { type RoundRobinProxy, startRoundRobinProxy } from "../fixtures/round-robin-proxy.js";
import { INITIALIZE_REQUEST } from "../helpers/jsonrpc.js";
import { REDIS_SKIP, startRedis, type TestRedis } from "../helpers/redis.js";
import { type ReplicaProcess, startReplica } from "../helpers/replicas.js";
import { waitFor } from "../helpers/wait-for.js";

/** Shorter than the default 5 s (each 504 waits it), long enough for a busy machine to forward in time. */
const FORWARD_TIMEOUT_MS = 3000;
/** Far longer than any pause in the first tests: B still sees A's claim, so it waits for A. */
const LONG_CLAIM_TTL_MS = 60_000;
/** Shorter than the pause of the last test: A's claim expires while it is stopped. */
const SHORT_CLAIM_TTL_MS = 1500;
/** The client's per-call timeout, seconds: far above the forward timeout. */
const CALL_TIMEOUT_S = 30;
/** Bound on any one raw request (a hang fails the test instead of stalling it). */
const REQUEST_TIMEOUT_MS = 20_000;

const HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  "mcp-protocol-version": "2025-06-18",
};

async function post(url: string, body: unknown, sid?: string): Promise<Response> {
  return fetch(`${url}/mcp`, {
    method: "POST",
    headers: sid === undefined ? HEADERS : { ...HEADERS, "mcp-session-id": sid },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

/** Open a Streamable HTTP session on `url` (initialize + initialized); its id. */
async function openSession(url: string): Promise<string> {
  const init = await post(url, INITIALIZE_REQUEST);
  assert.equal(init.status, 200);
  const sid = init.headers.get("mcp-session-id");
  assert.ok(sid, "a session id");
  await init.text();
  const done = await post(url, { jsonrpc: "2.0", method: "notifications/initialized" }, sid);
  assert.equal(done.status, 202);
  return sid;
}

/** The body of a 200 answer; `undefined` (body discarded) for any other status. */
async function okText(res: Response): Promise<string | undefined> {
  if (res.status === 200) return res.text();
  await res.body?.cancel();
  return undefined;
}

function echo(id: number, text: string) {
  return {
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "echo", arguments: { text } },
  };
}

describe("a session owner that hangs (SIGSTOP)", { skip: REDIS_SKIP, timeout: 180_000 }, () => {
  let redis: TestRedis;
  let replicas: ReplicaProcess[] = [];
  let prefix = 0;

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  async function twoReplicas(claimTtlMs: number): Promise<[ReplicaProcess, ReplicaProcess]> {
    prefix++;
    replicas = await Promise.all(
      ["a", "b"].map((name) =>
        startReplica(redis.url, `hung-${prefix}`, name, claimTtlMs, FORWARD_TIMEOUT_MS),
      ),
    );
    return replicas as [ReplicaProcess, ReplicaProcess];
  }
  async function teardown(): Promise<void> {
    for (const r of replicas) r.resume();
    await Promise.all(replicas.map((r) => r.kill()));
  }

  test("B answers 504 SERVER_OWNER_TIMEOUT with a JSON-RPC error body; after SIGCONT the session works again", async () => {
    const [a, b] = await twoReplicas(LONG_CLAIM_TTL_MS);
    try {
      const sid = await openSession(a.url);
      const before = await post(b.url, echo(2, "before"), sid);
      assert.equal(before.status, 200, "forwarded to the owner while it runs");
      assert.match(await before.text(), /"text":"before"/);

      a.pause();
      const hung = await post(b.url, echo(3, "while stopped"), sid);
      assert.equal(hung.status, 504);
      assert.equal(hung.headers.get("content-type")?.split(";")[0], "application/json");
      assert.ok(Number(hung.headers.get("retry-after")) > 0, "Retry-After is set");
      const body = (await hung.json()) as {
        jsonrpc: string;
        error: { code: number; message: string; data: { code: string } };
      };
      assert.equal(body.jsonrpc, "2.0");
      assert.equal(body.error.code, -32000);
      assert.equal(body.error.data.code, "SERVER_OWNER_TIMEOUT");
      assert.match(
        body.error.message,
        new RegExp(`session ${sid} did not answer within ${FORWARD_TIMEOUT_MS} ms`),
      );
      assert.match(b.log(), /forwarding to the session owner failed/);

      a.resume();
      const again = await waitFor(
        async () => {
          const res = await post(b.url, echo(4, "after"), sid);
          return okText(res);
        },
        { timeout: 30_000, interval: 200, message: "the session answering again after SIGCONT" },
      );
      assert.match(again, /"text":"after"/);
    } finally {
      await teardown();
    }
  });

  test("the mcp-sse client gets a typed error for the 504 within its call timeout, and calls work after SIGCONT", async () => {
    const [a, b] = await twoReplicas(LONG_CLAIM_TTL_MS);
    let proxy: RoundRobinProxy | undefined;
    let mcps: McpsManager | undefined;
    try {
      // The session is opened on A (the first request: initialize); everything after goes to B.
      proxy = await startRoundRobinProxy([a.url, b.url], (_method, count) => (count === 0 ? 0 : 1));
      mcps = await connectMcps({
        mcps: [
          {
            name: "c",
            transport: "streamable-http",
            url: `${proxy.url}/mcp`,
            timeout: CALL_TIMEOUT_S,
          },
        ],
      });
      const who = await mcps.call("c", "whoami");
      assert.deepEqual(who.content, [{ type: "text", text: "a" }], "A owns the session");

      a.pause();
      const failure = await mcps.call("c", "echo", { text: "while stopped" }).then(
        () => assert.fail("the call should fail while the owner is stopped"),
        (error: unknown) => error,
      );
      // The HTTP error the client reports carries the server's JSON-RPC body, code included.
      assert.ok(isMcpSseError(failure), `a typed error, got ${String(failure)}`);
      assert.equal(failure.code, "CLIENT_HTTP_STATUS", failure.message);
      assert.equal(failure.details["status"], 504);
      assert.match(failure.message, /SERVER_OWNER_TIMEOUT/);
      assert.ok(
        proxy.hits.some((h) => h.method === "POST" && h.replica === 1),
        "the call went to B",
      );

      a.resume();
      const answer = await waitFor(
        () =>
          mcps!.call("c", "echo", { text: "after" }).then(
            (r) => r,
            () => undefined,
          ),
        { timeout: 60_000, interval: 250, message: "calls working again after SIGCONT" },
      );
      assert.deepEqual(answer.content, [{ type: "text", text: "after" }]);
    } finally {
      await mcps?.close();
      await proxy?.close();
      await teardown();
    }
  });

  test("a pause longer than the claim: 404 while stopped, then the owner's heartbeat claims the session again", async () => {
    const [a, b] = await twoReplicas(SHORT_CLAIM_TTL_MS);
    try {
      const sid = await openSession(a.url);
      a.pause();
      await waitFor(
        async () => {
          const res = await post(b.url, echo(2, "x"), sid);
          await res.body?.cancel();
          return res.status === 404;
        },
        { timeout: 30_000, interval: 200, message: "404 once A's claim expired" },
      );
      a.resume();
      const again = await waitFor(
        async () => {
          const res = await post(b.url, echo(3, "back"), sid);
          return okText(res);
        },
        { timeout: 30_000, interval: 200, message: "the session claimed again after SIGCONT" },
      );
      assert.match(again, /"text":"back"/);
    } finally {
      await teardown();
    }
  });
});
