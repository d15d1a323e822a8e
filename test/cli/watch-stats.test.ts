import assert from "node:assert/strict";
import { after, before, describe, it, mock } from "node:test";
import { DEFAULT_STATS_INTERVAL_S, startStatsPrinter } from "../../src/cli/commands/watch-stats.js";
import { connectMcps, type McpsManager } from "../../src/client/index.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";

describe("watch --stats: printed on an interval", () => {
  describe("the interval, on fake timers, with a real manager", () => {
    let plain: Fixture;
    let mcps: McpsManager;
    before(async () => {
      plain = await startFixture();
      mcps = await connectMcps({
        mcps: [{ name: "p", transport: "streamable-http", url: plain.url }],
      });
    });
    after(async () => {
      mock.timers.reset();
      await mcps?.close();
      await plain?.close();
    });

    it("prints every interval and once more at exit, never after", async () => {
      mock.timers.enable({ apis: ["setInterval"] });
      // A scrape is async (prom-client) but touches no timer: one macrotask settles it.
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      const printed: string[] = [];
      const stop = startStatsPrinter(mcps, (t) => printed.push(t), DEFAULT_STATS_INTERVAL_S * 1000);
      mock.timers.tick(DEFAULT_STATS_INTERVAL_S * 1000 - 1);
      await settle();
      assert.equal(printed.length, 0);
      mock.timers.tick(1);
      await settle();
      assert.equal(printed.length, 1);
      assert.match(printed[0] ?? "", /^mcp_sse_up\{server="p"\} 1$/m);
      mock.timers.tick(DEFAULT_STATS_INTERVAL_S * 1000 * 2);
      await settle();
      assert.equal(printed.length, 3);
      await stop(true);
      assert.equal(printed.length, 4, "once at exit, printed when stop settles");
      await stop(true);
      mock.timers.tick(DEFAULT_STATS_INTERVAL_S * 1000 * 5);
      await settle();
      assert.equal(printed.length, 4, "stopped");
      mock.timers.reset();
    });
  });
});
