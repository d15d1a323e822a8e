/**
 * Regressions of the client manager found in review, each against real servers on port 0:
 * how cancelled and closed calls are reported, the manager's abort listener, qualified-name
 * routing with overlapping server names, secret_headers in logs, and call timeouts.
 */
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { after, before, describe, it } from "node:test";
import { connectMcps, type McpsManager } from "../../src/client/index.js";
import { routeQualified } from "../../src/client/manager.js";
import { createClientTransport } from "../../src/client/transports/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { createJsonLogger } from "../../src/logger.js";
import { basicServer, type Fixture, startFixture } from "../fixtures/client-servers.js";

/** The code of what `promise` rejected with (fails when it resolves). */
async function rejectionCode(promise: Promise<unknown>): Promise<{ code: string; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isMcpSseError(error), `not an McpSseError: ${String(error)}`);
    return { code: error.code, error };
  }
  assert.fail("the call resolved");
}

const server = (name: string, url: string, extra: Record<string, unknown> = {}) => ({
  name,
  transport: "streamable-http",
  url,
  timeout: 20,
  max_reconnects: 0,
  ...extra,
});

describe("manager regressions: cancelled and closed calls", () => {
  let fixture: Fixture;
  let mcps: McpsManager | undefined;

  before(async () => {
    fixture = await startFixture();
  });
  after(async () => {
    await mcps?.close();
    await fixture.close();
  });

  it("a caller abort was reported as CLIENT_TIMEOUT: it is CLIENT_ABORTED", async () => {
    mcps = await connectMcps({ mcps: [server("a", fixture.url)] });
    const controller = new AbortController();
    const call = mcps.call("a", "hang", {}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const { code, error } = await rejectionCode(call);
    assert.equal(code, "CLIENT_ABORTED");
    assert.match((error as Error).message, /"hang" on server "a" was cancelled by the caller/);
  });

  it("a caller's AbortSignal.timeout was reported as CLIENT_TIMEOUT: it is CLIENT_ABORTED (TimeoutError)", async () => {
    assert.ok(mcps !== undefined);
    const { code, error } = await rejectionCode(
      mcps.call("a", "hang", {}, { signal: AbortSignal.timeout(50) }),
    );
    assert.equal(code, "CLIENT_ABORTED");
    assert.equal((error as { details: Record<string, unknown> }).details["reason"], "TimeoutError");
  });

  it("a call with timeout 0 (it meant 'never time out') is refused with CLIENT_INVALID_OPTION", async () => {
    assert.ok(mcps !== undefined);
    for (const timeout of [0, -1, Number.NaN, 2 ** 31]) {
      const { code } = await rejectionCode(mcps.call("a", "echo", { text: "x" }, { timeout }));
      assert.equal(code, "CLIENT_INVALID_OPTION", `timeout ${timeout}`);
    }
  });

  it("a call cut by close() was reported as CLIENT_CONNECTION_LOST: it is CLIENT_CLOSED", async () => {
    assert.ok(mcps !== undefined);
    const manager = mcps;
    // Handled from the start: close() rejects the call while it is awaited.
    const settled = rejectionCode(manager.call("a", "hang", {}));
    // Let the request reach the server before closing.
    await new Promise((resolve) => setTimeout(resolve, 100));
    await manager.close();
    const { code } = await settled;
    assert.equal(code, "CLIENT_CLOSED");
  });
});

describe("manager regressions: options.signal", () => {
  it("close() left its abort listener on options.signal (a long-lived signal kept closed managers alive)", async () => {
    const fixture = await startFixture();
    const controller = new AbortController();
    try {
      const mcps = await connectMcps(
        { mcps: [server("a", fixture.url)] },
        { signal: controller.signal },
      );
      assert.equal(getEventListeners(controller.signal, "abort").length, 1);
      await mcps.close();
      assert.equal(getEventListeners(controller.signal, "abort").length, 0);
    } finally {
      await fixture.close();
    }
  });

  it("an already-aborted signal left a manager connected that nothing would close: CLIENT_ABORTED, nothing connected", async () => {
    const fixture = await startFixture();
    try {
      await assert.rejects(
        connectMcps({ mcps: [server("a", fixture.url)] }, { signal: AbortSignal.abort() }),
        (e: unknown) => isMcpSseError(e, "CLIENT_ABORTED"),
      );
    } finally {
      await fixture.close();
    }
  });
});

describe("manager regressions: callQualified with overlapping server names", () => {
  let a: Fixture;
  let ab: Fixture;
  let mcps: McpsManager | undefined;

  before(async () => {
    a = await startFixture({ createServer: () => basicServer("a") });
    ab = await startFixture({ createServer: () => basicServer("a__b") });
  });
  after(async () => {
    await mcps?.close();
    await a.close();
    await ab.close();
  });

  it("servers a and a__b: a__b__echo went to server a (first prefix, not the longest)", async () => {
    // "a" first in the config: the first-match routing tried a's tool "b__echo".
    mcps = await connectMcps({ mcps: [server("a", a.url), server("a__b", ab.url)] });
    const result = await mcps.callQualified("a__b__echo", { text: "hi" });
    assert.deepEqual(result.content, [{ type: "text", text: "a__b:hi" }]);
    const plain = await mcps.callQualified("a__echo", { text: "hi" });
    assert.deepEqual(plain.content, [{ type: "text", text: "a:hi" }]);
  });

  it("routeQualified prefers the server that has the tool, then the longest name", () => {
    const servers = [
      { name: "a", tools: [{ name: "b__x" }] },
      { name: "a__b", tools: [{ name: "y" }] },
    ];
    assert.deepEqual(routeQualified("a__b__x", "__", servers), { server: "a", tool: "b__x" });
    assert.deepEqual(routeQualified("a__b__y", "__", servers), { server: "a__b", tool: "y" });
    assert.deepEqual(routeQualified("a__b__z", "__", servers), { server: "a__b", tool: "z" });
    assert.equal(routeQualified("c__x", "__", servers), undefined);
  });
});

describe("manager regressions: secret_headers", () => {
  it("secret_headers was read nowhere: the server's logs (its transport's too) redact the headers it names", async () => {
    const fixture = await startFixture();
    const lines: string[] = [];
    const logger = createJsonLogger((line) => lines.push(line), "debug");
    try {
      const mcps = await connectMcps(
        {
          mcps: [
            server("a", fixture.url, {
              headers: { "X-Tenant": "tenant-7f3a9c", "X-Trace": "visible-trace" },
              secret_headers: ["X-Tenant"],
            }),
          ],
        },
        {
          logger,
          // A transport that logs its headers and an error echoing one (what the wrapper guards).
          createTransport: (options) => {
            options.logger?.info({ headers: options.server.headers }, "transport headers");
            options.logger?.warn({ err: new Error("unknown tenant tenant-7f3a9c") }, "echo");
            return createClientTransport(options);
          },
        },
      );
      await mcps.close();
      const text = lines.join("");
      assert.ok(text.includes("transport headers"), "the transport's line was logged");
      assert.ok(!text.includes("tenant-7f3a9c"), text);
      assert.ok(text.includes("visible-trace"), "a header secret_headers does not name stays");
    } finally {
      await fixture.close();
    }
  });
});
