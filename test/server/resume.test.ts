import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ServeHandle } from "../../src/server/index.js";
import { serve } from "../../src/server/index.js";
import { waitFor } from "../helpers/wait-for.js";
import type { SseMessage } from "./helpers.js";
import { createAnnouncingServer, INIT_PARAMS, openSse, postJson } from "./helpers.js";

const seqOf = (e: SseMessage) => Number(e.id?.split(":")[1]);

/** Wait (bounded) until the server has logged at least `n` outbound messages. */
async function untilMessagesOut(h: ServeHandle, n: number): Promise<void> {
  await waitFor(
    async () => {
      const metric = await h.handler.metrics.messagesOut.get();
      return metric.values.reduce((sum, v) => sum + v.value, 0) >= n;
    },
    { message: `the server to send ${n} messages` },
  );
}

/** Data payloads (JSON-RPC) of message events. */
function payloads(events: SseMessage[]): Array<Record<string, unknown>> {
  return events
    .filter((e) => e.event === "message" && e.data !== "")
    .map((e) => JSON.parse(e.data));
}

async function legacySession(h: ServeHandle) {
  const sse = await openSse(`${h.url}/sse`);
  await sse.waitFor((e) => e.length >= 1);
  const messagesUrl = new URL(sse.events[0]?.data ?? "", h.url).href;
  const post = (body: unknown) => postJson(messagesUrl, body);
  await post({ jsonrpc: "2.0", id: 1, method: "initialize", params: INIT_PARAMS });
  await sse.waitFor((e) => e.some((x) => x.data.includes('"id":1')));
  await post({ jsonrpc: "2.0", method: "notifications/initialized" });
  return { sse, post, sessionId: new URL(messagesUrl).searchParams.get("sessionId") ?? "" };
}

