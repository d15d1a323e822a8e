import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectMcps, type McpsManager } from "../../src/client/index.js";
import { createJsonLogger } from "../../src/logger.js";
import { createDemoServer } from "../../src/server/demo.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { waitFor } from "../helpers/wait-for.js";

describe("legacy SSE and Streamable HTTP servers side by side, with pings and redacted logs", () => {
  let host: ServeHandle;
  let mcps: McpsManager;
  const lines: string[] = [];

  before(async () => {
    host = await serve({ createServer: () => createDemoServer({ intervalMs: 30 }), port: 0 });
    mcps = await connectMcps(
      {
        mcps: [
          {
            name: "legacy",
            transport: "sse",
            url: `${host.url}/sse`,
            ping_interval: 0.05,
            headers: { Authorization: "Bearer top-secret-value", "X-Trace": "visible" },
          },
          {
            name: "modern",
            transport: "streamable-http",
            url: `${host.url}/mcp`,
            ping_interval: 0.05,
          },
        ],
      },
      { logger: createJsonLogger((line) => lines.push(line), "debug") },
    );
  });
  after(async () => {
    await mcps?.close();
    await host?.close();
  });

  it("connects to both transports and routes calls", async () => {
    assert.deepEqual(
      mcps.servers().map((s) => [s.name, s.state]),
      [
        ["legacy", "ready"],
        ["modern", "ready"],
      ],
    );
    const legacy = await mcps.call("legacy", "realtime_monitor", { stream_id: "L" });
    assert.deepEqual(legacy.content, [{ type: "text", text: "Started monitoring stream: L" }]);
    const modern = await mcps.callQualified("modern__weather_monitor", { location: "Rome" });
    assert.deepEqual(modern.content, [
      { type: "text", text: "Started monitoring weather for: Rome" },
    ]);
  });

  it("receives data_update events from the legacy stream", async () => {
    const iterator = mcps.events({
      server: "legacy",
      type: "data_update",
      filter: (e) => (e.data as { payload?: { stream_id?: string } }).payload?.stream_id === "L",
    });
    const timer = setTimeout(() => void iterator.return?.(), 10_000);
    const first = await iterator.next();
    clearTimeout(timer);
    await iterator.return?.();
    assert.equal(first.done, false);
    assert.equal(first.value?.server, "legacy");
  });

  it("stays ready across several pings", async () => {
    // Several pings reach the server over each transport (nothing else talks to it now).
    const messagesIn = async (transport: string) =>
      (await host.handler.metrics.messagesIn.get()).values.find(
        (v) => v.labels.transport === transport,
      )?.value ?? 0;
    const before = { sse: await messagesIn("sse"), streamable: await messagesIn("streamable") };
    await waitFor(
      async () =>
        (await messagesIn("sse")) >= before.sse + 3 &&
        (await messagesIn("streamable")) >= before.streamable + 3,
      { message: "three pings over each transport" },
    );
    assert.ok(mcps.servers().every((s) => s.state === "ready"));
    assert.equal(mcps.metrics().servers["legacy"]?.reconnects, 0);
  });

  it("never logs a header value", () => {
    const text = lines.join("");
    assert.ok(lines.length > 0, "debug logs were written");
    assert.doesNotMatch(text, /top-secret-value/);
  });
});
