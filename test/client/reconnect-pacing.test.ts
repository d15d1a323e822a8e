// Issue 11 item 6, at the connection level: a session lost within DEFAULT_STABLE_CONNECTION_MS
// of becoming ready does not restart the backoff at "attempt 1, at once", so a server that
// drops every session right after initialize is re-initialized on the backoff schedule.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectMcps, type McpsManager } from "../../src/client/index.js";
import { startFixture } from "../fixtures/client-servers.js";
import { recordingLogger } from "../helpers/recording-logger.js";
import { waitFor } from "../helpers/wait-for.js";

describe("connection reconnect pacing", () => {
  it("a session lost right after (re)connecting waits before the next attempt (regression: re-initialize at once, forever)", async () => {
    const fixture = await startFixture();
    const logger = recordingLogger();
    let mcps: McpsManager | undefined;
    try {
      mcps = await connectMcps(
        {
          mcps: [
            {
              name: "s",
              transport: "streamable-http",
              url: fixture.url,
              timeout: 5,
              reconnect_interval: 0.05,
              max_reconnects: 10,
            },
          ],
        },
        { logger },
      );
      const manager = mcps;
      const reconnects = () => logger.lines.filter((l) => l.msg === "reconnecting");
      // Two losses, each right after the server became ready: the session is forgotten and
      // the next call finds out (404 → session lost → re-initialize).
      for (let round = 1; round <= 2; round += 1) {
        await fixture.restart();
        await manager.call("s", "echo", { text: "x" }).catch(() => {});
        await waitFor(() => reconnects().length >= round, { message: `reconnect ${round}` });
        await waitFor(() => manager.servers()[0]?.state === "ready", {
          timeout: 10_000,
          message: `ready again after round ${round}`,
        });
      }
      const delays = reconnects().map((l) => l.delayMs);
      assert.equal(typeof delays[1], "number", JSON.stringify(delays));
      assert.ok((delays[1] as number) > 0, `the second loss waits: ${JSON.stringify(delays)}`);
    } finally {
      await mcps?.close();
      await fixture.close();
    }
  });
});
