import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { serve } from "../../src/server/index.js";
import {
  createStdioServerFactory,
  type StdioSessionServer,
} from "../../src/server/stdio-bridge.js";
import { isAlive } from "../helpers/process.js";
import { waitFor } from "../helpers/wait-for.js";
import { CLIENT_KINDS, connectClient, type InteropClient } from "./clients.js";

const EVERYTHING = fileURLToPath(
  new URL("../../node_modules/.bin/mcp-server-everything", import.meta.url),
);

/**
 * `serve --stdio mcp-server-everything`: the stdio program behind mcp-sse's HTTP host, one
 * child per session, reached by SDK v1 (legacy SSE) and SDK v2 (Streamable HTTP) clients.
 */
describe("stdio server-everything over serve()", () => {
  let server: { url: string; close(): Promise<void> };
  const sessions: StdioSessionServer[] = [];
  const open: InteropClient[] = [];

  before(async () => {
    const factory = createStdioServerFactory(`'${EVERYTHING}' stdio`);
    server = await serve({
      createServer: () => {
        const session = factory();
        sessions.push(session);
        return session;
      },
      host: "127.0.0.1",
      port: 0,
      // Legacy SSE sessions outlive their stream (resumable by Last-Event-ID) until idle. Not
      // much shorter: a Streamable HTTP session has no stream between its requests, and on a
      // loaded machine the gap between initialize and initialized reached 300 ms (reaped:
      // "Session not found").
      idleTimeoutMs: 3000,
    });
  });
  after(async () => {
    for (const c of open) await c.close().catch(() => undefined);
    await server.close();
  });

  for (const kind of CLIENT_KINDS) {
    test(`${kind}: lists and calls server-everything's tools through the bridge`, async () => {
      const client = await connectClient(kind, server.url);
      open.push(client);
      const names = await client.toolNames();
      assert.ok(names.includes("echo") && names.includes("get-sum"), names.join(","));
      assert.equal(await client.callText("echo", { message: `hi ${kind}` }), `Echo: hi ${kind}`);
      assert.match(await client.callText("get-sum", { a: 20, b: 22 }), /\b42\b/);
      await client.close();
    });
  }

  test("two clients (v1 legacy SSE, v2 Streamable HTTP) get two children; closing one ends its child", async () => {
    const before = sessions.length;
    const a = await connectClient("v1-sse", server.url);
    open.push(a);
    const b = await connectClient("v2-streamable", server.url);
    open.push(b);

    for (const c of [a, b]) {
      const names = await c.toolNames();
      assert.ok(names.includes("echo") && names.includes("get-sum"), names.join(","));
      assert.match(await c.callText("echo", { message: `hello from ${c.kind}` }), /hello from/);
    }
    assert.match(await b.callText("get-sum", { a: 2, b: 3 }), /5/);

    const mine = sessions.slice(before);
    assert.equal(mine.length, 2, "one ServerLike per session");
    const pids = mine.map((s) => s.pid);
    assert.ok(pids.every((p) => typeof p === "number" && isAlive(p)));
    assert.notEqual(pids[0], pids[1], "children are never shared");

    await a.close();
    // The legacy session has no stream now: reaped after idleTimeoutMs, which ends its child.
    await waitFor(() => !isAlive(pids[0] as number), {
      timeout: 15_000,
      message: "the legacy SSE session's child to exit",
    });
    assert.ok(isAlive(pids[1] as number), "the other session's child keeps running");
    assert.match(await b.callText("echo", { message: "still here" }), /still here/);

    await b.close();
    await waitFor(() => !isAlive(pids[1] as number), {
      timeout: 15_000,
      message: "the Streamable HTTP session's child to exit",
    });
  });
});
