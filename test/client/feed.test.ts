import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { connectMcps, type McpsEvent, type McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { encrypt } from "../../src/fernet/index.js";
import { createJsonLogger } from "../../src/logger.js";
import {
  type GuideFeed,
  type GuideFeedOptions,
  startGuideFeed,
} from "../fixtures/guide-feed-server.js";
import { waitFor } from "../helpers/wait-for.js";
import { startV1SseServer } from "./transports/helpers.js";

interface Setup {
  feed: GuideFeed;
  mcps: McpsManager;
  events: McpsEvent[];
  logs: string[];
}

const open: Setup[] = [];
after(async () => {
  for (const s of open) {
    await s.mcps.close();
    await s.feed.close();
  }
});

async function setup(
  entry: Record<string, unknown>,
  feedOptions: GuideFeedOptions = {},
  refreshToken?: (server: string) => Promise<Record<string, string>>,
): Promise<Setup> {
  const feed = await startGuideFeed({ intervalMs: 0, ...feedOptions });
  const events: McpsEvent[] = [];
  const logs: string[] = [];
  const mcps = await connectMcps(
    { mcps: [{ name: "feed", url: feed.url, transport: "sse", timeout: 5, ...entry }] },
    {
      onEvent: (event) => void events.push(event),
      logger: createJsonLogger((line) => logs.push(line), "debug"),
      ...(refreshToken === undefined ? {} : { refreshToken }),
    },
  );
  const s = { feed, mcps, events, logs };
  open.push(s);
  return s;
}

const ofType = (events: McpsEvent[], type: string) => events.filter((e) => e.type === type);
const stateOf = (mcps: McpsManager) => mcps.servers()[0]?.state;

describe("event feeds: detection on the legacy SSE stream", () => {
  it("a legacy MCP server still connects as MCP, with one GET and no extra request", async () => {
    const legacy = await startV1SseServer();
    try {
      const mcps = await connectMcps({ mcps: [{ name: "m", url: legacy.url, transport: "sse" }] });
      try {
        assert.equal(mcps.servers()[0]?.state, "ready");
        assert.ok(mcps.tools().some((t) => t.name === "echo"));
        const result = await mcps.call("m", "echo", { text: "hi" });
        assert.deepEqual(result.content, [{ type: "text", text: "hi" }]);
        assert.equal(legacy.seen.filter((r) => r.method === "GET").length, 1);
      } finally {
        await mcps.close();
      }
    } finally {
      await legacy.close();
    }
  });

  it("a guide feed is detected (kind auto): one GET, the first event delivered, tools over RPC", async () => {
    const { feed, mcps, events } = await setup({}, { ids: true });
    assert.equal(stateOf(mcps), "ready");
    assert.deepEqual(
      mcps.tools().map((t) => t.qualifiedName),
      ["feed__realtime_monitor", "feed__fail"],
    );
    await waitFor(() => ofType(events, "data_update").length >= 1, { message: "first event" });
    const first = ofType(events, "data_update")[0];
    assert.equal((first?.data as { payload: { seq: number } } | undefined)?.payload.seq, 1);
    assert.equal(first?.id, "1");
    feed.push({ event: "data_update", payload: { value: 7 } });
    await waitFor(() => ofType(events, "data_update").length >= 2, { message: "second event" });
    assert.equal(feed.stats.gets, 1);
    // The one `connecting` announced by the MCP attempt, then ready: no failure on the way.
    const states = ofType(events, "state").map((e) => (e.data as { to: string }).to);
    assert.deepEqual(states, ["connecting", "ready"]);
    assert.equal(ofType(events, "error").length, 0);
  });

  it("transport auto: the Streamable HTTP POST is refused (405), the legacy GET finds a feed", async () => {
    const { feed, mcps, events } = await setup({ transport: "auto" });
    assert.equal(stateOf(mcps), "ready");
    await waitFor(() => ofType(events, "data_update").length >= 1, { message: "first event" });
    assert.equal(feed.stats.gets, 1);
  });

  it("kind feed connects directly; kind mcp keeps today's behaviour (no endpoint: failed)", async () => {
    const direct = await setup({ kind: "feed" });
    assert.equal(stateOf(direct.mcps), "ready");
    await waitFor(() => ofType(direct.events, "data_update").length >= 1, { message: "event" });
    assert.equal(direct.feed.stats.gets, 1);

    const mcp = await setup({ kind: "mcp", timeout: 0.3 });
    assert.equal(stateOf(mcp.mcps), "failed");
    assert.equal(mcp.mcps.servers()[0]?.error?.code, "CLIENT_ENDPOINT_TIMEOUT");
  });
});

describe("event feeds: the event model", () => {
  it("types events from their `event` field, keeps the whole object, ids from the object", async () => {
    const { feed, events } = await setup({ kind: "feed" });
    feed.push({ event: "tool_result", id: "r-1", result: { ok: true } });
    feed.push({ priority: 5, payload: { value: 1 } });
    await waitFor(() => ofType(events, "message").length >= 1, { message: "message event" });
    const result = ofType(events, "tool_result")[0];
    assert.equal(result?.id, "r-1");
    assert.deepEqual((result?.data as { result: unknown } | undefined)?.result, { ok: true });
    const plain = ofType(events, "message")[0];
    assert.equal((plain?.data as { priority: number } | undefined)?.priority, 5);
  });

  it("a data line that is not JSON: a warning naming the server, a message event with the text; the stream goes on", async () => {
    const { feed, events, logs } = await setup({ kind: "feed" });
    feed.pushRaw("this is not json");
    feed.push({ event: "after" });
    await waitFor(() => ofType(events, "after").length === 1, {
      message: "event after the bad one",
    });
    assert.deepEqual(
      ofType(events, "message").map((e) => e.data),
      ["this is not json"],
    );
    const warning = logs.map((l) => JSON.parse(l)).find((l) => /not JSON/.test(l.msg));
    assert.equal(warning?.level, "warn");
    assert.match(warning?.msg, /server "feed"/);
  });
});

describe("event feeds: encrypted payloads", () => {
  it("with encryption_key, a feed event's encrypted_payload is delivered decrypted", async () => {
    const key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
    const { feed, events } = await setup({ kind: "feed", encryption_key: key });
    feed.push({ event: "secret_update", encrypted_payload: encrypt('{"value":99}', key) });
    await waitFor(() => ofType(events, "secret_update").length === 1, { message: "decrypted" });
    // The guide's semantics: the plaintext goes into `payload`, the rest of the object stays.
    const data = ofType(events, "secret_update")[0]?.data as Record<string, unknown>;
    assert.deepEqual(data["payload"], { value: 99 });
    assert.equal(data["event"], "secret_update");
    assert.equal("encrypted_payload" in data, false);
  });
});

describe("event feeds: reconnection", () => {
  it("reconnects with Last-Event-ID when the feed sends ids, and loses no event", async () => {
    const { feed, mcps, events } = await setup(
      { kind: "feed", reconnect_interval: 0.01 },
      { ids: true },
    );
    feed.push({ event: "data_update", payload: { n: 2 } });
    await waitFor(() => ofType(events, "data_update").length === 2, { message: "two events" });
    feed.drop();
    await waitFor(() => feed.stats.gets === 2, { message: "second GET" });
    assert.equal(feed.stats.lastEventIds[1], "2");
    await waitFor(() => stateOf(mcps) === "ready" && ofType(events, "data_update").length >= 3, {
      message: "ready again with the next event",
    });
    const listed = () =>
      feed.rpcBodies.filter((b) => (b as { method?: string }).method === "tools/list").length;
    await waitFor(() => listed() === 2, { message: "tools listed again after the reconnect" });
    const seqs = ofType(events, "data_update").map((e) => Number(e.id));
    assert.deepEqual(seqs.slice(0, 3), [1, 2, 3]);
    const states = ofType(events, "state").map((e) => (e.data as { to: string }).to);
    assert.deepEqual(states.slice(-2), ["reconnecting", "ready"]);
  });

  it("max_reconnects failures in a row: failed", async () => {
    const { feed, mcps } = await setup({
      kind: "feed",
      reconnect_interval: 0.01,
      max_reconnects: 2,
    });
    await feed.close();
    await waitFor(() => stateOf(mcps) === "failed", { message: "failed" });
    assert.equal(mcps.tools().length, 0);
    assert.match(mcps.servers()[0]?.error?.code ?? "", /EXHAUSTED|STREAM_ENDED/);
  });
});

describe("event feeds: tools over RPC", () => {
  for (const style of ["plain", "jsonrpc"] as const) {
    it(`calls tools and reports a failing tool as CLIENT_TOOL_ERROR (${style} answers)`, async () => {
      const { feed, mcps } = await setup({ kind: "feed" }, { rpc: style });
      const result = await mcps.call("feed", "realtime_monitor", { stream_id: "S" });
      assert.deepEqual(result.content, [{ type: "text", text: "Started monitoring stream: S" }]);
      const sent = feed.rpcBodies.at(-1) as Record<string, unknown>;
      assert.equal(sent["jsonrpc"], "2.0");
      assert.equal(sent["method"], "tools/call");
      assert.deepEqual(sent["params"], { name: "realtime_monitor", arguments: { stream_id: "S" } });
      await assert.rejects(mcps.call("feed", "fail", {}), (error) => {
        assert.ok(isMcpSseError(error, "CLIENT_TOOL_ERROR"), String(error));
        assert.match(error.message, /Unknown tool: fail/);
        assert.equal(error.details["serverMessage"], "Unknown tool: fail");
        return true;
      });
    });
  }

  it("no RPC endpoint (404): ready with no tools; rpc_url overrides the sibling URL", async () => {
    const none = await setup({ kind: "feed" }, { rpc: "none" });
    assert.equal(stateOf(none.mcps), "ready");
    assert.deepEqual(none.mcps.tools(), []);
    assert.equal(none.feed.stats.posts, 1);

    const elsewhere = await setup({ kind: "feed", rpc_url: `${none.feed.origin}/nowhere` });
    assert.deepEqual(elsewhere.mcps.tools(), []);
    assert.equal(elsewhere.feed.stats.posts, 0);
  });

  it("tools.allow / deny apply", async () => {
    const { mcps } = await setup({ kind: "feed", tools: { deny: ["fail"] } });
    assert.deepEqual(
      mcps.tools().map((t) => t.name),
      ["realtime_monitor"],
    );
    await assert.rejects(mcps.call("feed", "fail", {}), (e) =>
      isMcpSseError(e, "CLIENT_UNKNOWN_TOOL"),
    );
  });

  it("401 on the stream and on the RPC: refreshToken, then the new headers", async () => {
    let current = "t1";
    let refreshes = 0;
    const { feed, mcps } = await setup(
      { kind: "feed", headers: { Authorization: "Bearer stale" } },
      { token: "t1" },
      async () => {
        refreshes += 1;
        return { Authorization: `Bearer ${current}` };
      },
    );
    assert.equal(stateOf(mcps), "ready");
    assert.equal(refreshes, 1);
    current = "t2";
    feed.setToken("t2");
    const result = await mcps.call("feed", "realtime_monitor", { stream_id: "A" });
    assert.equal(result.content.length, 1);
    assert.equal(refreshes, 2);
    assert.ok(feed.stats.rejected401 >= 2);
  });
});
