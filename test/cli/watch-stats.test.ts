import assert from "node:assert/strict";
import { after, before, describe, it, mock } from "node:test";
import {
  DEFAULT_STATS_INTERVAL_S,
  escapeLabel,
  formatPrometheus,
  startStatsPrinter,
} from "../../src/cli/commands/watch-stats.js";
import { connectMcps, type McpsManager } from "../../src/client/index.js";
import type { ServerMetricsSnapshot } from "../../src/client/metrics.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";

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

describe("watch --stats: Prometheus text exposition", () => {
  it("one HELP and TYPE per family, one sample per server, seconds for times", () => {
    const text = formatPrometheus({
      servers: { a: snapshot(), b: snapshot({ state: "reconnecting", eventsReceived: 0 }) },
    });
    assert.ok(text.endsWith("\n"));
    const lines = text.trimEnd().split("\n");
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

  it("label values are escaped", () => {
    assert.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  });

  describe("the interval, on fake timers, with a real manager", () => {
    let plain: Fixture;
    let mcps: McpsManager;
    before(async () => {
      plain = await startFixture();
      mcps = await connectMcps({
        mcps: [{ name: "p", transport: "streamable-http", url: plain.url }],
      });
    });
    after(async () => {
      mock.timers.reset();
      await mcps?.close();
      await plain?.close();
    });

    it("prints every interval and once more at exit, never after", () => {
      mock.timers.enable({ apis: ["setInterval"] });
      const printed: string[] = [];
      const stop = startStatsPrinter(mcps, (t) => printed.push(t), DEFAULT_STATS_INTERVAL_S * 1000);
      mock.timers.tick(DEFAULT_STATS_INTERVAL_S * 1000 - 1);
      assert.equal(printed.length, 0);
      mock.timers.tick(1);
      assert.equal(printed.length, 1);
      assert.match(printed[0] ?? "", /^mcp_sse_up\{server="p"\} 1$/m);
      mock.timers.tick(DEFAULT_STATS_INTERVAL_S * 1000 * 2);
      assert.equal(printed.length, 3);
      stop(true);
      assert.equal(printed.length, 4, "once at exit");
      stop(true);
      mock.timers.tick(DEFAULT_STATS_INTERVAL_S * 1000 * 5);
      assert.equal(printed.length, 4, "stopped");
      mock.timers.reset();
    });
  });
});
