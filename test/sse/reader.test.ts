// The reconnecting event-stream reader against real node:http servers on 127.0.0.1.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Agent, fetch as undiciFetch } from "undici";
import { isMcpSseError } from "../../src/errors.js";
import { openEventStream } from "../../src/sse/reader.js";
import { waitFor } from "../helpers/wait-for.js";
import { record, settled, sseHead, startServer, states } from "./reader-helpers.js";

// Small delays keep the suite fast; jitter 0 keeps the schedule exact.
const FAST = { minDelayMs: 5, maxDelayMs: 50, jitter: 0 } as const;

describe("openEventStream: requests", () => {
  it("sends Accept, Cache-Control and the custom headers on every request, Last-Event-ID on reconnect", async () => {
    const server = await startServer((_req, res, n) => {
      sseHead(res);
      if (n === 0) {
        // An id-only block (no data) still sets the last event ID.
        res.end("id: 1\ndata: first\n\nid: 2\n\n");
      } else {
        res.write("data: second\n\n");
      }
    });
    const r = record();
    let token = 0;
    const reader = openEventStream({
      url: server.url,
      headers: (ctx) => {
        r.contexts.push(ctx);
        token += 1;
        return { Authorization: `Bearer t${token}`, "X-Custom": "yes" };
      },
      ...FAST,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 2, { timeout: 10_000, message: "two events" });
      assert.equal(server.requests.length, 2);
      for (const req of server.requests) {
        assert.equal(req.method, "GET");
        assert.equal(req.headers.accept, "text/event-stream");
        assert.equal(req.headers["cache-control"], "no-cache");
        assert.equal(req.headers["x-custom"], "yes");
      }
      // Headers are evaluated before every attempt: the reconnect carries the new token.
      assert.equal(server.requests[0]?.headers.authorization, "Bearer t1");
      assert.equal(server.requests[1]?.headers.authorization, "Bearer t2");
      assert.equal(server.requests[0]?.headers["last-event-id"], undefined);
      assert.equal(server.requests[1]?.headers["last-event-id"], "2");
      assert.deepEqual(r.contexts, [
        { attempt: 0, lastEventId: "" },
        { attempt: 1, lastEventId: "2" },
      ]);
      // The last event ID persists across connections, as on an EventSource.
      assert.deepEqual(r.events[1], { type: "message", data: "second", lastEventId: "2" });
      assert.equal(reader.lastEventId, "2");
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("sends the initial lastEventId option on the first request", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write("data: resumed\n\n");
    });
    const r = record();
    const reader = openEventStream({ url: server.url, lastEventId: "41", ...r.callbacks });
    try {
      await waitFor(() => r.events.length === 1, { timeout: 10_000, message: "an event" });
      assert.equal(server.requests[0]?.headers["last-event-id"], "41");
      assert.equal(r.events[0]?.lastEventId, "41");
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("uses initialResponse for attempt 0, then method/body functions for reconnects", async () => {
    const server = await startServer((req, res) => {
      sseHead(res);
      if (req.method === "POST") res.end("id: p1\ndata: from-post\n\n");
      else res.write("data: from-get\n\n");
    });
    const r = record();
    const initialResponse = await fetch(server.url, { method: "POST", body: "{}" });
    const reader = openEventStream({
      url: server.url,
      initialResponse,
      method: (ctx) => (ctx.attempt === 0 ? "POST" : "GET"),
      body: (ctx) => (ctx.attempt === 0 ? "{}" : undefined),
      ...FAST,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 2, { timeout: 10_000, message: "two events" });
      assert.deepEqual(
        server.requests.map((q) => q.method),
        ["POST", "GET"],
      );
      assert.equal(server.requests[1]?.headers["last-event-id"], "p1");
      assert.equal(server.requests[1]?.body, "");
      assert.deepEqual(
        r.events.map((e) => e.data),
        ["from-post", "from-get"],
      );
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("works with undici's fetch and an Agent passed as fetchOptions.dispatcher", async () => {
    const server = await startServer((_req, res, n) => {
      sseHead(res);
      if (n === 0) res.end("id: u1\ndata: one\n\n");
      else res.write("data: two\n\n");
    });
    const agent = new Agent({ connections: 2 });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      fetch: undiciFetch as unknown as typeof fetch,
      fetchOptions: { dispatcher: agent },
      headers: { "X-Custom": "undici" },
      ...FAST,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 2, { timeout: 10_000, message: "two events" });
      assert.equal(server.requests[1]?.headers["x-custom"], "undici");
      assert.equal(server.requests[1]?.headers["last-event-id"], "u1");
    } finally {
      reader.close();
      await settled(reader.done);
      await agent.close();
      await server.close();
    }
  });
});

describe("openEventStream: resumption and retry", () => {
  it("discards a half event cut off by a dropped connection and resumes with Last-Event-ID", async () => {
    const server = await startServer((req, res, n) => {
      sseHead(res);
      if (n === 0) {
        res.write("id: 1\ndata: one\n\n");
        // Event 2 is cut mid-data, then the socket dies.
        res.write("id: 2\ndata: hal", () => setTimeout(() => req.socket.destroy(), 20));
      } else if (req.headers["last-event-id"] === "1") {
        res.write("id: 2\ndata: half-complete\n\nid: 3\ndata: three\n\n");
      } else {
        res.end(`data: wrong Last-Event-ID ${req.headers["last-event-id"]}\n\n`);
      }
    });
    const r = record();
    const reader = openEventStream({ url: server.url, ...FAST, ...r.callbacks });
    try {
      await waitFor(() => r.events.length >= 3, { timeout: 10_000, message: "three events" });
      assert.deepEqual(
        r.events.map((e) => [e.lastEventId, e.data]),
        [
          ["1", "one"],
          ["2", "half-complete"],
          ["3", "three"],
        ],
      );
      assert.equal(server.requests[1]?.headers["last-event-id"], "1");
      const lost = r.changes.find((c) => c.state === "reconnecting");
      assert.ok(lost?.error, "the reconnecting change says why");
      assert.ok(["SSE_NETWORK", "SSE_STREAM_ENDED"].includes(lost.error.code), lost.error.code);
      assert.equal(reader.lastEventId, "3");
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("honours the server's retry: field as the base delay", async () => {
    const server = await startServer((_req, res, n) => {
      sseHead(res);
      if (n === 0) res.end("retry: 30\ndata: a\n\n");
      else res.write("data: b\n\n");
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      // Without retry: the wait would be a minute: the test would time out.
      minDelayMs: 60_000,
      maxDelayMs: 120_000,
      jitter: 0.5,
      random: () => 0,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 2, { timeout: 10_000, message: "two events" });
      assert.deepEqual(r.retries, [30]);
      const reconnecting = r.changes.filter((c) => c.state === "reconnecting");
      assert.equal(reconnecting.length, 1);
      assert.equal(reconnecting[0]?.delayMs, 30);
      assert.equal(reconnecting[0]?.attempt, 1);
      assert.equal(reconnecting[0]?.error?.code, "SSE_STREAM_ENDED");
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("never reconnects sooner than the server's retry: (jitter only lengthens it; conformance sse-retry)", async () => {
    const server = await startServer((_req, res, n) => {
      sseHead(res);
      if (n === 0) res.end("retry: 40\ndata: a\n\n");
      else res.write("data: b\n\n");
    });
    const r = record();
    // random 1 with jitter 0.5 would take half of the delay off.
    const reader = openEventStream({
      url: server.url,
      jitter: 0.5,
      random: () => 1,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 2, { timeout: 10_000, message: "two events" });
      const reconnecting = r.changes.filter((c) => c.state === "reconnecting");
      assert.equal(reconnecting[0]?.delayMs, 40);
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("emits connecting → open → reconnecting → open → closed", async () => {
    const server = await startServer((_req, res, n) => {
      sseHead(res);
      if (n === 0) res.end("data: a\n\n");
      else res.write("data: b\n\n");
    });
    const r = record();
    const reader = openEventStream({ url: server.url, ...FAST, ...r.callbacks });
    try {
      await waitFor(() => r.events.length === 2, { timeout: 10_000, message: "two events" });
      assert.equal(reader.state, "open");
      reader.close();
      await settled(reader.done);
    } finally {
      reader.close();
      await server.close();
    }
    assert.deepEqual(states(r), ["connecting", "open", "reconnecting", "open", "closed"]);
    assert.equal(reader.state, "closed");
    assert.equal(reader.openCount, 2);
    assert.equal(reader.error, undefined);
    assert.equal(r.changes.at(-1)?.error, undefined);
  });

  it("follows the backoff schedule between floor and cap, then gives up with SSE_RECONNECTS_EXHAUSTED", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(500, { "Content-Type": "text/plain" });
      res.end("down");
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      minDelayMs: 2,
      maxDelayMs: 10,
      jitter: 0.5,
      random: () => 1,
      maxAttempts: 5,
      ...r.callbacks,
    });
    try {
      await settled(reader.done);
      const reconnecting = r.changes.filter((c) => c.state === "reconnecting");
      // Ceilings 2, 4, 8, 10, 10 (capped), each with the maximal jitter (half) taken off.
      assert.deepEqual(
        reconnecting.map((c) => [c.attempt, c.delayMs]),
        [
          [1, 1],
          [2, 2],
          [3, 4],
          [4, 5],
          [5, 5],
        ],
      );
      assert.equal(server.requests.length, 6, "the first connect + 5 reconnects");
      const last = r.changes.at(-1);
      assert.equal(last?.state, "closed");
      assert.equal(last?.error?.code, "SSE_RECONNECTS_EXHAUSTED");
      assert.ok(isMcpSseError(last?.error?.cause, "SSE_HTTP_STATUS"));
      assert.equal(reader.error?.code, "SSE_RECONNECTS_EXHAUSTED");
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("resets the attempt count after every successful open", async () => {
    // Two failures, then a good connection that ends, and again: with maxAttempts 3 this
    // only lasts because each open resets the count (the end of a stream is attempt 1).
    // stableConnectionMs 0: these streams end at once, which would otherwise count as failures.
    const server = await startServer((_req, res, n) => {
      if (n % 3 !== 2) {
        res.writeHead(503, { "Content-Type": "text/plain" });
        res.end("busy");
        return;
      }
      sseHead(res);
      res.end(`data: ${n}\n\n`);
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      maxAttempts: 3,
      stableConnectionMs: 0,
      ...FAST,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 3, { timeout: 10_000, message: "three events" });
      reader.close();
      await settled(reader.done);
      const attempts = r.changes
        .filter((c) => c.state === "reconnecting")
        .map((c) => c.attempt)
        .slice(0, 8);
      assert.deepEqual(attempts, [1, 2, 1, 2, 3, 1, 2, 3]);
      assert.equal(reader.error, undefined);
      assert.equal(reader.openCount, 3);
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("retries a 500 and then reads the stream", async () => {
    const server = await startServer((_req, res, n) => {
      if (n === 0) {
        res.writeHead(500, { "Content-Type": "text/plain" });
        res.end("internal oops");
        return;
      }
      sseHead(res);
      res.write("data: ok\n\n");
    });
    const r = record();
    const reader = openEventStream({ url: server.url, ...FAST, ...r.callbacks });
    try {
      await waitFor(() => r.events.length === 1, { timeout: 10_000, message: "an event" });
      const error = r.changes.find((c) => c.state === "reconnecting")?.error;
      assert.equal(error?.code, "SSE_HTTP_STATUS");
      assert.equal(error?.details.status, 500);
      assert.equal(error?.details.body, "internal oops");
      assert.match(error?.message ?? "", /HTTP 500.*internal oops/);
      assert.deepEqual(states(r), ["connecting", "reconnecting", "open"]);
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("waits Retry-After (seconds) after a 429", async () => {
    const server = await startServer((_req, res, n) => {
      if (n === 0) {
        res.writeHead(429, { "Content-Type": "text/plain", "Retry-After": "1" });
        res.end("slow down");
        return;
      }
      sseHead(res);
      res.write("data: ok\n\n");
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      minDelayMs: 60_000,
      maxDelayMs: 120_000,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 1, { timeout: 10_000, message: "an event" });
      const reconnecting = r.changes.find((c) => c.state === "reconnecting");
      assert.equal(reconnecting?.delayMs, 1000);
      assert.equal(reconnecting?.error?.details.status, 429);
      assert.equal(reconnecting?.error?.details.retryAfterMs, 1000);
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("lets shouldReconnect veto a retry", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(503, { "Content-Type": "text/plain" });
      res.end("maintenance");
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      shouldReconnect: (error) => error.details.status !== 503,
      ...FAST,
      ...r.callbacks,
    });
    try {
      await settled(reader.done);
      assert.equal(server.requests.length, 1);
      assert.equal(reader.error?.code, "SSE_HTTP_STATUS");
      assert.deepEqual(states(r), ["connecting", "closed"]);
    } finally {
      reader.close();
      await server.close();
    }
  });
});

describe("openEventStream: fatal answers", () => {
  it("never quotes a request header value that the error body echoes back", async () => {
    const server = await startServer((req, res) => {
      res.writeHead(401, { "Content-Type": "text/plain" });
      res.end(`bad credentials: ${req.headers.authorization} (key ${req.headers["x-api-key"]})`);
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      headers: () => ({ Authorization: "Bearer tok-123456789", "X-Api-Key": "key-abcdefgh" }),
      ...FAST,
      ...r.callbacks,
    });
    try {
      await settled(reader.done);
      const error = reader.error;
      assert.equal(error?.code, "SSE_HTTP_STATUS");
      const text = `${error?.message} ${JSON.stringify(error?.details)}`;
      assert.match(text, /bad credentials: \[REDACTED\]/);
      assert.doesNotMatch(text, /tok-123456789|key-abcdefgh/);
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("stops on 401 with SSE_HTTP_STATUS naming status, redacted URL and body", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ error: "invalid token", pad: "x".repeat(400) }));
    });
    const r = record();
    const reader = openEventStream({
      url: `${server.url}?token=s3cr3t-value`,
      ...FAST,
      ...r.callbacks,
    });
    try {
      await settled(reader.done);
      assert.equal(server.requests.length, 1, "a 401 is not retried");
      const error = reader.error;
      assert.equal(error?.code, "SSE_HTTP_STATUS");
      assert.equal(error?.details.status, 401);
      assert.match(error?.message ?? "", /HTTP 401/);
      assert.match(error?.message ?? "", /invalid token/);
      assert.match(error?.message ?? "", /token=REDACTED/);
      assert.doesNotMatch(error?.message ?? "", /s3cr3t/);
      // The message quotes about 200 characters, not the whole body.
      assert.ok((error?.message.length ?? 0) < 450, `message too long: ${error?.message.length}`);
      assert.deepEqual(states(r), ["connecting", "closed"]);
      assert.deepEqual(
        r.errors.map((e) => e.code),
        ["SSE_HTTP_STATUS"],
      );
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("stops on 404 without retrying", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const reader = openEventStream({ url: server.url, ...FAST, onEvent: () => {} });
    try {
      await settled(reader.done);
      assert.equal(server.requests.length, 1);
      assert.equal(reader.error?.details.status, 404);
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("stops for good on 204 No Content, without an error", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const r = record();
    const reader = openEventStream({ url: server.url, ...FAST, ...r.callbacks });
    try {
      await settled(reader.done);
      assert.equal(server.requests.length, 1);
      assert.equal(reader.error, undefined);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(states(r), ["connecting", "closed"]);
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("fails with SSE_BAD_CONTENT_TYPE naming what came back", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" });
      res.end("{}");
    });
    const r = record();
    const reader = openEventStream({ url: server.url, ...FAST, ...r.callbacks });
    try {
      await settled(reader.done);
      assert.equal(server.requests.length, 1);
      assert.equal(reader.error?.code, "SSE_BAD_CONTENT_TYPE");
      assert.match(reader.error?.message ?? "", /application\/json/);
      assert.equal(r.opened, 0, "onOpen is not called for a wrong content type");
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("reports a throwing onOpen as fatal", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write("data: never read\n\n");
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      ...FAST,
      ...r.callbacks,
      onOpen: () => {
        throw new Error("no session id header");
      },
    });
    try {
      await settled(reader.done);
      assert.equal(reader.error?.code, "SSE_OPEN_REJECTED");
      assert.match(reader.error?.message ?? "", /no session id header/);
      assert.deepEqual(r.events, []);
    } finally {
      reader.close();
      await server.close();
    }
  });
});

describe("openEventStream: timeouts, network errors, close", () => {
  it("reconnects after SSE_IDLE_TIMEOUT when the server goes silent", async () => {
    const server = await startServer((_req, res, n) => {
      sseHead(res);
      if (n === 0)
        res.write(": keep-alive\n\n"); // then silence, socket kept open
      else res.write("data: alive\n\n");
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      idleTimeoutMs: 150,
      ...FAST,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 1, {
        timeout: 10_000,
        message: "an event after the reconnect",
      });
      assert.deepEqual(r.comments, ["keep-alive"]);
      const reconnecting = r.changes.find((c) => c.state === "reconnecting");
      assert.equal(reconnecting?.error?.code, "SSE_IDLE_TIMEOUT");
      assert.ok(server.requests.length >= 2, "a new request after the silence");
      await waitFor(() => server.aborted >= 1, {
        timeout: 10_000,
        message: "the silent request to be closed by the client",
      });
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("keeps a connection that sends keep-alive comments more often than the idle timeout", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      let sent = 0;
      const timer = setInterval(() => {
        sent += 1;
        res.write(sent < 6 ? ": ping\n\n" : "data: done\n\n");
        if (sent >= 6) clearInterval(timer);
      }, 40);
      res.on("close", () => clearInterval(timer));
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      idleTimeoutMs: 1_000,
      ...FAST,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 1, {
        timeout: 10_000,
        message: "the event after the pings",
      });
      assert.equal(server.requests.length, 1);
      assert.equal(r.comments.length, 5);
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("retries after SSE_CONNECT_TIMEOUT when headers do not come", async () => {
    const server = await startServer((_req, res, n) => {
      if (n === 0) return; // never answer
      sseHead(res);
      res.write("data: late but fine\n\n");
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      connectTimeoutMs: 150,
      ...FAST,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 1, { timeout: 10_000, message: "an event" });
      const reconnecting = r.changes.find((c) => c.state === "reconnecting");
      assert.equal(reconnecting?.error?.code, "SSE_CONNECT_TIMEOUT");
      await waitFor(() => server.aborted >= 1, {
        timeout: 10_000,
        message: "the unanswered request to be aborted",
      });
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("reports SSE_NETWORK when nothing listens, and retries", async () => {
    const gone = await startServer(() => {});
    const url = gone.url;
    await gone.close();
    const r = record();
    const reader = openEventStream({ url, maxAttempts: 2, ...FAST, ...r.callbacks });
    await settled(reader.done);
    const codes = r.errors.map((e) => e.code);
    assert.deepEqual(codes, [
      "SSE_NETWORK",
      "SSE_NETWORK",
      "SSE_NETWORK",
      "SSE_RECONNECTS_EXHAUSTED",
    ]);
    assert.match(r.errors[0]?.message ?? "", /ECONNREFUSED|fetch failed/);
    assert.deepEqual(states(r), ["connecting", "reconnecting", "reconnecting", "closed"]);
  });

  it("close() aborts an in-flight request and resolves done", async () => {
    const server = await startServer(() => {}); // never answers
    const r = record();
    const reader = openEventStream({ url: server.url, connectTimeoutMs: 0, ...r.callbacks });
    try {
      await waitFor(() => server.requests.length === 1, {
        timeout: 10_000,
        message: "the request",
      });
      reader.close();
      await settled(reader.done);
      await waitFor(() => server.aborted === 1, {
        timeout: 10_000,
        message: "the request to be aborted",
      });
      assert.deepEqual(states(r), ["connecting", "closed"]);
      assert.deepEqual(r.errors, []);
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("close() during a backoff wait cancels the timer", async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(503);
      res.end();
    });
    const r = record();
    // A one-hour wait: if close() left the timer, this test file would never finish.
    const reader = openEventStream({
      url: server.url,
      minDelayMs: 3_600_000,
      maxDelayMs: 3_600_000,
      ...r.callbacks,
    });
    try {
      await waitFor(() => reader.state === "reconnecting", {
        timeout: 10_000,
        message: "the backoff wait",
      });
      reader.close();
      await settled(reader.done);
      assert.equal(server.requests.length, 1);
      assert.equal(reader.state, "closed");
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("an AbortSignal closes the reader for good", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write("data: one\n\n");
    });
    const controller = new AbortController();
    const r = record();
    const reader = openEventStream({ url: server.url, signal: controller.signal, ...r.callbacks });
    try {
      await waitFor(() => r.events.length === 1, { timeout: 10_000, message: "an event" });
      controller.abort();
      await settled(reader.done);
      assert.equal(reader.state, "closed");
      await waitFor(() => server.aborted === 1, {
        timeout: 10_000,
        message: "the stream to be closed",
      });
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("with reconnect: false, a stream that ends closes the reader without an error", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.end("data: only\n\n");
    });
    const r = record();
    const reader = openEventStream({ url: server.url, reconnect: false, ...r.callbacks });
    try {
      await settled(reader.done);
      assert.equal(server.requests.length, 1);
      assert.deepEqual(
        r.events.map((e) => e.data),
        ["only"],
      );
      assert.equal(reader.error, undefined);
      assert.deepEqual(states(r), ["connecting", "open", "closed"]);
    } finally {
      reader.close();
      await server.close();
    }
  });
});

describe("openEventStream: handlers and parser errors", () => {
  it("reports a throwing onEvent as SSE_HANDLER_FAILED and keeps reading", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write("data: boom\n\ndata: fine\n\n");
    });
    const seen: string[] = [];
    const r = record();
    const reader = openEventStream({
      url: server.url,
      ...r.callbacks,
      onEvent: (event) => {
        seen.push(event.data);
        if (event.data === "boom") throw new Error("handler bug");
      },
    });
    try {
      await waitFor(() => seen.length === 2, { timeout: 10_000, message: "both events" });
      assert.deepEqual(seen, ["boom", "fine"]);
      assert.equal(r.errors[0]?.code, "SSE_HANDLER_FAILED");
      assert.equal(reader.state, "open");
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("passes maxEventSize to the parser: a too-large event is reported and dropped", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write(`data: ${"x".repeat(500)}\n\ndata: small\n\n`);
    });
    const r = record();
    const reader = openEventStream({ url: server.url, maxEventSize: 100, ...r.callbacks });
    try {
      await waitFor(() => r.events.length === 1, { timeout: 10_000, message: "the small event" });
      assert.equal(r.events[0]?.data, "small");
      assert.equal(r.errors[0]?.code, "SSE_EVENT_TOO_LARGE");
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("strips a leading BOM also on a resumed connection", async () => {
    const server = await startServer((_req, res, n) => {
      sseHead(res);
      if (n === 0) res.end("id: 7\ndata: a\n\n");
      else res.write("\uFEFFdata: b\n\n");
    });
    const r = record();
    const reader = openEventStream({ url: server.url, ...FAST, ...r.callbacks });
    try {
      await waitFor(() => r.events.length === 2, { timeout: 10_000, message: "two events" });
      assert.deepEqual(r.events[1], { type: "message", data: "b", lastEventId: "7" });
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("stops delivering the rest of a chunk once a handler calls close()", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write("data: 1\n\ndata: 2\n\ndata: 3\n\n");
    });
    const seen: string[] = [];
    const reader = openEventStream({
      url: server.url,
      onEvent: (event) => {
        seen.push(event.data);
        if (event.data === "2") reader.close();
      },
    });
    try {
      await settled(reader.done);
      assert.deepEqual(seen, ["1", "2"]);
    } finally {
      reader.close();
      await server.close();
    }
  });
});

describe("openEventStream: options", () => {
  it("rejects an invalid URL or an initial lastEventId with a line break, at once", () => {
    assert.throws(
      () => openEventStream({ url: "http://exa mple/?token=abc", onEvent: () => {} }),
      (error: unknown) =>
        isMcpSseError(error, "SSE_INVALID_OPTION") && !error.message.includes("abc"),
    );
    assert.throws(
      () => openEventStream({ url: "http://127.0.0.1:1/", lastEventId: "a\nb", onEvent: () => {} }),
      (error: unknown) => isMcpSseError(error, "SSE_INVALID_OPTION"),
    );
  });

  it("rejects negative, NaN or out-of-range numbers, naming the option", () => {
    const bad: [string, Record<string, number>][] = [
      ["minDelayMs", { minDelayMs: -1 }],
      ["maxDelayMs", { maxDelayMs: Number.NaN }],
      ["connectTimeoutMs", { connectTimeoutMs: Number.POSITIVE_INFINITY }],
      ["idleTimeoutMs", { idleTimeoutMs: -5 }],
      ["jitter", { jitter: 1.5 }],
      ["maxAttempts", { maxAttempts: 2.5 }],
    ];
    for (const [option, value] of bad) {
      assert.throws(
        () => openEventStream({ url: "http://127.0.0.1:1/", ...value, onEvent: () => {} }),
        (error: unknown) =>
          isMcpSseError(error, "SSE_INVALID_OPTION") && error.details.option === option,
        option,
      );
    }
  });

  it("retries when the headers function fails (SSE_REQUEST_SETUP), without sending a request", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write("data: with fresh token\n\n");
    });
    const r = record();
    let calls = 0;
    const reader = openEventStream({
      url: server.url,
      headers: async () => {
        calls += 1;
        if (calls === 1) throw new Error("token endpoint down");
        return { Authorization: "Bearer fresh" };
      },
      ...FAST,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 1, { timeout: 10_000, message: "an event" });
      assert.equal(r.errors[0]?.code, "SSE_REQUEST_SETUP");
      assert.match(r.errors[0]?.message ?? "", /token endpoint down/);
      assert.equal(server.requests.length, 1);
      assert.equal(server.requests[0]?.headers.authorization, "Bearer fresh");
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("applies the idle timeout to an initialResponse too, then reconnects with a fetch", async () => {
    const server = await startServer((req, res) => {
      sseHead(res);
      if (req.method === "POST")
        res.write("id: a\ndata: posted\n\n"); // then silence
      else res.write("data: resumed\n\n");
    });
    const r = record();
    const initialResponse = await fetch(server.url, { method: "POST", body: "{}" });
    const reader = openEventStream({
      url: server.url,
      initialResponse,
      idleTimeoutMs: 150,
      ...FAST,
      ...r.callbacks,
    });
    try {
      await waitFor(() => r.events.length === 2, { timeout: 10_000, message: "two events" });
      assert.equal(
        r.changes.find((c) => c.state === "reconnecting")?.error?.code,
        "SSE_IDLE_TIMEOUT",
      );
      assert.deepEqual(
        server.requests.map((q) => [q.method, q.headers["last-event-id"]]),
        [
          ["POST", undefined],
          ["GET", "a"],
        ],
      );
      await waitFor(() => server.aborted >= 1, {
        timeout: 10_000,
        message: "the silent POST stream to be released",
      });
    } finally {
      reader.close();
      await settled(reader.done);
      await server.close();
    }
  });

  it("cuts a hung headers function with the connect timeout, and close() cuts a hung onOpen", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write("data: x\n\n");
    });
    const r = record();
    let calls = 0;
    const reader = openEventStream({
      url: server.url,
      connectTimeoutMs: 100,
      headers: () => {
        calls += 1;
        // The first token refresh never settles.
        return calls === 1 ? new Promise<Record<string, string>>(() => {}) : {};
      },
      ...FAST,
      ...r.callbacks,
      onOpen: () => new Promise<void>(() => {}), // never settles either
    });
    try {
      await waitFor(() => server.requests.length === 1, {
        timeout: 10_000,
        message: "the second attempt's request",
      });
      assert.equal(r.errors[0]?.code, "SSE_CONNECT_TIMEOUT");
      // onOpen hangs: the connect timeout (still running through onOpen) retries again.
      await waitFor(() => r.errors.length >= 2, {
        timeout: 10_000,
        message: "a timeout during onOpen",
      });
      assert.equal(r.errors[1]?.code, "SSE_CONNECT_TIMEOUT");
      reader.close();
      await settled(reader.done);
      assert.equal(reader.state, "closed");
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("close() resolves done while onOpen hangs and no connect timeout runs", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write("data: x\n\n");
    });
    let opening = false;
    const reader = openEventStream({
      url: server.url,
      connectTimeoutMs: 0,
      onEvent: () => {},
      onOpen: () => {
        opening = true;
        return new Promise<void>(() => {});
      },
    });
    try {
      await waitFor(() => opening, { timeout: 10_000, message: "onOpen to be called" });
      reader.close();
      await settled(reader.done);
      await waitFor(() => server.aborted === 1, {
        timeout: 10_000,
        message: "the stream to be released",
      });
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("an already aborted signal closes at once and releases the initialResponse", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.write("data: unread\n\n");
    });
    const r = record();
    const initialResponse = await fetch(server.url, { method: "POST" });
    const reader = openEventStream({
      url: server.url,
      initialResponse,
      signal: AbortSignal.abort(),
      ...r.callbacks,
    });
    try {
      await settled(reader.done);
      assert.deepEqual(states(r), ["closed"]);
      assert.deepEqual(r.events, []);
      await waitFor(() => server.aborted === 1, {
        timeout: 10_000,
        message: "the handed-over stream to be released",
      });
      assert.equal(server.requests.length, 1, "no request of its own");
    } finally {
      reader.close();
      await server.close();
    }
  });

  it("fails at once (SSE_INVALID_OPTION) on a body for a GET reconnect", async () => {
    const server = await startServer((_req, res) => {
      sseHead(res);
      res.end("data: a\n\n");
    });
    const r = record();
    const reader = openEventStream({
      url: server.url,
      method: (ctx) => (ctx.attempt === 0 ? "POST" : "GET"),
      body: "{}", // wrong: the GET reconnect would carry it too
      ...FAST,
      ...r.callbacks,
    });
    try {
      await settled(reader.done);
      assert.equal(reader.error?.code, "SSE_INVALID_OPTION");
      assert.equal(server.requests.length, 1);
    } finally {
      reader.close();
      await server.close();
    }
  });
});
