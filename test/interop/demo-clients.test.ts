import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createDemoServer, type DataUpdateEvent } from "../../src/server/demo.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { waitFor } from "../helpers/wait-for.js";
import { CLIENT_KINDS, connectClient, type InteropClient } from "./clients.js";

/**
 * The demo server hosted by mcp-sse's serve(), driven by real SDK v1 and v2 clients over both
 * transports: tools list and call, and the live data_update logging notifications arrive
 * carrying the stream the session monitors.
 */
const INTERVAL_MS = 50;

describe("demo server over serve(): SDK v1 and v2 clients", () => {
  let server: ServeHandle;
  const open: InteropClient[] = [];

  before(async () => {
    server = await serve({
      createServer: () => createDemoServer({ intervalMs: INTERVAL_MS }),
      host: "127.0.0.1",
      port: 0,
    });
  });
  after(async () => {
    for (const c of open) await c.close().catch(() => undefined);
    await server.close();
  });

  for (const kind of CLIENT_KINDS) {
    test(`${kind}: lists and calls the tools, receives data_update events with its stream_id`, async () => {
      const client = await connectClient(kind, server.url);
      open.push(client);
      assert.deepEqual((await client.toolNames()).sort(), ["realtime_monitor", "weather_monitor"]);

      const streamId = `stream-${kind}`;
      assert.equal(
        await client.callText("realtime_monitor", { stream_id: streamId }),
        `Started monitoring stream: ${streamId}`,
      );
      assert.equal(
        await client.callText("weather_monitor", { location: "Lisbon" }),
        "Started monitoring weather for: Lisbon",
      );

      // Events made after both calls carry both ids.
      const mine = () =>
        client.logs.filter((l) => {
          const d = l.data as DataUpdateEvent | undefined;
          return d?.payload?.stream_id === streamId && d.payload.location === "Lisbon";
        });
      await waitFor(() => mine().length >= 2, {
        timeout: 15_000,
        message: `${kind}: two data_update events for ${streamId}`,
      });
      const event = mine()[0];
      assert.equal(event?.logger, "data_update");
      assert.equal(event?.level, "info");
      const data = event?.data as DataUpdateEvent;
      assert.equal(data.event, "data_update");
      assert.equal(typeof data.payload.value, "number");
      assert.ok(!Number.isNaN(Date.parse(data.timestamp)), data.timestamp);
      assert.equal(data.payload.location, "Lisbon");
      // Sessions are separate: another client's stream never shows up here.
      assert.ok(
        client.logs.every((l) => {
          const d = l.data as DataUpdateEvent | undefined;
          return d?.payload?.stream_id === undefined || d.payload.stream_id === streamId;
        }),
      );
      await client.close();
    });
  }

  for (const kind of ["v1-sse", "v2-streamable"] as const) {
    test(`${kind}: logging/setLevel warning stops this session's data_update events`, async () => {
      const client = await connectClient(kind, server.url);
      open.push(client);
      await waitFor(() => client.logs.length >= 1, {
        timeout: 15_000,
        message: `${kind}: a first event`,
      });
      await client.setLoggingLevel("warning");
      const count = client.logs.length;
      // A real window of several demo intervals: nothing marks "no event" positively here.
      await new Promise((r) => setTimeout(r, INTERVAL_MS * 6));
      assert.equal(client.logs.length, count, "no info-level event after setLevel warning");
      await client.setLoggingLevel("info");
      await waitFor(() => client.logs.length > count, {
        timeout: 15_000,
        message: `${kind}: events again at info`,
      });
      await client.close();
    });
  }
});
