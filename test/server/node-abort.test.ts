/**
 * The node:http adapter aborts a request's signal only when its client left before the
 * response ended: a normal end costs no abort (DOMException + listeners) on the hot path.
 */
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { toNodeListener } from "../../src/server/node.js";

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
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  test("a POST answered normally leaves its signal unaborted, and its body arrived whole", async () => {
    const first = seen.length;
    const payload = JSON.stringify({ text: "x".repeat(1000) });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${base}/echo`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: payload,
      });
      assert.deepEqual(await response.json(), { echoed: payload });
    }
    // Give the `close` events of the finished responses time to run.
    await new Promise((resolve) => setTimeout(resolve, 50));
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

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]);
}
