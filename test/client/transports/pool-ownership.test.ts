/**
 * Regression: one undici Agent was cached per `ServerConfig` object at module level, so two
 * managers built from the same config shared it. Closing one (`closeFetch` → `agent.close()`)
 * waited for the other's long-lived GET stream — forever — and every later request of the
 * other failed with UND_ERR_CLOSED. Now each transport owns its pool, and a pool close is
 * bounded (grace, then destroy).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { closeFetch, createFetch, createFetchPool } from "../../../src/client/http.js";
import { connectMcps, loadConfig } from "../../../src/index.js";
import { startFixture } from "../../fixtures/client-servers.js";
import { withTimeout } from "../../helpers/wait-for.js";
import { listen, serverConfig } from "./helpers.js";

test("two managers built from one config object: closing one neither hangs on nor breaks the other", async () => {
  const fixture = await startFixture();
  const config = await loadConfig({
    mcps: [{ name: "a", transport: "streamable-http", url: fixture.url, timeout: 5 }],
  });
  const first = await connectMcps(config);
  const second = await connectMcps(config);
  try {
    assert.equal(first.servers()[0]?.state, "ready");
    assert.equal(second.servers()[0]?.state, "ready");
    // Both hold a standalone GET stream open; closing `first` must not wait for `second`'s.
    await withTimeout(first.close(), 5_000, "first manager's close()");
    const result = (await withTimeout(
      second.call("a", "echo", { text: "still here" }),
      5_000,
      "second manager's call",
    )) as { content: { text: string }[] };
    assert.match(result.content[0]?.text ?? "", /still here/);
  } finally {
    await withTimeout(first.close(), 5_000, "first close (again)");
    await withTimeout(second.close(), 5_000, "second close");
    await fixture.close();
  }
});

test("closing a pool with a stream still open is bounded: destroyed after the grace", async () => {
  const server = await listen((_req, res) => {
    // An SSE stream nobody ends: Agent.close() alone would wait for it forever.
    res.writeHead(200, { "Content-Type": "text/event-stream" });
    res.write(": open\n\n");
  });
  const pool = createFetchPool(serverConfig({ url: server.origin }));
  try {
    const response = await pool.fetch(`${server.origin}/stream`);
    const reader = response.body?.getReader();
    assert.ok(reader !== undefined);
    await reader.read();
    await withTimeout(pool.close(50), 5_000, "pool.close(50) with an open stream");
    await assert.rejects(
      withTimeout(
        (async () => {
          for (;;) if ((await reader.read()).done) throw new Error("ended cleanly");
        })(),
        5_000,
        "reading the destroyed stream",
      ),
      (e: Error) => !/ended cleanly|did not settle/.test(e.message),
    );
    await assert.rejects(pool.fetch(`${server.origin}/again`), "a closed pool takes no request");
  } finally {
    // Server first: it cuts the stream, so even an unbounded close would end.
    await server.close();
    await withTimeout(pool.close(), 5_000, "pool.close()");
  }
});

test("closeFetch closes only the createFetch cache, with the same bounded grace", async () => {
  const server = await listen((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/event-stream" });
    res.write(": open\n\n");
  });
  const config = serverConfig({ url: server.origin });
  const own = createFetchPool(config);
  const cached = createFetch(config);
  try {
    const held = await cached(`${server.origin}/held`);
    await withTimeout(closeFetch(config, 50), 5_000, "closeFetch with an open stream");
    await held.body?.cancel().catch(() => undefined);
    // The pool another owner made for the same config object is untouched.
    const response = await own.fetch(`${server.origin}/own`);
    assert.equal(response.status, 200);
    await response.body?.cancel();
  } finally {
    await server.close();
    await withTimeout(own.close(), 5_000, "own pool close");
    await withTimeout(closeFetch(config), 5_000, "closeFetch (again)");
  }
});
