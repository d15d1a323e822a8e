import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createMemoryBackend } from "../../src/server/backends/memory.js";
import type { ServerBackend } from "../../src/server/backends/types.js";
import { LegacySseTransport } from "../../src/server/legacy-transport.js";
import { createServerMetrics } from "../../src/server/metrics.js";
import { SseStream } from "../../src/server/sse-stream.js";
import { waitFor, withTimeout } from "../helpers/wait-for.js";

/** Regression tests: StreamSlot attaches that overlap, or whose replay fails (slow backend). */

/** A memory backend whose reads are taken at call time but answered only when let go (a slow network). */
function slowReadBackend() {
  const inner = createMemoryBackend();
  const gates: Array<() => void> = [];
  let failNext = false;
  const backend: ServerBackend = {
    ...inner,
    async readAfter(sessionId, lastSeq, stream) {
      if (failNext) {
        failNext = false;
        throw new Error("backend unreachable");
      }
      const snapshot = await inner.readAfter(sessionId, lastSeq, stream);
      await new Promise<void>((resolve) => gates.push(resolve));
      return snapshot;
    },
  };
  return {
    backend,
    gates,
    failNextRead: () => {
      failNext = true;
    },
  };
}

async function drainText(stream: SseStream): Promise<string> {
  const reader = stream.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const read = async () => {
    for (;;) {
      const next = await reader.read();
      if (next.done) return text;
      text += decoder.decode(next.value, { stream: true });
    }
  };
  return withTimeout(read(), 5000, "the stream to end");
}

describe("overlapping resumptions with a slow backend", () => {
  test("two attaches racing on a slow backend lose no event: only the latest flushes", async () => {
    const { backend, gates } = slowReadBackend();
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
    const note = (n: number) =>
      transport.send({ jsonrpc: "2.0", method: "notifications/message", params: { data: n } });
    await note(1);
    await note(2);
    const a = new SseStream({ keepAliveMs: 0 });
    const b = new SseStream({ keepAliveMs: 0 });
    const textA = drainText(a);
    const textB = drainText(b);
    const attachA = transport.attach(a, 1); // reads {2}, answered later
    await note(3); // held for A
    const attachB = transport.attach(b, 1); // closes A; reads {2, 3}, answered later
    await note(4); // held
    await waitFor(() => gates.length === 2, { timeout: 10_000, message: "both reads to be taken" });
    gates[0]?.(); // A's (stale) answer arrives first
    assert.equal(await attachA, 0);
    gates[1]?.();
    assert.equal(await attachB, 2);
    await note(5);
    await transport.close();
    const seqs = (text: string) => [...text.matchAll(/"data":(\d)/g)].map((m) => Number(m[1]));
    assert.deepEqual(seqs(await textB), [2, 3, 4, 5]);
    assert.deepEqual(seqs(await textA), [], "the superseded stream got nothing");
  });

  test("a replay that fails detaches and closes its stream", async () => {
    const { backend, failNextRead } = slowReadBackend();
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
    await transport.send({ jsonrpc: "2.0", method: "notifications/message", params: {} });
    const stream = new SseStream({ keepAliveMs: 0 });
    const text = drainText(stream);
    failNextRead();
    await assert.rejects(transport.attach(stream, 1), /backend unreachable/);
    assert.equal(transport.hasOpenStream(), false);
    assert.match(await text, /event: endpoint/); // ended after the preamble, not left open
    await transport.close();
  });
});
