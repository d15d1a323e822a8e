/**
 * Idle pooled connections (src/client/http.ts, `DEFAULT_KEEP_ALIVE_TIMEOUT_MS`): a server
 * whose answers carry no `Keep-Alive: timeout=` hint (as `@hono/node-server`'s, which set
 * `Connection: keep-alive` themselves) closes idle connections at its own timeout, unsaid. Our
 * pool must let go of them first, or a POST sent on one the server is closing fails.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { Socket } from "node:net";
import { test } from "node:test";
import { dispatchOf } from "../../../src/client/dispatch-mark.js";
import { createFetchPool, DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from "../../../src/client/http.js";
import { waitFor } from "../../helpers/wait-for.js";
import { listen, serverConfig } from "./helpers.js";

test("the default keep-alive is shorter than a Node server's own idle timeout", () => {
  const node = createServer();
  assert.ok(
    DEFAULT_KEEP_ALIVE_TIMEOUT_MS < node.keepAliveTimeout,
    `${DEFAULT_KEEP_ALIVE_TIMEOUT_MS} ms against Node's ${node.keepAliveTimeout} ms`,
  );
});

test("without a Keep-Alive hint, the pool closes an idle connection at its own keep-alive", async () => {
  let socket: Socket | undefined;
  let closedAt = 0;
  const host = await listen((req, res) => {
    socket ??= req.socket;
    socket.once("close", () => {
      closedAt = performance.now();
    });
    req.resume();
    // What @hono/node-server sends: Connection set by hand, so Node adds no Keep-Alive hint.
    res.writeHead(202, { connection: "keep-alive", "content-length": "8" }).end("Accepted");
  });
  host.server.keepAliveTimeout = 60_000; // the server would keep it: the client must close it
  const keepAliveTimeoutMs = 300;
  const pool = createFetchPool(serverConfig({ name: "keep-alive" }), { keepAliveTimeoutMs });
  try {
    const post = dispatchOf(pool.fetch);
    assert.ok(post);
    const answer = await post(`${host.origin}/messages`, {
      method: "POST",
      body: "{}",
      redirect: "error",
    });
    assert.equal(answer.headers.get("keep-alive"), null);
    assert.equal(await answer.text(), "Accepted");
    // The server would keep it for a minute: only the client's keep-alive can close it now.
    await waitFor(() => closedAt > 0, { timeout: 10_000, message: "the client closed it" });
  } finally {
    await pool.close(0);
    await host.close();
  }
});
