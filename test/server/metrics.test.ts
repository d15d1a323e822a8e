import assert from "node:assert/strict";
import { test } from "node:test";
import { createServerMetrics } from "../../src/server/metrics.js";

async function countOf(
  counter: ReturnType<typeof createServerMetrics>["messagesIn"],
  transport: string,
): Promise<number> {
  const metric = await counter.get();
  return metric.values.find((v) => v.labels.transport === transport)?.value ?? 0;
}

test("count.in / count.out are folded into their counters when read, each message once", async () => {
  const metrics = createServerMetrics();
  for (let i = 0; i < 3; i++) metrics.count.in("sse");
  metrics.count.in("stateless");
  metrics.count.out("streamable");
  assert.equal(await countOf(metrics.messagesIn, "sse"), 3);
  assert.equal(await countOf(metrics.messagesIn, "stateless"), 1);
  assert.equal(await countOf(metrics.messagesOut, "streamable"), 1);
  // A second read adds nothing more; a new count adds to what was folded.
  assert.equal(await countOf(metrics.messagesIn, "sse"), 3);
  metrics.count.in("sse");
  assert.equal(await countOf(metrics.messagesIn, "sse"), 4);
});

test("a Prometheus scrape of the registry shows the counts", async () => {
  const metrics = createServerMetrics();
  metrics.count.in("sse");
  metrics.count.out("sse");
  metrics.count.out("sse");
  const text = await metrics.registry.metrics();
  assert.match(text, /^mcp_sse_messages_in_total\{transport="sse"\} 1$/m);
  assert.match(text, /^mcp_sse_messages_out_total\{transport="sse"\} 2$/m);
  // Counting through `inc` directly still works and adds up with the folded counts.
  metrics.messagesOut.inc({ transport: "sse" });
  assert.match(
    await metrics.registry.metrics(),
    /^mcp_sse_messages_out_total\{transport="sse"\} 3$/m,
  );
});

test("count.evicted is folded into queue drops (event_log_full) when read or scraped", async () => {
  const metrics = createServerMetrics();
  metrics.count.evicted(2);
  metrics.count.evicted(1);
  const drops = await metrics.queueDrops.get();
  assert.deepEqual(
    drops.values.map((v) => [v.labels.reason, v.value]),
    [["event_log_full", 3]],
  );
  metrics.count.evicted(4);
  assert.match(
    await metrics.registry.metrics(),
    /^mcp_sse_queue_drops_total\{reason="event_log_full"\} 7$/m,
  );
});
