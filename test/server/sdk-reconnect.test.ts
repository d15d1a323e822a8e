import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { connect, createServer as createTcpServer, type Socket } from "node:net";
import { describe, test } from "node:test";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";
import type { ServeHandle } from "../../src/server/index.js";
import { serve } from "../../src/server/index.js";
import { flushQueuedWork, waitFor } from "../helpers/wait-for.js";

/** A TCP proxy in front of the server whose connections the test can cut at will. */
async function cuttingProxy(target: string) {
  const { port } = new URL(target);
  const sockets = new Set<Socket>();
  const server = createTcpServer((client) => {
    const upstream = connect(Number(port), "127.0.0.1");
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => s.destroy()); // a cut connection errors on the other side; expected
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    cutAll() {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function counter(
  h: ServeHandle,
  name: "streamReconnects" | "replayedEvents",
): Promise<number> {
  const m = await h.handler.metrics[name].get();
  return m.values.reduce((sum, v) => sum + v.value, 0);
}

describe("real SDK clients survive a cut connection", () => {
  test("SDK v2 client gets a tool result whose POST stream was cut, by resuming with Last-Event-ID", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started!: () => void;
    const callStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const createServer = () => {
      const server = new McpServer({ name: "gated", version: "1.0.0" });
      server.registerTool(
        "wait",
        { description: "Answer once released", inputSchema: z.object({}) },
        async () => {
          started();
          await gate;
          return { content: [{ type: "text", text: "released" }] };
        },
      );
      return server;
    };
    const h = await serve({ createServer, port: 0, retryMs: 50 });
    const proxy = await cuttingProxy(h.url);
    const client = new Client({ name: "v2", version: "1.0.0" });
    try {
      // Tells the test when the tool call's SSE response has delivered its first bytes (the
      // priming event with its id), so the cut lands on a resumable stream.
      let primed!: () => void;
      const firstBytes = new Promise<void>((resolve) => {
        primed = resolve;
      });
      const watchingFetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
        const res = await fetch(url, init);
        if (init?.method !== "POST" || !String(init.body).includes('"tools/call"') || !res.body)
          return res;
        const body = res.body.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              controller.enqueue(chunk);
              primed();
            },
          }),
        );
        return new Response(body, { status: res.status, headers: res.headers });
      };
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${proxy.url}/mcp`), {
          fetch: watchingFetch,
          reconnectionOptions: {
            initialReconnectionDelay: 50,
            maxReconnectionDelay: 200,
            reconnectionDelayGrowFactor: 1.5,
            maxRetries: 20,
          },
        }),
      );
      const pending = client.callTool({ name: "wait", arguments: {} });
      await callStarted;
      await firstBytes;
      // Let the client parse the priming event (stream reads and parsing are queued work only).
      await flushQueuedWork();
      proxy.cutAll();
      await waitFor(async () => (await counter(h, "streamReconnects")) >= 1, {
        message: "the client to resume the cut stream",
      });
      release();
      const result = await pending;
      assert.deepEqual(result.content, [{ type: "text", text: "released" }]);
      assert.ok((await counter(h, "streamReconnects")) >= 1);
    } finally {
      release();
      await client.close();
      await proxy.close();
      await h.close();
    }
  });
});
