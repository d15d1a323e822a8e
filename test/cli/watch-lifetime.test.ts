/**
 * How `mcp-sse watch` ends: with exit 1 and one line once every watched server has failed and
 * stopped reconnecting, and with exit 0 on Ctrl-C even while it is still connecting.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { countingServer, fakeIO, tempConfig } from "../fixtures/client-cli.js";
import { startFixture } from "../fixtures/client-servers.js";
import { waitFor, withTimeout } from "../helpers/wait-for.js";

describe("watch ends when nothing is left to watch", () => {
  it("watch exits 1 with one line once every watched server has failed", async () => {
    const fx = await startFixture();
    const dir = await tempConfig(
      [
        "mcps:",
        "  - name: a",
        "    transport: streamable-http",
        `    url: ${fx.url}`,
        "    timeout: 10",
        "    reconnect_interval: 0.05",
        "    max_reconnects: 1",
        "    ping_interval: 0.3",
      ].join("\n"),
    );
    const io = fakeIO(dir.dir);
    const running = run(["watch"], io);
    try {
      await waitFor(() => io.stderrText().includes("a: ready"), {
        timeout: 20_000,
        message: "watch to report a: ready",
      });
      await fx.close();
      assert.equal(await withTimeout(running, 30_000, "watch of a dead server ending"), 1);
      assert.match(
        io.stderrText(),
        /\nmcp-sse watch: every watched server has failed and stopped reconnecting: a \([A-Z_]+\)\n$/,
      );
    } finally {
      io.abort();
      await running;
      await fx.close();
      await dir.cleanup();
    }
  });

  it("watch stops on Ctrl-C while still connecting", async () => {
    // Accepts the request and never answers: only the abort ends the connect.
    const silent = await countingServer(() => undefined);
    const dir = await tempConfig(
      [
        "mcps:",
        "  - name: slow",
        "    transport: streamable-http",
        `    url: ${silent.url}`,
        "    timeout: 60",
      ].join("\n"),
    );
    const io = fakeIO(dir.dir);
    const running = run(["watch"], io);
    try {
      await waitFor(() => silent.requests() > 0, { timeout: 20_000, message: "watch to connect" });
      io.abort();
      assert.equal(
        await withTimeout(running, 15_000, "watch ending on Ctrl-C while connecting"),
        0,
      );
    } finally {
      io.abort();
      await silent.close();
      await running;
      await dir.cleanup();
    }
  });
});
