import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { connectMcps, type McpsEvent, type McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { createDemoServer } from "../../src/server/demo.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";
import { flushQueuedWork, waitFor } from "../helpers/wait-for.js";

function entry(name: string, url: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    transport: "streamable-http",
    url,
    timeout: 5,
    reconnect_interval: 0.05,
    max_reconnects: 5,
    ...extra,
  };
}

/** Run `body` with a fixture and a manager, closing both whatever happens. */
async function withSetup(
  fixture: Fixture,
  connect: () => Promise<McpsManager>,
  body: (mcps: McpsManager) => Promise<void>,
): Promise<void> {
  let mcps: McpsManager | undefined;
  try {
    mcps = await connect();
    await body(mcps);
  } finally {
    await mcps?.close();
    await fixture.close();
  }
}

describe("faults", () => {
  it("a server that cuts its stream every few events: resumed, nothing lost or duplicated", async () => {
    const fixture = await startFixture({
      createServer: () => createDemoServer({ intervalMs: 15 }),
      cutStreamEvery: 4,
    });
    await withSetup(
      fixture,
      () => connectMcps({ mcps: [entry("cut", fixture.url)] }),
      async (mcps) => {
        const seqs: number[] = [];
        const iterator = mcps.events({ type: "data_update" });
        const timer = setTimeout(() => void iterator.return?.(), 20_000);
        for await (const ev of iterator) {
          seqs.push((ev.data as { payload: { seq: number } }).payload.seq);
          if (seqs.length >= 30) break;
        }
        clearTimeout(timer);
        assert.equal(seqs.length, 30);
        const first = seqs[0] as number;
        assert.deepEqual(
          seqs,
          seqs.map((_, i) => first + i),
          "contiguous sequence numbers: none lost, none repeated",
        );
        assert.ok(fixture.stats.cuts >= 3, `the stream was cut (${fixture.stats.cuts} times)`);
        assert.equal(mcps.servers()[0]?.state, "ready");
        assert.equal(fixture.stats.sessions, 1, "resumed within one session, no re-initialize");
        const metrics = mcps.metrics().servers["cut"];
        assert.equal(metrics?.reconnects, 0);
        assert.ok((metrics?.streamReconnects ?? 0) >= 3);
      },
    );
  });

  it("a call whose answer stream is cut is resumed: the result still arrives", async () => {
    const fixture = await startFixture({ cutPostStreamAfter: 3 });
    await withSetup(
      fixture,
      () => connectMcps({ mcps: [entry("resume", fixture.url)] }),
      async (mcps) => {
        const cutsBefore = fixture.stats.cuts;
        const progress: number[] = [];
        const off = mcps.on("progress", (ev) => {
          progress.push((ev.data as { progress: number }).progress);
        });
        const result = await mcps.call("resume", "slow", { steps: 8, gapMs: 20 });
        assert.deepEqual(result.content, [{ type: "text", text: "done after 8 steps" }]);
        assert.ok(fixture.stats.cuts > cutsBefore, "the answer stream was cut");
        assert.equal(fixture.stats.sessions, 1, "resumed in the same session");
        // Progress events are delivered off the read loop: let those already queued arrive.
        await flushQueuedWork();
        off();
        // In order, none repeated across the resumption. (The SDK may drop the very last
        // progress when the result is dispatched first, so 8 is not required.)
        assert.deepEqual(
          progress,
          progress.map((_, i) => i + 1),
        );
        assert.ok(progress.length >= 6, `progress: ${progress.join(",")}`);
      },
    );
  });

  it("a server that restarts: session lost → re-initialize, tools refreshed, calls work again", async () => {
    const fixture = await startFixture();
    await withSetup(
      fixture,
      () => connectMcps({ mcps: [entry("r", fixture.url)] }),
      async (mcps) => {
        const states: string[] = [];
        mcps.on("state", (ev: McpsEvent) => {
          states.push((ev.data as { to: string }).to);
        });
        assert.equal((await mcps.call("r", "echo", { text: "1" })).isError, undefined);
        await fixture.restart();
        // The next request (or the dead stream) finds the session gone.
        await mcps.call("r", "echo", { text: "2" }).catch(() => undefined);
        await waitFor(() => states.includes("ready"), { timeout: 15_000 });
        assert.deepEqual(states.slice(0, 2), ["reconnecting", "ready"]);
        assert.equal(fixture.stats.sessions, 2, "a new session was initialized");
        const result = await mcps.call("r", "echo", { text: "3" });
        assert.deepEqual(result.content, [{ type: "text", text: "basic:3" }]);
        assert.ok(mcps.tools().some((t) => t.name === "echo"));
        assert.ok((mcps.metrics().servers["r"]?.reconnects ?? 0) >= 1);
      },
    );
  });

  it("a call in flight when the connection dies fails with CLIENT_CONNECTION_LOST, no hang", async () => {
    const fixture = await startFixture();
    await withSetup(
      fixture,
      () => connectMcps({ mcps: [entry("h", fixture.url, { timeout: 30 })] }),
      async (mcps) => {
        const posted = fixture.stats.posts;
        const call = mcps.call("h", "hang", {});
        await waitFor(() => fixture.stats.posts > posted, {
          message: "the call to reach the server",
        });
        await fixture.restart();
        await assert.rejects(call, (e) => isMcpSseError(e, "CLIENT_CONNECTION_LOST"));
      },
    );
  });

  it("401 at connect, then accepted with the token from refreshToken; again after a restart", async () => {
    const fixture = await startFixture({ token: "t1" });
    const asked: string[] = [];
    let current = "t1";
    await withSetup(
      fixture,
      () =>
        connectMcps(
          { mcps: [entry("auth", fixture.url, { headers: { Authorization: "Bearer stale" } })] },
          {
            refreshToken: async (server) => {
              asked.push(server);
              return { Authorization: `Bearer ${current}` };
            },
          },
        ),
      async (mcps) => {
        assert.equal(mcps.servers()[0]?.state, "ready");
        assert.deepEqual(asked, ["auth"]);
        assert.ok(fixture.stats.rejected401 >= 1);
        current = "t2";
        fixture.setToken("t2");
        await fixture.restart();
        await mcps.call("auth", "echo", { text: "x" }).catch(() => undefined);
        await waitFor(() => mcps.servers()[0]?.state === "ready" && asked.length >= 2, {
          timeout: 15_000,
        });
        const result = await mcps.call("auth", "echo", { text: "y" });
        assert.deepEqual(result.content, [{ type: "text", text: "basic:y" }]);
      },
    );
  });

  it("401 without refreshToken: the server fails with CLIENT_UNAUTHORIZED, and no secret in the message", async () => {
    const fixture = await startFixture({ token: "right" });
    await withSetup(
      fixture,
      () =>
        connectMcps({
          mcps: [
            entry("locked", fixture.url, { headers: { Authorization: "Bearer wrong-secret" } }),
          ],
        }),
      async (mcps) => {
        const status = mcps.servers()[0];
        assert.equal(status?.state, "failed");
        assert.equal(status?.error?.code, "CLIENT_UNAUTHORIZED");
        assert.doesNotMatch(JSON.stringify(mcps.servers()), /wrong-secret/);
      },
    );
  });

  it("a rate-limiting server (429 Retry-After) is retried and then served", async () => {
    const fixture = await startFixture({ rateLimitPosts: 2 });
    await withSetup(
      fixture,
      () => connectMcps({ mcps: [entry("slow", fixture.url)] }),
      async (mcps) => {
        assert.equal(mcps.servers()[0]?.state, "ready");
        assert.equal(fixture.stats.rejected429, 2);
        const result = await mcps.call("slow", "add", { a: 2, b: 3 });
        assert.deepEqual(result.content, [{ type: "text", text: "5" }]);
      },
    );
  });

  it("a server that accepts connections but never answers: failed within its timeout, others unaffected", async () => {
    const silent = createServer(() => {
      // Never answers: the request stays open until the client gives up.
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    const fixture = await startFixture();
    try {
      await withSetup(
        fixture,
        () =>
          connectMcps({
            mcps: [
              entry("mute", `http://127.0.0.1:${port}/mcp`, { timeout: 0.5, max_reconnects: 0 }),
              entry("fine", fixture.url),
            ],
          }),
        async (mcps) => {
          const [mute, fine] = mcps.servers();
          assert.equal(mute?.state, "failed");
          assert.match(mute?.error?.code ?? "", /TIMEOUT|CONNECT_FAILED/);
          assert.equal(fine?.state, "ready");
        },
      );
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("a server gone for good: reconnects exhausted → failed, calls fail fast", async () => {
    const fixture = await startFixture();
    const mcps = await connectMcps({ mcps: [entry("gone", fixture.url, { max_reconnects: 2 })] });
    try {
      await fixture.close();
      await mcps.call("gone", "echo", { text: "x" }).catch(() => undefined);
      await waitFor(() => mcps.servers()[0]?.state === "failed", { timeout: 15_000 });
      await assert.rejects(mcps.call("gone", "echo", { text: "x" }), (e) =>
        isMcpSseError(e, "CLIENT_NOT_READY"),
      );
      assert.equal(mcps.metrics().servers["gone"]?.reconnects, 2);
      assert.deepEqual(mcps.tools(), [], "a failed server lists no tools");
      assert.equal(mcps.servers()[0]?.connectedSince, undefined);
    } finally {
      await mcps.close();
    }
    assert.equal(mcps.servers()[0]?.state, "closed");
  });
});
