// The reader's HTTP edges: compressed streams, Retry-After dates, header and content-type rules.
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { describe, it } from "node:test";
import { createDeflate, createGzip, type Gzip } from "node:zlib";
import { Agent, fetch as undiciFetch } from "undici";
import { openEventStream } from "../../src/sse/reader.js";
import { buildHeaders, isEventStreamType, isRetryableStatus } from "../../src/sse/reader-http.js";
import { waitFor } from "../helpers/wait-for.js";
import { record, settled, startServer } from "./reader-helpers.js";

/** A stream compressed with node:zlib, flushed after every event as a real server would. */
function compressedStream(res: ServerResponse, encoding: "gzip" | "deflate"): Gzip {
  const zip = encoding === "gzip" ? createGzip() : createDeflate();
  res.writeHead(200, { "Content-Type": "text/event-stream", "Content-Encoding": encoding });
  zip.pipe(res);
  return zip as Gzip;
}

const fetchers = [
  { name: "global fetch", make: () => ({ fetchOptions: undefined, close: async () => {} }) },
  {
    name: "undici fetch + Agent",
    make: () => {
      const agent = new Agent();
      return {
        fetch: undiciFetch as unknown as typeof fetch,
        fetchOptions: { dispatcher: agent },
        close: () => agent.close(),
      };
    },
  },
] as const;

describe("openEventStream: compressed streams", () => {
  for (const encoding of ["gzip", "deflate"] as const) {
    for (const fetcher of fetchers) {
      it(`decodes a ${encoding} stream with ${fetcher.name}, across a reconnect`, async () => {
        const server = await startServer((_req, res, n) => {
          const zip = compressedStream(res, encoding);
          if (n === 0) {
            zip.write(`id: 1\ndata: ${"é".repeat(50)}\n\n`);
            zip.flush(() => zip.end("id: 2\ndata: second\n\n"));
          } else {
            zip.write("data: after reconnect\n\n");
            zip.flush();
          }
        });
        const client = fetcher.make();
        const r = record();
        const reader = openEventStream({
          url: server.url,
          ...("fetch" in client ? { fetch: client.fetch } : {}),
          ...(client.fetchOptions ? { fetchOptions: client.fetchOptions } : {}),
          minDelayMs: 5,
          jitter: 0,
          ...r.callbacks,
        });
        try {
          await waitFor(() => r.events.length === 3, { timeout: 10_000, message: "three events" });
          assert.deepEqual(
            r.events.map((e) => [e.lastEventId, e.data]),
            [
              ["1", "é".repeat(50)],
              ["2", "second"],
              ["2", "after reconnect"],
            ],
          );
          assert.equal(server.requests[1]?.headers["last-event-id"], "2");
        } finally {
          reader.close();
          await settled(reader.done);
          await client.close();
          await server.close();
        }
      });
    }
  }
});

describe("openEventStream: Retry-After as an HTTP-date", () => {
  it("waits until the date a 503 names", async () => {
    const server = await startServer((_req, res, n) => {
      if (n === 0) {
        // HTTP-dates have second precision: a date 2 s ahead is 1–2 s away.
        res.writeHead(503, { "Retry-After": new Date(Date.now() + 2_000).toUTCString() });
        res.end("maintenance");
        return;
      }
      res.writeHead(200, { "Content-Type": "text/event-stream" });
      res.write("data: back\n\n");
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      minDelayMs: 60_000,
      maxDelayMs: 60_000,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 1, {
        timeout: 10_000,
        message: "the event after the wait",
      });
      const delayMs = r.changes.find((c) => c.state === "reconnecting")?.delayMs ?? -1;
      assert.ok(delayMs > 0 && delayMs <= 2_000, `delay ${delayMs} comes from Retry-After`);
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });
});

describe("reader-http rules", () => {
  it("lets custom headers override Accept but never Last-Event-ID", () => {
    const h = buildHeaders({ accept: "text/event-stream, */*", "last-event-id": "forged" }, "9");
    assert.equal(h.get("accept"), "text/event-stream, */*");
    assert.equal(h.get("cache-control"), "no-cache");
    assert.equal(h.get("last-event-id"), "9");
    assert.equal(buildHeaders({ "Last-Event-ID": "forged" }, "").get("last-event-id"), null);
  });

  it("accepts text/event-stream with parameters and any case only", () => {
    assert.equal(isEventStreamType("text/event-stream"), true);
    assert.equal(isEventStreamType("Text/Event-Stream; charset=utf-8"), true);
    assert.equal(isEventStreamType("text/plain"), false);
    assert.equal(isEventStreamType("text/event-streamx"), false);
    assert.equal(isEventStreamType(null), false);
  });

  it("retries 408, 429 and 5xx only", () => {
    assert.deepEqual(
      [400, 401, 403, 404, 405, 408, 409, 429, 500, 502, 503, 504].filter(isRetryableStatus),
      [408, 429, 500, 502, 503, 504],
    );
  });
});
