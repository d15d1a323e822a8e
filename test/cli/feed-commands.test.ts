import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { fakeIO, tempConfig } from "../fixtures/client-cli.js";
import { type GuideFeed, startGuideFeed } from "../fixtures/guide-feed-server.js";

describe("CLI tools | call against a server written the guide's way (an event feed)", () => {
  let feed: GuideFeed;
  let config: { dir: string; cleanup: () => Promise<void> };

  before(async () => {
    feed = await startGuideFeed({ intervalMs: 0 });
    // The config a guide user already has: transport sse, the feed's URL, nothing else.
    config = await tempConfig(
      ["mcps:", "  - name: guide", "    transport: sse", `    url: ${feed.url}`].join("\n"),
    );
  });
  after(async () => {
    await feed?.close();
    await config?.cleanup();
  });

  it("tools lists the feed's RPC tools; call runs one and reports a failing one", async () => {
    const tools = fakeIO(config.dir);
    assert.equal(await run(["tools", "--json"], tools), 0, tools.stderrText());
    assert.deepEqual(
      (JSON.parse(tools.stdoutText()) as { server: string; name: string }[]).map((t) => [
        t.server,
        t.name,
      ]),
      [
        ["guide", "realtime_monitor"],
        ["guide", "fail"],
      ],
    );
    const call = fakeIO(config.dir);
    assert.equal(
      await run(["call", "guide", "realtime_monitor", '{"stream_id":"S1"}'], call),
      0,
      call.stderrText(),
    );
    assert.equal(call.stdoutText(), "Started monitoring stream: S1\n");
    const failing = fakeIO(config.dir);
    assert.equal(await run(["call", "guide", "fail"], failing), 1);
    assert.match(failing.stderrText(), /Unknown tool: fail \[CLIENT_TOOL_ERROR\]/);
  });
});
