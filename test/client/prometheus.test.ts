import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ServerMetricsSnapshot } from "../../src/client/metrics.js";
import { createClientMetricsRegistry } from "../../src/client/prometheus.js";

const snapshot = (extra: Partial<ServerMetricsSnapshot> = {}): ServerMetricsSnapshot => ({
  state: "ready",
  connectedSince: null,
  connectionMs: 1500,
  connectedTotalMs: 2500,
  reconnects: 1,
  streamReconnects: 0,
  eventsReceived: 42,
  eventsDropped: 0,
  startupDropped: 3,
  errors: 2,
  calls: { count: 0, errors: 0, latencyMs: null },
  handlers: { count: 4, totalMs: 10, minMs: 1, avgMs: 2.5, maxMs: 5, slow: 1 },
  ...extra,
});

describe("createClientMetricsRegistry: the client's metrics for Prometheus", () => {
  const registryOf = (servers: Record<string, ServerMetricsSnapshot>) =>
    createClientMetricsRegistry({ metrics: () => ({ servers }) });

  it("one HELP and TYPE per family, one sample per server, seconds for times", async () => {
    const text = await registryOf({
      a: snapshot(),
      b: snapshot({ state: "reconnecting", eventsReceived: 0 }),
    }).metrics();
    assert.ok(text.endsWith("\n"));
    const lines = text.split("\n").filter((l) => l !== "");
    for (const line of lines)
      assert.match(line, /^(# (HELP|TYPE) mcp_sse_\w+ .+|mcp_sse_\w+\{server="[ab]"\} [-+\w.]+)$/);
    assert.equal(
      lines.filter((l) => l === "# TYPE mcp_sse_events_received_total counter").length,
      1,
    );
    assert.ok(lines.includes('mcp_sse_events_received_total{server="a"} 42'));
    assert.ok(lines.includes('mcp_sse_events_received_total{server="b"} 0'));
    assert.ok(lines.includes('mcp_sse_up{server="a"} 1'));
    assert.ok(lines.includes('mcp_sse_up{server="b"} 0'));
    assert.ok(lines.includes('mcp_sse_connection_seconds{server="a"} 1.5'));
    assert.ok(lines.includes('mcp_sse_connected_seconds_total{server="a"} 2.5'));
    assert.ok(lines.includes('mcp_sse_handler_min_seconds{server="a"} 0.001'));
    assert.ok(lines.includes('mcp_sse_handler_avg_seconds{server="a"} 0.0025'));
    assert.ok(lines.includes('mcp_sse_handler_max_seconds{server="a"} 0.005'));
    assert.ok(lines.includes('mcp_sse_slow_handlers_total{server="a"} 1'));
    assert.ok(lines.includes('mcp_sse_startup_events_dropped_total{server="a"} 3'));
    assert.ok(lines.includes('mcp_sse_errors_total{server="a"} 2'));
    // Every family's samples directly follow its HELP and TYPE lines.
    const type = lines.indexOf("# TYPE mcp_sse_up gauge");
    assert.equal(lines[type - 1]?.startsWith("# HELP mcp_sse_up "), true);
    assert.deepEqual(lines.slice(type + 1, type + 3), [
      'mcp_sse_up{server="a"} 1',
      'mcp_sse_up{server="b"} 0',
    ]);
  });

  it("reads the source at every scrape: a counter follows the running total", async () => {
    let received = 1;
    const registry = createClientMetricsRegistry({
      metrics: () => ({ servers: { a: snapshot({ eventsReceived: received }) } }),
    });
    assert.match(await registry.metrics(), /^mcp_sse_events_received_total\{server="a"\} 1$/m);
    received = 5;
    assert.match(await registry.metrics(), /^mcp_sse_events_received_total\{server="a"\} 5$/m);
  });

  it("label values are escaped", async () => {
    const text = await registryOf({ 'a"b\\c\nd': snapshot() }).metrics();
    assert.match(text, /^mcp_sse_up\{server="a\\"b\\\\c\\nd"\} 1$/m);
  });
});
