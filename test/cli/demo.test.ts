import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { run } from "../../src/cli/main.js";
import { fakeIO } from "../fixtures/client-cli.js";
import { waitFor } from "../helpers/wait-for.js";

const ROW =
  /^ {2}\d\d:\d\d:\d\d\.\d{3} {2}(mcp|feed) +data_update +\d+ +\d+\.\d\d {2}(stream=demo-stream-1|\(nothing yet\))$/m;

describe("mcp-sse demo", () => {
  test("serves the demo, connects the mcp-sse client to the MCP server and the event feed, calls tools, shows live events in one table and a summary, exits 0", async () => {
    const io = fakeIO(process.cwd());
    const code = await run(["demo", "--seconds", "2.5"], io);
    assert.equal(code, 0, io.stderrText());
    const out = io.stdoutText();
    assert.match(out, /demo server listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /one tool set across the MCP server and the event feed \(4 tools\):/);
    for (const name of ["mcp__realtime_monitor", "feed__weather_monitor"]) {
      assert.match(out, new RegExp(`^ {2}${name} +\\S`, "m"));
    }
    assert.match(out, /Started monitoring stream: demo-stream-1/);
    assert.match(out, /Started monitoring weather for: San Francisco/);
    assert.match(out, /TIME \(UTC\) +SERVER +EVENT +SEQ +VALUE +MONITORING/);
    const rows = out.match(new RegExp(ROW.source, "gm")) ?? [];
    // The MCP session monitors what was called on it; the feed's events are its own.
    for (const row of rows) {
      assert.ok(
        row.includes(" mcp ") ? row.includes("stream=") : row.includes("(nothing yet)"),
        `events routed to the session that asked for them: ${row}`,
      );
    }
    const received = /data_update +(\d+) in [\d.]+ s \((.*)\)/.exec(out);
    assert.ok(received, out);
    assert.ok(Number(received[1]) >= 2, "events from both servers");
    assert.equal(rows.length, Number(received[1]));
    assert.match(received[2] ?? "", /mcp: \d+/);
    assert.match(received[2] ?? "", /feed: \d+/);
    assert.match(out, /^ {2}mcp +ready, 1 call\(s\)/m);
    assert.match(out, /^ {2}feed +ready, 1 call\(s\)/m);
  });

  test("Ctrl-C (the abort signal) ends the live section early and still exits 0", async () => {
    const io = fakeIO(process.cwd());
    const running = run(["demo", "--seconds", "600"], io);
    await waitFor(() => io.stdoutText().includes("live events for"), {
      timeout: 60_000,
      message: "the demo reached its live section",
    });
    io.abort();
    assert.equal(await running, 0);
    assert.match(io.stdoutText(), /summary:/);
  });

  test("a bad --seconds is a usage error (exit 2)", async () => {
    const io = fakeIO(process.cwd());
    assert.equal(await run(["demo", "--seconds", "soon"], io), 2);
    assert.match(io.stderrText(), /--seconds must be a number.*\[CLI_USAGE\]/);
  });
});
