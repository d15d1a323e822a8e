/**
 * `serve()`'s keep-alive for idle client connections (`keepAliveTimeoutMs`, default
 * `DEFAULT_SERVER_KEEP_ALIVE_MS`): advertised to clients as `Keep-Alive: timeout=`, which
 * undici's pools honour, so an agent's connections outlive the pause between two bursts of calls.
 */
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import { test } from "node:test";
import { isMcpSseError } from "../../src/errors.js";
import { DEFAULT_SERVER_KEEP_ALIVE_MS, serve } from "../../src/server/index.js";
import { createTestServer } from "./helpers.js";

/** Two GET /healthz on one kept-alive connection: the advertised timeout and whether the socket was reused. */
async function twoRequests(url: string): Promise<{ keepAlive: string[]; reused: boolean }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const keepAlive: string[] = [];
  const sockets: unknown[] = [];
  try {
    for (let i = 0; i < 2; i++)
      await new Promise<void>((resolve, reject) => {
        const req = request(`${url}/healthz`, { agent }, (res) => {
          keepAlive.push(String(res.headers["keep-alive"]));
          sockets.push(res.socket);
          res.resume();
          res.on("end", resolve);
        });
        req.on("error", reject);
        req.end();
      });
  } finally {
    agent.destroy();
  }
  return { keepAlive, reused: sockets[0] === sockets[1] };
}

test("by default an idle connection is kept DEFAULT_SERVER_KEEP_ALIVE_MS, and told so", async () => {
  assert.equal(DEFAULT_SERVER_KEEP_ALIVE_MS, 65_000);
  const h = await serve({ createServer: createTestServer, port: 0 });
  try {
    const { keepAlive, reused } = await twoRequests(h.url);
    assert.deepEqual(keepAlive, ["timeout=65", "timeout=65"]);
    assert.equal(reused, true);
  } finally {
    await h.close();
  }
});

test("keepAliveTimeoutMs sets it", async () => {
  const h = await serve({ createServer: createTestServer, port: 0, keepAliveTimeoutMs: 10_000 });
  try {
    const { keepAlive } = await twoRequests(h.url);
    assert.deepEqual(keepAlive, ["timeout=10", "timeout=10"]);
  } finally {
    await h.close();
  }
});

test("a keepAliveTimeoutMs of 0, below 0 or not a number is SERVER_INVALID_OPTIONS", async () => {
  for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
    await assert.rejects(
      serve({ createServer: createTestServer, port: 0, keepAliveTimeoutMs: value }),
      (error: unknown) => {
        assert.ok(isMcpSseError(error, "SERVER_INVALID_OPTIONS"), String(error));
        assert.equal(error.details["option"], "keepAliveTimeoutMs");
        assert.match(error.message, /keepAliveTimeoutMs/);
        return true;
      },
    );
});
