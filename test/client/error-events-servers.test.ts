/**
 * The guide's error events from real servers: a feed written the guide's way, and an SDK
 * McpServer sending them as logging notifications. Pauses run on fake timers (`setTimeout`,
 * `Date`); while they are on, the test waits on the real timer it captured first.
 */
import assert from "node:assert/strict";
import { after, afterEach, describe, it, mock } from "node:test";
import { connectMcps, type McpsEvent, type McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { createJsonLogger } from "../../src/logger.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";
import { type GuideFeed, startGuideFeed } from "../fixtures/guide-feed-server.js";
import { waitFor } from "../helpers/wait-for.js";

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});
afterEach(() => mock.timers.reset());

/**
 * The real timer, captured before any test fakes it: a negative check under fake time ("no
 * reconnect yet") gives real I/O a short real window to happen, as nothing positive marks it.
 */
const realSetTimeout = globalThis.setTimeout;

interface Kind {
  name: string;
  /** Start a server and a manager connected to it. */
  start(options: {
    token?: string;
    maxReconnects?: number;
    refreshToken?: () => Promise<Record<string, string>>;
  }): Promise<{
    mcps: McpsManager;
    events: McpsEvent[];
    sendError(code: string, message: string, retryAfter?: number): Promise<void>;
    setToken(token: string): void;
    /** New streams (feed) or sessions (MCP) opened so far. */
    opened(): number;
    tool: { name: string; args: Record<string, unknown> };
  }>;
}

const feedKind: Kind = {
  name: "a guide feed",
  async start({ token, maxReconnects = 10, refreshToken }) {
    const feed: GuideFeed = await startGuideFeed({ intervalMs: 0, ...(token ? { token } : {}) });
    const events: McpsEvent[] = [];
    const mcps = await connectMcps(
      {
        mcps: [
          {
            name: "s",
            url: feed.url,
            transport: "sse",
            max_reconnects: maxReconnects,
            reconnect_interval: 0.01,
            ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
          },
        ],
      },
      { onEvent: (e) => void events.push(e), ...(refreshToken ? { refreshToken } : {}) },
    );
    cleanups.push(async () => {
      await mcps.close();
      await feed.close();
    });
    return {
      mcps,
      events,
      sendError: async (code, message, retryAfter) => feed.pushError(code, message, retryAfter),
      setToken: (t) => feed.setToken(t),
      opened: () => feed.stats.gets,
      tool: { name: "realtime_monitor", args: { stream_id: "x" } },
    };
  },
};

const mcpKind: Kind = {
  name: "an MCP server (logging notifications)",
  async start({ token, maxReconnects = 10, refreshToken }) {
    const fixture: Fixture = await startFixture(token ? { token } : {});
    const events: McpsEvent[] = [];
    const mcps = await connectMcps(
      {
        mcps: [
          {
            name: "s",
            url: fixture.url,
            transport: "streamable-http",
            max_reconnects: maxReconnects,
            reconnect_interval: 0.01,
            ...(token ? { headers: { Authorization: `Bearer ${token}` } } : {}),
          },
        ],
      },
      { onEvent: (e) => void events.push(e), ...(refreshToken ? { refreshToken } : {}) },
    );
    cleanups.push(async () => {
      await mcps.close();
      await fixture.close();
    });
    // Notifications travel on the standalone GET stream: wait for it.
    await waitFor(() => fixture.stats.gets >= 1, { message: "standalone stream" });
    return {
      mcps,
      events,
      sendError: (code, message, retryAfter) =>
        fixture.broadcast(
          {
            event: "error",
            error: {
              code,
              message,
              ...(retryAfter === undefined ? {} : { retry_after: retryAfter }),
            },
          },
          "error",
        ),
      setToken: (t) => fixture.setToken(t),
      opened: () => fixture.stats.sessions,
      tool: { name: "echo", args: { text: "x" } },
    };
  },
};

const stateOf = (mcps: McpsManager) => mcps.servers()[0]?.state;
const errorCodes = (events: McpsEvent[]) =>
  events
    .filter((e) => e.type === "error")
    .map((e) => (e.data as { error?: { code?: string } }).error?.code)
    .filter((c) => c !== undefined);

