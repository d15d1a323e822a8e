import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { fakeIO, tempConfig } from "../fixtures/client-cli.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";
import { startGatedProxy } from "../fixtures/gated-proxy.js";
import { waitFor } from "../helpers/wait-for.js";

const lines = (text: string) =>
  text
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { server: string; type: string; data: Record<string, unknown> });

describe("CLI watch: start-up, --min-priority, --stats against real servers", () => {
  let fast: Fixture;
  let slow: Fixture;
  before(async () => {
    fast = await startFixture();
    slow = await startFixture();
  });
  after(async () => {
    await fast?.close();
    await slow?.close();
  });

  it("a second server slow to connect no longer makes watch miss the first server's early events", async () => {
    const gate = await startGatedProxy(slow.url, { gated: true });
    const config = await tempConfig(
      [
        "mcps:",
        "  - name: fast",
        "    transport: streamable-http",
        `    url: ${fast.url}`,
        "  - name: slow",
        "    transport: streamable-http",
        `    url: ${gate.url}`,
      ].join("\n"),
    );
    const io = fakeIO(config.dir, { DEBUG: "1" });
    let running: Promise<number> | undefined;
    try {
      running = run(["watch", "--type", "early", "--json"], io);
      await waitFor(() => gate.waiting >= 1, { message: "slow held at the gate" });
      // The client logs (DEBUG) when fast's event stream is open; a server drops notifications
      // sent before it, so probe until then.
      await waitFor(
        async () => {
          await fast.broadcast({ event: "probe" });
          return io
            .stderrText()
            .split("\n")
            .some((l) => l.includes('"server":"fast","stream":"standalone","state":"open"'));
        },
        { interval: 50, message: "fast's standalone event stream open" },
      );
      for (let n = 1; n <= 3; n += 1) await fast.broadcast({ event: "early", n });
      gate.open();
      await waitFor(() => lines(io.stdoutText()).length >= 3, {
        message: `the early events printed; stderr: ${io.stderrText().slice(-500)}`,
      });
      io.abort();
      assert.equal(await running, 0);
      assert.deepEqual(
        lines(io.stdoutText()).map((e) => [e.server, e.data["n"]]),
        [
          ["fast", 1],
          ["fast", 2],
          ["fast", 3],
        ],
      );
      const statusLines = io
        .stderrText()
        .split("\n")
        .filter((l) => l.startsWith("watching "));
      assert.deepEqual(
        statusLines,
        ["watching fast: ready, slow: ready"],
        "no repeated status line",
      );
    } finally {
      io.abort();
      await running;
      await gate.close();
      await config.cleanup();
    }
  });

  it("--min-priority N prints only events whose data.priority is at least N", async () => {
    const config = await tempConfig(
      ["mcps:", "  - name: fast", "    transport: streamable-http", `    url: ${fast.url}`].join(
        "\n",
      ),
    );
    const io = fakeIO(config.dir);
    const running = run(["watch", "--type", "data_update", "--json", "--min-priority", "5"], io);
    try {
      await waitFor(() => io.stderrText().includes("watching fast: ready"), { message: "ready" });
      let sent = 0;
      await waitFor(
        async () => {
          sent += 1;
          await fast.broadcast({ event: "data_update", priority: 2, n: sent });
          await fast.broadcast({ event: "data_update", n: sent });
          await fast.broadcast({ event: "data_update", priority: 7, n: sent });
          return lines(io.stdoutText()).length >= 2;
        },
        { interval: 50, message: "two important events printed" },
      );
      io.abort();
      assert.equal(await running, 0);
      for (const ev of lines(io.stdoutText())) assert.equal(ev.data["priority"], 7);
    } finally {
      io.abort();
      await running;
      await config.cleanup();
    }
  });

  it("--stats prints Prometheus text with a server label to stderr at exit", async () => {
    const config = await tempConfig(
      ["mcps:", "  - name: fast", "    transport: streamable-http", `    url: ${fast.url}`].join(
        "\n",
      ),
    );
    const io = fakeIO(config.dir);
    try {
      assert.equal(await run(["watch", "--stats", "--seconds", "0.1"], io), 0);
      const err = io.stderrText();
      assert.match(err, /^# HELP mcp_sse_events_received_total /m);
      assert.match(err, /^# TYPE mcp_sse_events_received_total counter$/m);
      assert.match(err, /^mcp_sse_up\{server="fast"\} 1$/m);
      assert.match(err, /^mcp_sse_handler_max_seconds\{server="fast"\} [0-9.e-]+$/m);
      assert.equal(err.match(/^# TYPE mcp_sse_up gauge$/gm)?.length, 1, "printed once, at exit");
    } finally {
      await config.cleanup();
    }
  });

  it("bad --min-priority and --stats-interval values are usage errors (exit 2)", async () => {
    const io = fakeIO(process.cwd());
    assert.equal(await run(["watch", "--min-priority", "high"], io), 2);
    assert.equal(await run(["watch", "--stats-interval", "0"], io), 2);
    assert.equal(await run(["watch", "--stats-interval", "soon"], io), 2);
    assert.match(io.stderrText(), /--min-priority must be a number/);
  });
});
