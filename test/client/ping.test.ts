/**
 * `ping_interval` against a real server (our host, `serve()` on 127.0.0.1:0) whose SDK server
 * answers `ping` only while the test lets it: a server that stops answering makes the
 * connection go `reconnecting` because a ping timed out; one that answers stays `ready`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { McpServer } from "@modelcontextprotocol/server";
import { connectMcps, type McpsManager } from "../../src/client/manager.js";
import { serve } from "../../src/server/index.js";
import { waitFor } from "../helpers/wait-for.js";

/** Pings the server has received, and whether it answers them. */
const pings = { received: 0, answer: true };
const parked: (() => void)[] = [];

function pingSwitchServer(): McpServer {
  const server = new McpServer({ name: "ping-switch", version: "1.0.0" });
  server.registerTool("noop", { description: "does nothing" }, async () => ({ content: [] }));
  // Replaces the SDK's built-in ping handler: parked pings are never answered (until teardown).
  server.server.setRequestHandler("ping", () => {
    pings.received += 1;
    if (pings.answer) return {};
    return new Promise<Record<string, never>>((resolve) => parked.push(() => resolve({})));
  });
  return server;
}

let host: Awaited<ReturnType<typeof serve>>;
before(async () => {
  host = await serve({ createServer: pingSwitchServer, port: 0 });
});
after(async () => {
  for (const release of parked.splice(0)) release();
  await host.close();
});

const TRANSPORTS = [
  { transport: "http", path: "/mcp" },
  { transport: "sse", path: "/sse" },
] as const;

async function connect(name: string, transport: string, path: string, timeout = 1) {
  const states: { to: string; error?: { code: string; message: string } }[] = [];
  const manager: McpsManager = await connectMcps({
    mcps: [
      {
        name,
        transport,
        url: `${host.url}${path}`,
        // A ping every 50 ms, each allowed `timeout` s (the initialize shares it).
        ping_interval: 0.05,
        timeout,
        reconnect_interval: 0.05,
        max_reconnects: 3,
      },
    ],
  });
  manager.on("state", (event) => {
    if (event.server === name) states.push(event.data as (typeof states)[number]);
  });
  return { manager, states };
}

describe("ping_interval", () => {
  for (const { transport, path } of TRANSPORTS) {
    // Each ping may take 10 s here: a loaded machine answered some later than 1 s, which is
    // the other test's subject, not this one's.
    it(`transport ${transport}: a server that answers pings keeps the connection ready`, async () => {
      pings.answer = true;
      const { manager, states } = await connect(`answers-${transport}`, transport, path, 10);
      try {
        const start = pings.received;
        await waitFor(() => pings.received >= start + 5, {
          timeout: 30_000,
          message: "5 answered pings",
        });
        assert.deepEqual(states, []);
        assert.equal(manager.servers()[0]!.state, "ready");
        assert.equal(manager.metrics().servers[`answers-${transport}`]!.reconnects, 0);
      } finally {
        await manager.close();
      }
    });

    it(`transport ${transport}: a server that stops answering pings makes it go reconnecting`, async () => {
      pings.answer = true;
      const { manager, states } = await connect(`silent-${transport}`, transport, path);
      try {
        assert.equal(manager.servers()[0]!.state, "ready");
        pings.answer = false;
        const before = pings.received;
        const lost = await waitFor(() => states.find((s) => s.to === "reconnecting"), {
          timeout: 10_000,
          message: "the state event to reconnecting",
        });
        // It was a ping that went unanswered, and its timeout that gave up.
        assert.ok(pings.received > before, "the server received pings it did not answer");
        assert.equal(lost.error?.code, "SDK_REQUEST_TIMEOUT");
        assert.match(lost.error?.message ?? "", /timed out/i);
      } finally {
        pings.answer = true;
        await manager.close();
      }
    });
  }
});