for (const kind of [feedKind, mcpKind]) {
  describe(`error events from ${kind.name}`, () => {
    it("RATE_LIMITED: paused for retry_after; a call that fits waits, a longer one fails at once", async () => {
      const s = await kind.start({});
      assert.equal(stateOf(s.mcps), "ready");
      mock.timers.enable({ apis: ["setTimeout", "Date"], now: Date.now() });
      await s.sendError("RATE_LIMITED", "slow down", 30);
      await waitFor(() => stateOf(s.mcps) === "paused", { timeout: 10_000, message: "paused" });
      await assert.rejects(
        s.mcps.call("s", s.tool.name, s.tool.args, { timeout: 5_000 }),
        (error) => {
          assert.ok(isMcpSseError(error, "CLIENT_RATE_LIMITED"), String(error));
          assert.equal(error.details["retryAfterMs"], 30_000);
          return true;
        },
      );
      let settled = false;
      const waiting = s.mcps.call("s", s.tool.name, s.tool.args, { timeout: 60_000 });
      void waiting.finally(() => {
        settled = true;
      });
      mock.timers.tick(29_000);
      await new Promise((resolve) => realSetTimeout(resolve, 20));
      assert.equal(settled, false, "the call waits for the pause");
      assert.equal(stateOf(s.mcps), "paused");
      mock.timers.tick(1_000);
      await waitFor(() => stateOf(s.mcps) === "ready", {
        timeout: 10_000,
        message: "ready after the pause",
      });
      const result = await waiting;
      assert.equal(result.content.length, 1);
      mock.timers.tick(1_000); // deliver the queued events (the bus drains on a timer)
      mock.timers.reset();
      await waitFor(() => errorCodes(s.events).includes("RATE_LIMITED"), {
        message: "delivered as an error event",
      });
      const states = s.events
        .filter((e) => e.type === "state")
        .map((e) => (e.data as { to: string }).to);
      assert.deepEqual(states.slice(-2), ["paused", "ready"]);
    });

    it("AUTHENTICATION_FAILED: refreshToken, then a reconnect with the new headers", async () => {
      let refreshes = 0;
      const s = await kind.start({
        token: "old",
        refreshToken: async () => {
          refreshes += 1;
          return { Authorization: "Bearer new" };
        },
      });
      const before = s.opened();
      s.setToken("new");
      await s.sendError("AUTHENTICATION_FAILED", "token expired");
      await waitFor(() => s.opened() > before && stateOf(s.mcps) === "ready", {
        message: "reconnected with the new token",
      });
      assert.equal(refreshes, 1);
      const result = await s.mcps.call("s", s.tool.name, s.tool.args);
      assert.equal(result.content.length, 1);
      await waitFor(() => errorCodes(s.events).includes("AUTHENTICATION_FAILED"), {
        message: "delivered as an error event",
      });
    });

    it("other codes count toward max_reconnects: failed when reached", async () => {
      const s = await kind.start({ maxReconnects: 2 });
      await s.sendError("INTERNAL", "first");
      await waitFor(() => errorCodes(s.events).length === 1, { message: "first error event" });
      assert.equal(stateOf(s.mcps), "ready");
      await s.sendError("INTERNAL", "second");
      await waitFor(() => stateOf(s.mcps) === "failed", { message: "failed" });
      assert.equal(s.mcps.servers()[0]?.error?.code, "CLIENT_ERROR_EVENTS");
      // The event bus drains on its own timer: the state can change before the event arrives.
      await waitFor(() => errorCodes(s.events).length === 2, { message: "second error event" });
      assert.deepEqual(errorCodes(s.events), ["INTERNAL", "INTERNAL"]);
    });
  });
}

describe("error events: a RATE_LIMITED pause holds a feed's reconnects", () => {
  it("a stream lost during the pause is reopened when it ends, not before (Last-Event-ID kept)", async () => {
    const feed = await startGuideFeed({ intervalMs: 0, ids: true });
    const logs: string[] = [];
    const mcps = await connectMcps(
      { mcps: [{ name: "s", url: feed.url, kind: "feed", reconnect_interval: 0.01 }] },
      { logger: createJsonLogger((line) => logs.push(line), "debug") },
    );
    cleanups.push(async () => {
      await mcps.close();
      await feed.close();
    });
    mock.timers.enable({ apis: ["setTimeout", "Date"], now: Date.now() });
    feed.pushError("RATE_LIMITED", "slow down", 30);
    await waitFor(() => stateOf(mcps) === "paused", { timeout: 10_000, message: "paused" });
    feed.drop();
    await waitFor(() => logs.some((l) => l.includes("feed stream error")), {
      timeout: 10_000,
      message: "the client saw the drop",
    });
    // Far past the reader's own backoff (10 ms), still inside the pause: no reconnect.
    mock.timers.tick(29_000);
    await new Promise((resolve) => realSetTimeout(resolve, 50));
    assert.equal(feed.stats.gets, 1);
    mock.timers.tick(1_000);
    await waitFor(() => feed.stats.gets === 2 && stateOf(mcps) === "ready", {
      timeout: 10_000,
      message: "reopened",
    });
    assert.equal(feed.stats.lastEventIds[1], "2");
  });
});
