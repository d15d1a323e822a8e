/**
 * Resource subscriptions through the manager (`subscribeResource`, `unsubscribeResource`,
 * `resource_updated` events), against real SDK `McpServer`s served by `serve()` over both HTTP
 * transports: an update reaches the app, unsubscribing stops it at the server, a server that
 * restarts mid-subscription is subscribed to again on its new session (and the app is told),
 * and a server without `resources.subscribe` gives `CLIENT_NOT_SUPPORTED`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { McpServer } from "@modelcontextprotocol/server";
import { connectMcps, type McpsEvent } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { waitFor } from "../helpers/wait-for.js";

const URI = "feed://btc/price";

/** One session's server and what it was subscribed to, as the server saw it. */
interface Session {
  server: McpServer;
  subscribed: Set<string>;
}

/**
 * A server with one resource; with `subscribe`, it declares and answers subscriptions (or, with
 * `refuse`, declares them and answers every subscribe with a JSON-RPC error).
 */
function feedServer(sessions: Session[], subscribe: boolean, refuse = false): McpServer {
  const server = new McpServer({ name: "feed", version: "1.0.0" });
  server.registerResource("price", URI, { mimeType: "application/json" }, async () => ({
    contents: [{ uri: URI, text: '{"price":1}' }],
  }));
  const session: Session = { server, subscribed: new Set() };
  sessions.push(session);
  if (subscribe) {
    server.server.registerCapabilities({ resources: { subscribe: true } });
    server.server.setRequestHandler("resources/subscribe", async (request) => {
      if (refuse) throw new Error("subscriptions are paused");
      session.subscribed.add(request.params.uri);
      return {};
    });
    server.server.setRequestHandler("resources/unsubscribe", async (request) => {
      session.subscribed.delete(request.params.uri);
      return {};
    });
  }
  return server;
}

/** `notifications/resources/updated` from every live session subscribed to `uri`; how many sent. */
async function publish(sessions: Session[], uri: string): Promise<number> {
  const subscribed = sessions.filter((s) => s.server.isConnected() && s.subscribed.has(uri));
  await Promise.all(subscribed.map((s) => s.server.server.sendResourceUpdated({ uri })));
  return subscribed.length;
}

const urlOf = (transport: string, handle: ServeHandle) =>
  transport === "sse" ? `${handle.url}/sse` : `${handle.url}/mcp`;

async function start(transport: string, subscribe = true) {
  const sessions: Session[] = [];
  let refuse = false;
  const createServer = () => feedServer(sessions, subscribe, refuse);
  let handle = await serve({ port: 0, createServer, shutdownTimeoutMs: 200 });
  const port = Number(new URL(handle.url).port);
  const mcps = await connectMcps({
    mcps: [
      {
        name: "feed",
        transport,
        url: urlOf(transport, handle),
        timeout: 5,
        reconnect_interval: 0.05,
        max_reconnects: 20,
      },
    ],
  });
  const events: McpsEvent[] = [];
  mcps.on("*", (event) => {
    events.push(event);
  });
  return {
    sessions,
    mcps,
    events,
    /** Stop the server (every session gone) and start a new one on the same port. */
    async restart(options: { refuse?: boolean } = {}) {
      refuse = options.refuse ?? false;
      await handle.close();
      handle = await serve({ port, createServer, shutdownTimeoutMs: 200 });
    },
    async close() {
      await mcps.close();
      await handle.close();
    },
  };
}

const updatesOf = (events: McpsEvent[]) =>
  events.filter((e) => e.type === "resource_updated").map((e) => (e.data as { uri: string }).uri);

for (const transport of ["sse", "streamable-http"]) {
  describe(`resource subscriptions over ${transport}`, () => {
    it("subscribe: updates arrive as resource_updated events; unsubscribe stops them at the server", async () => {
      const s = await start(transport);
      try {
        await s.mcps.subscribeResource("feed", URI);
        assert.deepEqual([...(s.sessions[0]?.subscribed ?? [])], [URI]);
        assert.deepEqual(s.mcps.resourceSubscriptions(), { feed: [URI] });
        assert.equal(await publish(s.sessions, URI), 1);
        await waitFor(() => updatesOf(s.events).length === 1, { message: "resource_updated" });
        assert.deepEqual(updatesOf(s.events), [URI]);

        await s.mcps.unsubscribeResource("feed", URI);
        assert.equal(s.sessions[0]?.subscribed.size, 0, "the server was told");
        assert.deepEqual(s.mcps.resourceSubscriptions(), {});
        assert.equal(await publish(s.sessions, URI), 0);
      } finally {
        await s.close();
      }
    });

    it("a server restart mid-subscription: the new session is subscribed again, updates flow again", async () => {
      const s = await start(transport);
      try {
        await s.mcps.subscribeResource("feed", URI);
        await s.restart();
        const resubscribed = await waitFor(
          () => s.events.find((e) => e.type === "resources_resubscribed"),
          { timeout: 15_000, message: "resources_resubscribed after the restart" },
        );
        assert.deepEqual(resubscribed.data, { uris: [URI] });
        assert.equal(s.sessions.length, 2, "a new session was initialized");
        assert.deepEqual([...(s.sessions[1]?.subscribed ?? [])], [URI], "subscribed again");
        await waitFor(() => s.mcps.servers()[0]?.state === "ready", { message: "ready" });
        assert.equal(await publish(s.sessions, URI), 1);
        await waitFor(() => updatesOf(s.events).length === 1, {
          message: "resource_updated from the new session",
        });
      } finally {
        await s.close();
      }
    });
  });
}

describe("resource subscriptions: errors", () => {
  it("renewing fails on the new session: a CLIENT_RESUBSCRIBE_FAILED error event, still remembered", async () => {
    const s = await start("streamable-http");
    try {
      await s.mcps.subscribeResource("feed", URI);
      await s.restart({ refuse: true });
      const failed = await waitFor(
        () =>
          s.events.find(
            (e) =>
              e.type === "error" &&
              (e.data as { code?: string }).code === "CLIENT_RESUBSCRIBE_FAILED",
          ),
        { timeout: 15_000, message: "CLIENT_RESUBSCRIBE_FAILED after the restart" },
      );
      assert.match(
        (failed.data as { message: string }).message,
        /^Re-subscribing to feed:\/\/btc\/price on server "feed" after it re-initialized failed: .*subscriptions are paused/,
      );
      assert.equal(s.events.filter((e) => e.type === "resources_resubscribed").length, 0);
      assert.deepEqual(s.mcps.resourceSubscriptions(), { feed: [URI] }, "kept for the next one");
    } finally {
      await s.close();
    }
  });

  it("a server without resources.subscribe: CLIENT_NOT_SUPPORTED, nothing sent or remembered", async () => {
    const s = await start("streamable-http", false);
    try {
      await assert.rejects(s.mcps.subscribeResource("feed", URI), (error: unknown) => {
        assert.ok(isMcpSseError(error, "CLIENT_NOT_SUPPORTED"), String(error));
        assert.match(error.message, /resources\/subscribe feed:\/\/btc\/price on server "feed"/);
        assert.match(error.message, /"resources\.subscribe" capability/);
        return true;
      });
      assert.deepEqual(s.mcps.resourceSubscriptions(), {});
      await assert.rejects(s.mcps.subscribeResource("nope", URI), (error: unknown) =>
        isMcpSseError(error, "CLIENT_UNKNOWN_SERVER"),
      );
    } finally {
      await s.close();
    }
  });
});
