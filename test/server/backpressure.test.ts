import assert from "node:assert/strict";
import { connect } from "node:net";
import { describe, test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { ServeHandle } from "../../src/server/index.js";
import { serve } from "../../src/server/index.js";
import { waitFor } from "../helpers/wait-for.js";
import { createTestServer, INIT_PARAMS, postJson } from "./helpers.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

async function counterValue(
  h: ServeHandle,
  name: "slowClientDisconnects" | "messagesOut",
): Promise<number> {
  const metric = await h.handler.metrics[name].get();
  return metric.values.reduce((sum, v) => sum + v.value, 0);
}

describe("backpressure and memory bounds", () => {
  test("a client that never reads is disconnected, counted, and memory stays bounded", async () => {
    const h = await serve({
      createServer: createTestServer,
      port: 0,
      maxBufferedBytes: 256 * 1024,
      eventLogSize: 50,
      keepAliveMs: 0,
    });
    const { port } = new URL(h.url);
    const socket = connect(Number(port), "127.0.0.1");
    try {
      socket.write(
        `GET /sse HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`,
      );
      let head = "";
      const sessionId = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no endpoint event")), 10_000);
        socket.on("data", (d: Buffer) => {
          head += d.toString("utf8");
          const m = /sessionId=([0-9a-f-]{36})/.exec(head);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
      });
      // From here on the client reads nothing: the kernel buffers fill, then ours.
      socket.removeAllListeners("data");
      socket.pause();
      const heapBefore = heapAfterGc();
      const url = `${h.url}/messages?sessionId=${sessionId}`;
      await postJson(url, { jsonrpc: "2.0", id: 1, method: "initialize", params: INIT_PARAMS });
      await postJson(url, { jsonrpc: "2.0", method: "notifications/initialized" });
      const count = 3000;
      const size = 8000; // ~24 MB pushed at a client that reads nothing
      await postJson(url, {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "burst", arguments: { count, size } },
      });
      await waitFor(async () => (await counterValue(h, "slowClientDisconnects")) >= 1, {
        timeout: 30_000,
        message: "slow-client disconnect",
      });
      await waitFor(async () => (await counterValue(h, "messagesOut")) >= count + 2, {
        timeout: 30_000,
        message: "the burst to finish",
      });
      const growth = heapAfterGc() - heapBefore;
      assert.ok(growth < 32 * 1024 * 1024, `heap grew by ${Math.round(growth / 1024 / 1024)} MB`);
      assert.equal(await counterValue(h, "slowClientDisconnects"), 1);
      // The server dropped the connection: reading now reaches its end well short of 24 MB.
      let received = 0;
      socket.on("data", (d: Buffer) => {
        received += d.byteLength;
      });
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.on("error", () => {}); // a reset is an acceptable way for the server to cut us off
      socket.resume();
      await Promise.race([
        closed,
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error("socket not closed by server")), 15_000),
        ),
      ]);
      assert.ok(received < count * size, `received ${received} bytes`);
      // The session survives the cut: it can be resumed.
      assert.equal(h.handler.sessionCount, 1);
    } finally {
      socket.destroy();
      await h.close();
    }
  });

  // Bounded by count, not time; the timeout only covers a heavily loaded machine.
  test("10,000 POSTs to unknown sessions all get 404 and the heap stays flat", {
    timeout: 300_000,
  }, async () => {
    const h = await serve({ createServer: createTestServer, port: 0 });
    try {
      const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" });
      const statuses = new Map<number, number>();
      const fire = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const legacy = i % 2 === 0;
          const res = legacy
            ? await postJson(`${h.url}/messages?sessionId=${crypto.randomUUID()}`, body)
            : await postJson(`${h.url}/mcp`, body, { "mcp-session-id": crypto.randomUUID() });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      };
      await Promise.all(Array.from({ length: 50 }, () => fire(10))); // warm-up: pools, JIT
      const before = heapAfterGc();
      await Promise.all(Array.from({ length: 50 }, () => fire(190)));
      const growth = heapAfterGc() - before;
      assert.deepEqual([...statuses.entries()], [[404, 10_000]]);
      assert.ok(growth < 16 * 1024 * 1024, `heap grew by ${Math.round(growth / 1024 / 1024)} MB`);
      assert.equal(h.handler.sessionCount, 0);
    } finally {
      await h.close();
    }
  });
});
