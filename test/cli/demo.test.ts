import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CliIO } from "../../src/cli/io.js";
import { run } from "../../src/cli/main.js";

function capture(signal: AbortSignal = new AbortController().signal) {
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env: {},
    signal,
    cwd: process.cwd(),
  };
  return { io, out: () => stdout, err: () => stderr };
}

const ROW =
  /^ {2}\d\d:\d\d:\d\d\.\d{3} {2}(legacy|streamable) +data_update +\d+ +\d+\.\d\d {2}(stream=demo-stream-1|location=San Francisco)$/m;

describe("mcp-sse demo", () => {
  test("serves the demo, connects the mcp-sse client over both transports, calls tools, shows live events and a summary, exits 0", async () => {
    const c = capture();
    const code = await run(["demo", "--seconds", "2.5"], c.io);
    assert.equal(code, 0, c.err());
    const out = c.out();
    assert.match(out, /demo server listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /one tool set across both connections \(4 tools\):/);
    for (const name of ["legacy__realtime_monitor", "streamable__weather_monitor"]) {
      assert.match(out, new RegExp(`^ {2}${name} +\\S`, "m"));
    }
    assert.match(out, /Started monitoring stream: demo-stream-1/);
    assert.match(out, /Started monitoring weather for: San Francisco/);
    assert.match(out, /TIME \(UTC\) +SERVER +EVENT +SEQ +VALUE +MONITORING/);
    const rows = out.match(new RegExp(ROW.source, "gm")) ?? [];
    // Each connection monitors what was called on it: the legacy rows carry the stream id,
    // the streamable rows the location.
    for (const row of rows) {
      assert.ok(
        row.includes("legacy") ? row.includes("stream=") : row.includes("location="),
        `events routed to the session that asked for them: ${row}`,
      );
    }
    const received = /data_update +(\d+) in [\d.]+ s \((.*)\)/.exec(out);
    assert.ok(received, out);
    assert.ok(Number(received[1]) >= 2, "events from both servers");
    assert.equal(rows.length, Number(received[1]));
    assert.match(received[2] ?? "", /legacy: \d+/);
    assert.match(received[2] ?? "", /streamable: \d+/);
    assert.match(out, /^ {2}legacy +ready, 1 call\(s\)/m);
  });

  test("Ctrl-C (the abort signal) ends the live section early and still exits 0", async () => {
    const controller = new AbortController();
    const c = capture(controller.signal);
    const running = run(["demo", "--seconds", "600"], c.io);
    const until = Date.now() + 60_000;
    while (!c.out().includes("live events for")) {
      assert.ok(Date.now() < until, "the demo reached its live section");
      await new Promise((r) => setTimeout(r, 25));
    }
    controller.abort();
    assert.equal(await running, 0);
    assert.match(c.out(), /summary:/);
  });

  test("a bad --seconds is a usage error (exit 2)", async () => {
    const c = capture();
    assert.equal(await run(["demo", "--seconds", "soon"], c.io), 2);
    assert.match(c.err(), /--seconds must be a number.*\[CLI_USAGE\]/);
  });
});