async function streamableSession(h: ServeHandle) {
  const init = await openSse(`${h.url}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: INIT_PARAMS }),
  });
  await init.ended;
  const sessionId = init.response.headers.get("mcp-session-id") ?? "";
  const headers = { "mcp-session-id": sessionId, "mcp-protocol-version": "2025-11-25" };
  assert.equal(
    (
      await postJson(
        `${h.url}/mcp`,
        { jsonrpc: "2.0", method: "notifications/initialized" },
        headers,
      )
    ).status,
    202,
  );
  return { sessionId, headers };
}

const call = (id: number, name: string, args: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name, arguments: args },
});

describe("legacy SSE resumption with Last-Event-ID", () => {
  test("a client that saw only the endpoint event (id <session>:0) gets everything since", async () => {
    const h = await serve({ createServer: createAnnouncingServer, port: 0 });
    try {
      const sse = await openSse(`${h.url}/sse`);
      await sse.waitFor((e) => e.length >= 1);
      const endpoint = sse.events[0];
      assert.match(endpoint?.id ?? "", /:0$/);
      sse.abort(); // cut before anything else came
      const messagesUrl = new URL(endpoint?.data ?? "", h.url).href;
      const init = { jsonrpc: "2.0", id: 1, method: "initialize", params: INIT_PARAMS };
      assert.equal((await postJson(messagesUrl, init)).status, 202);
      await untilMessagesOut(h, 1);
      const again = await openSse(`${h.url}/sse`, {
        headers: { "last-event-id": endpoint?.id ?? "" },
      });
      try {
        await again.waitFor((e) => e.length >= 2);
        assert.deepEqual(
          again.events.map((e) => [seqOf(e), e.event]),
          [
            [0, "endpoint"],
            [1, "message"],
          ],
        );
        assert.equal(payloads(again.events)[0]?.["id"], 1, "the initialize answer, replayed");
      } finally {
        again.abort();
      }
    } finally {
      await h.close();
    }
  });

  test("a cut stream resumes: endpoint re-sent, then everything missed, nothing lost or duplicated", async () => {
    const h = await serve({ createServer: createAnnouncingServer, port: 0 });
    try {
      const { sse, post, sessionId } = await legacySession(h);
      await post(call(2, "burst", { count: 30 }));
      await sse.waitFor((e) => payloads(e).length >= 6);
      sse.abort();
      await sse.ended;
      const before = sse.events.slice(1); // without the endpoint event
      const lastSeen = before.at(-1)?.id ?? "";
      // Sent while no stream is attached: only the log has them.
      await post(call(3, "echo", { text: "while away" }));
      await post(call(4, "burst", { count: 10 }));

      const again = await openSse(`${h.url}/sse`, { headers: { "last-event-id": lastSeen } });
      try {
        assert.equal(again.response.status, 200);
        await again.waitFor((e) => payloads(e).some((p) => p.id === 4));
        const endpoint = again.events[0];
        assert.equal(endpoint?.event, "endpoint");
        assert.equal(endpoint?.id, lastSeen, "endpoint keeps the client's position");
        assert.equal(new URL(endpoint?.data ?? "", h.url).searchParams.get("sessionId"), sessionId);
        const all = [...before, ...again.events.slice(1)];
        const seqs = all.map(seqOf);
        assert.deepEqual(
          seqs,
          seqs.map((_, i) => i + 1),
          "contiguous ids 1..n, no gap, no duplicate",
        );
        const messages = payloads(all);
        const notes = messages
          .filter((m) => m.method === "notifications/message")
          .map((m) => (m.params as { data: string }).data);
        const expected = [
          ...Array.from({ length: 30 }, (_, i) => `n${i}`),
          ...Array.from({ length: 10 }, (_, i) => `n${i}`),
        ];
        assert.deepEqual(notes, expected);
        assert.deepEqual(
          messages.filter((m) => "result" in m).map((m) => m.id),
          [1, 2, 3, 4],
        );
        const reconnects = await h.handler.metrics.streamReconnects.get();
        assert.equal(reconnects.values.find((v) => v.labels.transport === "sse")?.value, 1);
      } finally {
        again.abort();
      }
    } finally {
      await h.close();
    }
  });

  test("a Last-Event-ID older than the log holds gets a clear error event, then what remains", async () => {
    const h = await serve({ createServer: createAnnouncingServer, port: 0, eventLogSize: 5 });
    try {
      const { sse, post, sessionId } = await legacySession(h);
      sse.abort();
      await sse.ended;
      const lastSeen = sse.events.at(-1)?.id ?? "";
      assert.equal(lastSeen, `${sessionId}:1`);
      await post(call(2, "burst", { count: 20 })); // 21 messages: seq 2..22, log keeps 18..22
      await untilMessagesOut(h, 22);
      const again = await openSse(`${h.url}/sse`, { headers: { "last-event-id": lastSeen } });
      try {
        await again.waitFor((e) => payloads(e).some((p) => p.id === 2));
        assert.equal(again.events[0]?.event, "endpoint");
        const gap = again.events[1];
        assert.equal(gap?.event, "error");
        assert.equal(
          gap?.id,
          `${sessionId}:17`,
          "the error's id is the last event the client cannot get",
        );
        const body = JSON.parse(gap?.data ?? "{}") as { code: string; lastEventId: string };
        assert.equal(body.code, "SERVER_REPLAY_GAP");
        assert.equal(body.lastEventId, lastSeen);
        assert.deepEqual(again.events.slice(2).map(seqOf), [18, 19, 20, 21, 22]);
        const gaps = await h.handler.metrics.replayGaps.get();
        assert.equal(gaps.values[0]?.value, 1);
        const drops = await h.handler.metrics.queueDrops.get();
        assert.ok((drops.values[0]?.value ?? 0) >= 17, "evictions counted as queue drops");
      } finally {
        again.abort();
      }
    } finally {
      await h.close();
    }
  });

  test("a log bounded by eventLogBytes (not only by count) gives the resuming client its gap", async () => {
    const h = await serve({ createServer: createAnnouncingServer, port: 0, eventLogBytes: 200 });
    try {
      const { sse, post } = await legacySession(h);
      sse.abort();
      await sse.ended;
      const lastSeen = sse.events.at(-1)?.id ?? "";
      // Each notification is over 150 bytes: with a 200-byte bound, those after seq 1 are gone.
      await post(call(2, "burst", { count: 3, size: 150 }));
      await untilMessagesOut(h, 5);
      const again = await openSse(`${h.url}/sse`, { headers: { "last-event-id": lastSeen } });
      try {
        await again.waitFor((e) => e.some((x) => x.event === "error"));
        const gap = again.events.find((x) => x.event === "error");
        const body = JSON.parse(gap?.data ?? "{}") as { code: string; reason: string };
        assert.equal(body.code, "SERVER_REPLAY_GAP");
        assert.equal(body.reason, "evicted");
      } finally {
        again.abort();
      }
    } finally {
      await h.close();
    }
  });

  test("a Last-Event-ID naming no live session answers 404, never a hang", async () => {
    const h = await serve({ createServer: createAnnouncingServer, port: 0 });
    try {
      const res = await fetch(`${h.url}/sse`, {
        headers: { "last-event-id": `${crypto.randomUUID()}:3` },
      });
      assert.equal(res.status, 404);
      const body = (await res.json()) as { error: { data: { code: string } } };
      assert.equal(body.error.data.code, "SERVER_SESSION_NOT_FOUND");
    } finally {
      await h.close();
    }
  });
});

describe("Streamable HTTP resumption with Last-Event-ID", () => {
  test("a cut POST stream resumes via GET: the rest of it, then it ends", async () => {
    const h = await serve({ createServer: createAnnouncingServer, port: 0 });
    try {
      const { headers } = await streamableSession(h);
      const first = await openSse(`${h.url}/mcp`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify(call(2, "burst", { count: 40 })),
      });
      await first.waitFor((e) => payloads(e).length >= 5);
      first.abort();
      await first.ended;
      const before = [...first.events];
      const lastSeen = before.at(-1)?.id ?? "";
      const resumed = await openSse(`${h.url}/mcp`, {
        headers: { ...headers, "last-event-id": lastSeen },
      });
      assert.equal(resumed.response.status, 200);
      await resumed.ended; // the stream is complete once the response has been replayed
      const all = [...before, ...resumed.events];
      const seqs = all.map(seqOf);
      for (let i = 1; i < seqs.length; i++)
        assert.equal(seqs[i], (seqs[i - 1] ?? 0) + 1, `contiguous at ${i}: ${seqs.join(",")}`);
      const messages = payloads(all);
      const notes = messages
        .filter((m) => m.method === "notifications/message")
        .map((m) => (m.params as { data: string }).data);
      assert.deepEqual(
        notes,
        Array.from({ length: 40 }, (_, i) => `n${i}`),
      );
      assert.deepEqual(
        messages.filter((m) => "result" in m).map((m) => m.id),
        [2],
      );
    } finally {
      await h.close();
    }
  });

  test("a POST stream completed before a thousand others still ends after its replay", async () => {
    // Markers of completed streams were kept for the last 1000 only: resuming an older one
    // replayed it, then held the connection open with nothing more to come.
    const later = 1001;
    const h = await serve({ createServer: createAnnouncingServer, port: 0, eventLogSize: 5000 });
    try {
      const { headers } = await streamableSession(h);
      const post = (id: number) =>
        openSse(`${h.url}/mcp`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ jsonrpc: "2.0", id, method: "ping" }),
        });
      const first = await post(2);
      await first.ended;
      const primingId = first.events[0]?.id ?? "";
      assert.equal(first.events[0]?.data, "", "the first event primes the stream");
      for (let next = 0; next < later; next += 20) {
        const batch = Array.from({ length: Math.min(20, later - next) }, (_, i) =>
          post(3 + next + i),
        );
        for (const stream of await Promise.all(batch)) await stream.ended;
      }
      const resumed = await openSse(`${h.url}/mcp`, {
        headers: { ...headers, "last-event-id": primingId },
      });
      assert.equal(resumed.response.status, 200);
      let ended = false;
      void resumed.ended.then(() => {
        ended = true;
      });
      await waitFor(() => ended, { message: "the resumed, long completed POST stream to end" });
      assert.deepEqual(
        payloads(resumed.events).map((m) => m.id),
        [2],
      );
    } finally {
      await h.close();
    }
  });

  test("the standalone GET stream resumes with what was sent while it was away", async () => {
    const h = await serve({ createServer: createAnnouncingServer, port: 0 });
    try {
      const { headers } = await streamableSession(h);
      const get1 = await openSse(`${h.url}/mcp`, { headers });
      const announce = async (id: number, count: number) => {
        const res = await postJson(`${h.url}/mcp`, call(id, "announce", { count }), headers);
        await res.text();
      };
      await announce(2, 3);
      await get1.waitFor((e) => payloads(e).length >= 3);
      get1.abort();
      await get1.ended;
      const lastSeen = get1.events.at(-1)?.id ?? "";
      await announce(3, 4); // while the GET stream is away
      const get2 = await openSse(`${h.url}/mcp`, {
        headers: { ...headers, "last-event-id": lastSeen },
      });
      try {
        await get2.waitFor((e) => payloads(e).length >= 4);
        const data = payloads([...get1.events, ...get2.events]).map(
          (m) => (m.params as { data: string }).data,
        );
        assert.deepEqual(data, ["a0", "a1", "a2", "a0", "a1", "a2", "a3"]);
        const ids = [...get1.events, ...get2.events].map((e) => e.id);
        assert.equal(new Set(ids).size, ids.length, "no duplicate ids");
      } finally {
        get2.abort();
      }
    } finally {
      await h.close();
    }
  });

  test("a Last-Event-ID older than the log holds gets a clear error event on /mcp too", async () => {
    const h = await serve({ createServer: createAnnouncingServer, port: 0, eventLogSize: 5 });
    try {
      const { headers, sessionId } = await streamableSession(h);
      const get1 = await openSse(`${h.url}/mcp`, { headers });
      const res = await postJson(`${h.url}/mcp`, call(2, "announce", { count: 1 }), headers);
      await res.text();
      await get1.waitFor((e) => payloads(e).length >= 1);
      get1.abort();
      await get1.ended;
      const lastSeen = get1.events.at(-1)?.id ?? "";
      const res2 = await postJson(`${h.url}/mcp`, call(3, "announce", { count: 20 }), headers);
      await res2.text();
      const get2 = await openSse(`${h.url}/mcp`, {
        headers: { ...headers, "last-event-id": lastSeen },
      });
      try {
        await get2.waitFor((e) => e.length >= 1);
        const gap = get2.events[0];
        assert.equal(gap?.event, "error");
        assert.equal(JSON.parse(gap?.data ?? "{}").code, "SERVER_REPLAY_GAP");
        assert.match(gap?.id ?? "", new RegExp(`^${sessionId}:\\d+$`));
      } finally {
        get2.abort();
      }
    } finally {
      await h.close();
    }
  });

  test("a Last-Event-ID of another session is refused with 400", async () => {
    const h = await serve({ createServer: createAnnouncingServer, port: 0 });
    try {
      const { headers } = await streamableSession(h);
      const res = await fetch(`${h.url}/mcp`, {
        headers: {
          ...headers,
          accept: "text/event-stream",
          "last-event-id": `${crypto.randomUUID()}:1`,
        },
      });
      assert.equal(res.status, 400);
      assert.equal(
        ((await res.json()) as { error: { data: { code: string } } }).error.data.code,
        "SERVER_INVALID_EVENT_ID",
      );
    } finally {
      await h.close();
    }
  });
});
