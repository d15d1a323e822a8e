// Issue 11 "every call ends": progress notifications extend a call's timeout, but never past
// its total cap (`max_call_time` / `maxCallTime`), so a server that reports progress forever
// cannot keep a call pending forever.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { McpServer } from "@modelcontextprotocol/server";
import { run } from "../../src/cli/main.js";
import { connectMcps, type McpsManager } from "../../src/client/index.js";
import { DEFAULT_MAX_CALL_TIME_FACTOR } from "../../src/config/defaults.js";
import { isMcpSseError } from "../../src/errors.js";
import { fakeIO, tempConfig } from "../fixtures/client-cli.js";
import { basicServer, type Fixture, startFixture } from "../fixtures/client-servers.js";
import { waitFor } from "../helpers/wait-for.js";

/** basicServer plus `chatty`: progress every 20 ms, never an answer (bounded: 1500 steps). */
function chattyServer(): McpServer {
  const server = basicServer("chatty");
  server.registerTool("chatty", { description: "Progress forever" }, async (ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (let i = 1; i <= 1500 && !ctx.mcpReq.signal.aborted; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (progressToken !== undefined)
        await ctx.mcpReq
          .notify({ method: "notifications/progress", params: { progressToken, progress: i } })
          .catch(() => {});
    }
    return { content: [{ type: "text", text: "gave up" }] };
  });
  return server;
}

async function withChatty(
  extra: Record<string, unknown>,
  body: (mcps: McpsManager, fixture: Fixture) => Promise<void>,
): Promise<void> {
  const fixture = await startFixture({ createServer: chattyServer });
  let mcps: McpsManager | undefined;
  try {
    mcps = await connectMcps({
      mcps: [{ name: "s", transport: "streamable-http", url: fixture.url, timeout: 5, ...extra }],
    });
    await body(mcps, fixture);
  } finally {
    await mcps?.close();
    await fixture.close();
  }
}

/** Start the call, and wait (bounded) for it to settle: a call that never ends fails the test. */
async function settle(call: Promise<unknown>): Promise<unknown> {
  let outcome: { error: unknown } | undefined;
  call.then(
    () => {
      outcome = { error: new Error("the call succeeded") };
    },
    (error: unknown) => {
      outcome = { error };
    },
  );
  const done = await waitFor(() => outcome, { timeout: 15_000, message: "the call to end" });
  return done.error;
}

describe("call lifetime: progress cannot keep a call alive forever", () => {
  it("a { timeout, maxCallTime } call to a tool that sends progress forever rejects with CLIENT_TIMEOUT", async () => {
    await withChatty({}, async (mcps) => {
      const progress: unknown[] = [];
      mcps.on("progress", (event) => void progress.push(event));
      const error = await settle(
        mcps.call("s", "chatty", {}, { timeout: 1000, maxCallTime: 1500 }),
      );
      assert.ok(isMcpSseError(error, "CLIENT_TIMEOUT"), String(error));
      assert.equal(error.details.maxCallTimeMs, 1500);
      assert.match(error.message, /maxCallTime|max_call_time/);
      assert.ok(progress.length > 0, "progress did arrive (and extended the timeout)");
    });
  });

  it("by default the cap is DEFAULT_MAX_CALL_TIME_FACTOR × the call's timeout (regression: { timeout: 2000 } pending past 20 s)", async () => {
    await withChatty({}, async (mcps) => {
      // Progress comes every 20 ms: 1 s between two is a stall only a very busy machine makes
      // (which would end the call by its timeout, not by the cap this test is about).
      const error = await settle(mcps.call("s", "chatty", {}, { timeout: 1000 }));
      assert.ok(isMcpSseError(error, "CLIENT_TIMEOUT"), String(error));
      assert.equal(error.details.maxCallTimeMs, 1000 * DEFAULT_MAX_CALL_TIME_FACTOR);
    });
  });

  it("max_call_time in the config caps calls that use the server's timeout", async () => {
    await withChatty({ timeout: 1, max_call_time: 1.5 }, async (mcps) => {
      const error = await settle(mcps.call("s", "chatty", {}));
      assert.ok(isMcpSseError(error, "CLIENT_TIMEOUT"), String(error));
      assert.equal(error.details.maxCallTimeMs, 1500);
    });
  });

  it("a call that finishes within the cap still succeeds, its progress extending the timeout", async () => {
    await withChatty({}, async (mcps) => {
      const result = await mcps.call(
        "s",
        "slow",
        // 1.5 s in all, past the 1 s timeout; each 300 ms gap leaves 700 ms for a busy machine.
        { steps: 5, gapMs: 300 },
        { timeout: 1000, maxCallTime: 5000 },
      );
      assert.deepEqual(result.content, [{ type: "text", text: "done after 5 steps" }]);
    });
  });

  it("refuses a maxCallTime that is not > 0 (CLIENT_INVALID_OPTION)", async () => {
    await withChatty({}, async (mcps) => {
      for (const maxCallTime of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await assert.rejects(
          mcps.call("s", "echo", { text: "x" }, { maxCallTime }),
          (error: unknown) => isMcpSseError(error, "CLIENT_INVALID_OPTION"),
          String(maxCallTime),
        );
      }
    });
  });
});

describe("call lifetime: mcp-sse call --max-call-time", () => {
  it("ends a call to a tool that sends progress forever (regression: --timeout 2 ran until killed)", async () => {
    const fixture = await startFixture({ createServer: chattyServer });
    const config = await tempConfig(
      ["mcps:", "  - name: s", "    transport: streamable-http", `    url: ${fixture.url}`].join(
        "\n",
      ),
    );
    try {
      const io = fakeIO(config.dir);
      let code: number | undefined;
      void run(["call", "s", "chatty", "--timeout", "1", "--max-call-time", "1.5"], io).then(
        (c) => {
          code = c;
        },
      );
      await waitFor(() => code !== undefined, { timeout: 15_000, message: "the CLI call to end" });
      assert.equal(code, 1);
      assert.match(io.stderrText(), /total cap of 1500 ms/);
    } finally {
      await config.cleanup();
      await fixture.close();
    }
  });
});
