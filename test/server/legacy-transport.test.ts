/**
 * `LegacySseTransport.send`: every message is logged (with its id) before it is written, by
 * `appendNow` when the backend has it (at once: no promise turn per message) or by `append`.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isMcpSseError } from "../../src/errors.js";
import { createMemoryBackend } from "../../src/server/backends/memory.js";
import type { ServerBackend } from "../../src/server/backends/types.js";
import { LegacySseTransport } from "../../src/server/legacy-transport.js";
import { createServerMetrics } from "../../src/server/metrics.js";
import { type SseSink, SseStream } from "../../src/server/sse-stream.js";

const note = (n: number) => ({
  jsonrpc: "2.0" as const,
  method: "notifications/message",
  params: { level: "info", data: n },
});

async function setup(backend: ServerBackend) {
  await backend.createSession({
    id: "s",
    transport: "sse",
    principalId: null,
    createdAt: 0,
    owner: "local",
  });
  const transport = new LegacySseTransport("s", {
    backend,
    metrics: createServerMetrics(),
    messagesPath: "/messages",
  });
  const texts: string[] = [];
  const sink: SseSink = {
    writableLength: 0,
    write: (bytes) => void texts.push(new TextDecoder().decode(bytes)),
    writeText: (text) => void texts.push(text),
    end: () => undefined,
    destroy: () => undefined,
  };
  const stream = new SseStream({ keepAliveMs: 0 });
  stream.attachSink(sink);
  await transport.attach(stream, 0);
  texts.length = 0; // the endpoint event
  return { transport, texts };
}

/** The memory backend without `appendNow`: what a backend that only appends later offers. */
function appendOnly(): ServerBackend {
  const { appendNow, ...rest } = createMemoryBackend();
  return {
    ...rest,
    async append(sessionId, stream, data) {
      await new Promise((resolve) => setImmediate(resolve));
      return appendNow(sessionId, stream, data);
    },
  };
}

describe("LegacySseTransport.send", () => {
  test("with appendNow, a message is logged and written before send returns", async () => {
    const backend = createMemoryBackend();
    const { transport, texts } = await setup(backend);
    const sent = transport.send(note(1));
    assert.deepEqual(texts, [`id: s:1\nevent: message\ndata: ${JSON.stringify(note(1))}\n\n`]);
    await sent;
    const log = await backend.readAfter("s", 0, "sse");
    assert.deepEqual(log.ok && log.entries.map((e) => [e.id, e.data]), [
      ["s:1", JSON.stringify(note(1))],
    ]);
  });

  test("with append only, messages are logged and written in order with their ids", async () => {
    const backend = appendOnly();
    const { transport, texts } = await setup(backend);
    await Promise.all([transport.send(note(1)), transport.send(note(2))]);
    assert.deepEqual(
      texts.map((t) => /^id: (\S+)\n[\s\S]*"data":(\d)/.exec(t)?.slice(1)),
      [
        ["s:1", "1"],
        ["s:2", "2"],
      ],
    );
    const log = await backend.readAfter("s", 1, "sse");
    assert.deepEqual(log.ok && log.entries.map((e) => e.id), ["s:2"]);
  });

  test("a send on a session whose log is gone rejects (SERVER_SESSION_CLOSED), writes nothing", async () => {
    const backend = createMemoryBackend();
    const { transport, texts } = await setup(backend);
    await backend.deleteSession("s");
    await assert.rejects(transport.send(note(1)), (e) => isMcpSseError(e, "SERVER_SESSION_CLOSED"));
    assert.deepEqual(texts, []);
  });
});
