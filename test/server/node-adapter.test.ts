/**
 * The node:http adapter (`toNodeListener`): it aborts a request's signal only when its client
 * left before the response ended (a normal end costs no abort on the hot path), a client that
 * leaves early pins no session, and a handler that throws is logged and answered 500.
 */
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { createMcpHttpHandler } from "../../src/server/handler.js";
import { toNodeListener } from "../../src/server/node.js";
import { recordingLogger } from "../helpers/recording-logger.js";
import { waitFor, withTimeout } from "../helpers/wait-for.js";
import { createTestServer } from "./helpers.js";

/** Listen on 127.0.0.1 port 0; resolves with the base URL. */
async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

interface Seen {
  signal: AbortSignal;
  body: string;
}

describe("toNodeListener: request.signal", () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  let streamCancelled: Promise<void>;
  let markCancelled: () => void = () => undefined;
  let handlerReached: () => void = () => undefined;
  let responsesClosed = 0;

  before(async () => {
    streamCancelled = new Promise<void>((resolve) => {
      markCancelled = resolve;
    });
    server = createServer(
      toNodeListener({
        fetch: async (request) => {
          const body = request.body ? await request.text() : "";
          seen.push({ signal: request.signal, body });
          const path = new URL(request.url).pathname;
          if (path === "/stream") {
            handlerReached();
            // A body that never ends: only the client leaving can finish this response.
            return new Response(
              new ReadableStream<Uint8Array>({
                start(controller) {
                  controller.enqueue(new TextEncoder().encode("data: first\n\n"));
                },
                cancel() {
                  markCancelled();
                },
              }),
              { headers: { "content-type": "text/event-stream" } },
            );
          }
          return Response.json({ echoed: body });
        },
      }),
    );
    // Counts finished responses: the adapter's own `close` listener has run once ours does.
    server.on("request", (_req, res) => res.on("close", () => responsesClosed++));
    base = await listen(server);
  });
  after(() => stop(server));

  test("a POST answered normally leaves its signal unaborted, and its body arrived whole", async () => {
    const first = seen.length;
    const closedBefore = responsesClosed;
    const payload = JSON.stringify({ text: "x".repeat(1000) });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${base}/echo`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: payload,
      });
      assert.deepEqual(await response.json(), { echoed: payload });
    }
    await waitFor(() => responsesClosed >= closedBefore + 3, {
      message: "the close events of the finished responses",
    });
    const mine = seen.slice(first);
    assert.equal(mine.length, 3);
    for (const s of mine) assert.equal(s.signal.aborted, false);
  });

  test("a client that leaves mid-response aborts the signal and cancels the body", async () => {
    const reached = new Promise<void>((resolve) => {
      handlerReached = resolve;
    });
    const req = httpRequest(`${base}/stream`, { method: "GET" });
    const firstChunk = new Promise<void>((resolve, reject) => {
      req.on("response", (res) => res.once("data", () => resolve()));
      req.on("error", reject);
    });
    req.end();
    await reached;
    const entry = seen.at(-1);
    assert.ok(entry);
    await firstChunk;
    assert.equal(entry.signal.aborted, false, "still streaming");
    const aborted = new Promise<void>((resolve) =>
      entry.signal.addEventListener("abort", () => resolve(), { once: true }),
    );
    req.on("error", () => undefined); // the socket we destroy reports ECONNRESET
    req.destroy();
    await withTimeout(Promise.all([aborted, streamCancelled]), 5_000, "abort + cancel");
    assert.equal(entry.signal.aborted, true);
  });
});

describe("toNodeListener: a client that leaves early does not pin its session", () => {
  test("a GET /sse whose client disconnected before createServer() resolved lets the session go idle", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let called = 0;
    const handler = createMcpHttpHandler({
      stateless: false,
      idleTimeoutMs: 1,
      keepAliveMs: 0,
      createServer: async () => {
        called++;
        await gate;
        return createTestServer();
      },
    });
    const server = createServer(toNodeListener(handler));
    let serverSocketClosed = false;
    server.on("connection", (socket) => socket.on("close", () => (serverSocketClosed = true)));
    const port = Number(new URL(await listen(server)).port);
    try {
      const socket = net.connect(port, "127.0.0.1", () =>
        socket.write(`GET /sse HTTP/1.1\r\nHost: localhost:${port}\r\n\r\n`),
      );
      socket.on("error", () => undefined);
      await waitFor(() => called === 1, { message: "createServer() to be called" });
      socket.destroy();
      // The server sees the close before the handler answers.
      await waitFor(() => serverSocketClosed, { message: "the server to see the close" });
      release();
      await waitFor(() => handler.sessionCount === 1, { message: "the session to open" });
      // Without the fix the stream stays attached forever and the session is never idle.
      await waitFor(
        async () => {
          await handler.reapIdle();
          return handler.sessionCount === 0;
        },
        { timeout: 10_000, message: "the session to be reaped" },
      );
    } finally {
      await handler.close({ timeoutMs: 1000 });
      await stop(server);
    }
  });
});

describe("toNodeListener: handler errors are reported, not swallowed", () => {
  test("a handler that throws is logged (redacted) and answered 500", async () => {
    const logger = recordingLogger();
    const server = createServer(
      toNodeListener(
        {
          fetch: async () => {
            throw new Error("boom in the handler");
          },
        },
        { logger },
      ),
    );
    const base = await listen(server);
    try {
      const response = await fetch(`${base}/mcp?x=1`, {
        headers: { authorization: "Bearer s3cret-token" },
      });
      assert.equal(response.status, 500);
      await response.text();
      const line = logger.lines.find((l) => l.msg === "node adapter: request failed");
      assert.ok(line, "the failure was logged");
      assert.match(JSON.stringify(line), /boom in the handler/);
      assert.equal(line.path, "/mcp");
      assert.doesNotMatch(JSON.stringify(logger.lines), /s3cret-token/);
    } finally {
      await stop(server);
    }
  });

  test("without a logger option the adapter reports through the handler's own logger", async () => {
    const logger = recordingLogger();
    const real = createMcpHttpHandler({ createServer: createTestServer, logger });
    assert.equal(real.logger, logger);
    await real.close();
    const server = createServer(
      toNodeListener({
        logger,
        fetch: async () => {
          throw new Error("boom again");
        },
      }),
    );
    const base = await listen(server);
    try {
      const response = await fetch(`${base}/sse`);
      assert.equal(response.status, 500);
      await response.text();
      assert.match(JSON.stringify(logger.lines), /boom again/);
    } finally {
      await stop(server);
    }
  });
});
