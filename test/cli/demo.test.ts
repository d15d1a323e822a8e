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
  /^ {2}\d\d:\d\d:\d\d\.\d{3} {2}data_update +\d+ +\d+\.\d\d {2}stream=demo-stream-1 location=San Francisco$/m;

describe("mcp-sse demo", () => {
  test("starts the demo server, lists and calls tools, shows live events and a summary, exits 0", async () => {
    const c = capture();
    const code = await run(["demo", "--seconds", "2.5"], c.io);
    assert.equal(code, 0, c.err());
    const out = c.out();
    assert.match(out, /demo server listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /tools \(2\):\n {2}realtime_monitor +\S.*\n {2}weather_monitor +\S/);
    assert.match(out, /Started monitoring stream: demo-stream-1/);
    assert.match(out, /Started monitoring weather for: San Francisco/);
    assert.match(out, /TIME \(UTC\) +EVENT +SEQ +VALUE +MONITORING/);
    assert.match(out, ROW, "at least one aligned data_update row carrying both ids");
    const received = /events received +(\d+) in [\d.]+ s \(data_update: (\d+)\)/.exec(out);
    assert.ok(received, out);
    assert.ok(Number(received[1]) >= 1);
    assert.equal(received[1], received[2]);
    assert.equal(out.match(new RegExp(ROW.source, "gm"))?.length, Number(received[1]));
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
