import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isFeedEvent, rpcUrlOf } from "../../src/cli/commands/doctor-feed.js";
import { run } from "../../src/cli/main.js";
import { fakeIO } from "../fixtures/client-cli.js";
import { type PlainFeed, startPlainFeed } from "../fixtures/plain-feed-server.js";

interface CheckJson {
  name: string;
  status: string;
  detail: string;
}

async function doctorJson(url: string): Promise<{ code: number; checks: CheckJson[] }> {
  const io = fakeIO(process.cwd());
  const code = await run(["doctor", url, "--stream-wait", "0.3", "--timeout", "5", "--json"], io);
  return { code, checks: JSON.parse(io.stdoutText()) as CheckJson[] };
}

describe("CLI doctor recognises a plain event feed", () => {
  let feed: PlainFeed;
  let noRpc: PlainFeed;
  before(async () => {
    feed = await startPlainFeed({ intervalMs: 20 });
    noRpc = await startPlainFeed({ intervalMs: 20, rpc: false });
  });
  after(async () => {
    await feed?.close();
    await noRpc?.close();
  });

  it("a healthy feed with tools at …/rpc: 'event feed: N events in T s, no MCP endpoint; tools at …/rpc: yes', exit 0", async () => {
    const { code, checks } = await doctorJson(feed.url);
    assert.equal(code, 0, JSON.stringify(checks));
    assert.deepEqual(
      checks.filter((c) => c.status === "fail"),
      [],
    );
    const transport = checks.find((c) => c.name === "transport");
    assert.equal(transport?.status, "ok");
    const rpc = feed.url.replace(/\/sse$/, "/rpc");
    const match = transport?.detail.match(
      /^event feed: (\d+) events? in (\d+\.\d) s, no MCP endpoint; tools at (\S+): yes \(1 tool\)$/,
    );
    assert.ok(match, transport?.detail);
    assert.ok(Number(match[1]) >= 1);
    assert.equal(match[3], rpc);
    assert.equal(checks.find((c) => c.name === "content-type")?.status, "ok");
    assert.equal(
      checks.find((c) => c.name === "mcp-initialize"),
      undefined,
      "not an MCP server",
    );
  });

  it("a feed without …/rpc: tools 'no (HTTP 404 …)', still exit 0", async () => {
    const { code, checks } = await doctorJson(noRpc.url);
    assert.equal(code, 0, JSON.stringify(checks));
    const transport = checks.find((c) => c.name === "transport");
    assert.match(
      transport?.detail ?? "",
      /^event feed: \d+ events? in .*tools at \S+\/rpc: no \(HTTP 404/,
    );
  });

  it("the readable output names it an event feed", async () => {
    const io = fakeIO(process.cwd());
    assert.equal(await run(["doctor", feed.url, "--stream-wait", "0.2"], io), 0);
    assert.match(io.stdoutText(), /^ok\s+transport\s+event feed: \d+ events? in/m);
  });

  it("rpcUrlOf: the sibling …/rpc of a URL ending in /sse only; isFeedEvent: unnamed JSON objects", () => {
    assert.equal(rpcUrlOf("http://h:1/mcp/sse?x=1")?.href, "http://h:1/mcp/rpc");
    assert.equal(rpcUrlOf("http://h:1/sse")?.href, "http://h:1/rpc");
    assert.equal(rpcUrlOf("http://h:1/events"), undefined);
    const ev = (type: string, data: string) => ({ type, data, lastEventId: "" });
    assert.ok(isFeedEvent(ev("message", '{"event":"data_update"}')));
    assert.ok(!isFeedEvent(ev("endpoint", "/messages?sessionId=1")));
    assert.ok(!isFeedEvent(ev("message", "plain text")));
    assert.ok(!isFeedEvent(ev("message", "[1,2]")));
    assert.ok(!isFeedEvent(ev("data_update", "{}")), "a named event is not the guide's plain feed");
  });
});
