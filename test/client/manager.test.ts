import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connectMcps, type McpsManager } from "../../src/client/index.js";
import { routeQualified } from "../../src/client/manager.js";
import { isMcpSseError } from "../../src/errors.js";
import {
  basicServer,
  type Fixture,
  startFixture,
  streamableEntry,
} from "../fixtures/client-servers.js";
import { unusedPort } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

describe("connectMcps: two servers from a config file, and a dead one", () => {
  let alpha: Fixture;
  let beta: Fixture;
  let dir: string;
  let mcps: McpsManager;

  before(async () => {
    alpha = await startFixture({ createServer: () => basicServer("alpha") });
    beta = await startFixture({ createServer: () => basicServer("beta") });
    dir = await mkdtemp(join(tmpdir(), "mcps-"));
    const port = await unusedPort();
    await writeFile(
      join(dir, "mcps.yaml"),
      [
        "mcps:",
        "  - name: alpha",
        "    transport: streamable-http",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is config interpolation
        "    url: ${ALPHA_URL}",
        "    timeout: 5",
        "  - name: beta",
        "    transport: streamable-http",
        `    url: ${beta.url}`,
        "    tools: { deny: [hang] }",
        "  - name: dead",
        "    transport: streamable-http",
        `    url: http://127.0.0.1:${port}/mcp`,
        "    timeout: 2",
        "    max_reconnects: 0",
        "  - name: off",
        "    url: http://127.0.0.1:1/mcp",
        "    enabled: false",
      ].join("\n"),
    );
    mcps = await connectMcps("mcps.yaml", { cwd: dir, env: { ALPHA_URL: alpha.url } });
  });
  after(async () => {
    await mcps?.close();
    await alpha?.close();
    await beta?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists tools of both servers with qualified names, filtered by tools.deny", () => {
    const names = mcps
      .tools()
      .map((t) => t.qualifiedName)
      .sort();
    assert.deepEqual(names, [
      "alpha__add",
      "alpha__echo",
      "alpha__fail",
      "alpha__hang",
      "alpha__slow",
      "beta__add",
      "beta__echo",
      "beta__fail",
      "beta__slow",
    ]);
    const echo = mcps.tools().find((t) => t.qualifiedName === "beta__echo");
    assert.equal(echo?.description, "Echo the text back");
    assert.equal((echo?.inputSchema as { type?: string } | undefined)?.type, "object");
  });

  it("routes calls to the right server, by name and by qualified name", async () => {
    const a = await mcps.call("alpha", "echo", { text: "hi" });
    assert.deepEqual(a.content, [{ type: "text", text: "alpha:hi" }]);
    const b = await mcps.callQualified("beta__echo", { text: "yo" });
    assert.deepEqual(b.content, [{ type: "text", text: "beta:yo" }]);
  });

  it("the dead server fails alone, with its reason in servers()", () => {
    const byName = Object.fromEntries(mcps.servers().map((s) => [s.name, s]));
    assert.equal(byName["alpha"]?.state, "ready");
    assert.equal(byName["beta"]?.state, "ready");
    assert.equal(byName["dead"]?.state, "failed");
    assert.ok(byName["dead"]?.error?.message, "a failed server says why");
    assert.equal(byName["off"]?.state, "disabled");
  });

  it("typed errors: unknown server, unknown or denied tool, not ready, disabled", async () => {
    await assert.rejects(mcps.call("nope", "echo", {}), (e) =>
      isMcpSseError(e, "CLIENT_UNKNOWN_SERVER"),
    );
    await assert.rejects(mcps.call("off", "echo", {}), (e) =>
      isMcpSseError(e, "CLIENT_UNKNOWN_SERVER"),
    );
    await assert.rejects(mcps.call("alpha", "nope", {}), (e) =>
      isMcpSseError(e, "CLIENT_UNKNOWN_TOOL"),
    );
    await assert.rejects(mcps.call("beta", "hang", {}), (e) =>
      isMcpSseError(e, "CLIENT_UNKNOWN_TOOL"),
    );
    await assert.rejects(mcps.call("dead", "echo", {}), (e) =>
      isMcpSseError(e, "CLIENT_NOT_READY"),
    );
    await assert.rejects(mcps.callQualified("zzz__echo", {}), (e) =>
      isMcpSseError(e, "CLIENT_UNKNOWN_TOOL"),
    );
  });

  it("a tool error result is returned (isError), a JSON-RPC error is CLIENT_TOOL_ERROR", async () => {
    const failed = await mcps.call("alpha", "fail", {});
    assert.equal(failed.isError, true);
    const bad = await mcps.call("alpha", "add", { a: "x", b: 1 }).then(
      (r) => r,
      (e: unknown) => e,
    );
    // The SDK server reports invalid arguments either as a JSON-RPC error or as an isError result.
    if (isMcpSseError(bad)) assert.equal(bad.code, "CLIENT_TOOL_ERROR");
    else assert.equal((bad as { isError?: boolean }).isError, true);
  });

  it("a call that never answers times out with CLIENT_TIMEOUT naming server, tool and ms", async () => {
    await assert.rejects(mcps.call("alpha", "hang", {}, { timeout: 200 }), (e) => {
      assert.ok(isMcpSseError(e, "CLIENT_TIMEOUT"));
      assert.match(e.message, /hang/);
      assert.match(e.message, /alpha/);
      assert.match(e.message, /200 ms/);
      return true;
    });
  });

  it("progress notifications extend the timeout of a long call, and arrive as progress events", async () => {
    const progress: unknown[] = [];
    const off = mcps.on("progress", (ev) => {
      progress.push(ev.data);
    });
    // 1 s of work in 20 ms steps against a 700 ms timeout: only progress keeps it alive.
    const result = await mcps.call("alpha", "slow", { steps: 50, gapMs: 20 }, { timeout: 700 });
    assert.deepEqual(result.content, [{ type: "text", text: "done after 50 steps" }]);
    await waitFor(() => progress.length >= 40, { message: "40 progress events" });
    off();
    assert.deepEqual(Object.keys(progress[0] as object).sort(), ["progress", "tool", "total"]);
  });

  it("metrics count calls per server as a plain JSON object", () => {
    const metrics = mcps.metrics();
    const alphaMetrics = metrics.servers["alpha"];
    assert.ok(alphaMetrics);
    assert.equal(alphaMetrics.state, "ready");
    assert.ok(alphaMetrics.calls.count >= 3);
    assert.ok(alphaMetrics.calls.errors >= 2);
    assert.ok(
      alphaMetrics.calls.latencyMs &&
        alphaMetrics.calls.latencyMs.max >= alphaMetrics.calls.latencyMs.min,
    );
    assert.equal(metrics.servers["dead"]?.state, "failed");
    assert.deepEqual(JSON.parse(JSON.stringify(metrics)), metrics);
  });
});

describe("connectMcps: options.signal", () => {
  it("close() left its abort listener on options.signal (a long-lived signal kept closed managers alive)", async () => {
    const fixture = await startFixture();
    const controller = new AbortController();
    try {
      const mcps = await connectMcps(
        { mcps: [streamableEntry("a", fixture.url)] },
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
        connectMcps({ mcps: [streamableEntry("a", fixture.url)] }, { signal: AbortSignal.abort() }),
        (e: unknown) => isMcpSseError(e, "CLIENT_ABORTED"),
      );
    } finally {
      await fixture.close();
    }
  });
});

describe("callQualified with overlapping server names", () => {
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
    mcps = await connectMcps({
      mcps: [streamableEntry("a", a.url), streamableEntry("a__b", ab.url)],
    });
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
