// Issue 11 item 5: a call that times out because the event stream went dead (the server no
// longer delivers answers) makes the connection probe itself with a ping; a failed ping sends
// it `reconnecting`. A tool that is merely slow answers no ping late, so it reconnects nothing.
import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { describe, it } from "node:test";
import { McpServer as V1McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { z } from "zod";
import { connectMcps, type McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { type LoggedLine, recordingLogger } from "../helpers/recording-logger.js";
import { waitFor } from "../helpers/wait-for.js";
import { listen } from "./transports/helpers.js";

/**
 * A real SDK v1 legacy SSE server (`echo`, `hang`) whose open event streams can be made to
 * go silent: POSTs are still accepted (202) but nothing more reaches the client on the
 * stream, like a half-dead connection or a proxy that stopped forwarding.
 */
async function startSilenceableServer() {
  const transports = new Map<string, SSEServerTransport>();
  const silenced = new Set<ServerResponse>();
  const streams = new Set<ServerResponse>();
  const http = await listen(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "GET" && url.pathname === "/sse") {
      streams.add(res);
      const write = res.write.bind(res) as (chunk: unknown, ...rest: unknown[]) => boolean;
      res.write = ((chunk: unknown, ...rest: unknown[]) =>
        silenced.has(res) ? true : write(chunk, ...rest)) as typeof res.write;
      const transport = new SSEServerTransport("/messages", res);
      transports.set(transport.sessionId, transport);
      res.on("close", () => {
        streams.delete(res);
        transports.delete(transport.sessionId);
      });
      const server = new V1McpServer({ name: "silent", version: "1.0.0" });
      server.registerTool("echo", { inputSchema: { text: z.string() } }, async ({ text }) => ({
        content: [{ type: "text", text }],
      }));
      server.registerTool("hang", {}, () => new Promise(() => {}));
      await server.connect(transport);
      return;
    }
    if (req.method === "POST" && url.pathname === "/messages") {
      const transport = transports.get(url.searchParams.get("sessionId") ?? "");
      if (transport === undefined) return void res.writeHead(404).end("unknown session");
      await transport.handlePostMessage(req, res);
      return;
    }
    res.writeHead(404).end();
  });
  return {
    url: `${http.origin}/sse`,
    /** Every stream open now stops delivering; new ones work. */
    silenceOpenStreams: () => {
      for (const res of streams) silenced.add(res);
    },
    close: http.close,
  };
}

async function withServer(
  body: (
    mcps: McpsManager,
    server: Awaited<ReturnType<typeof startSilenceableServer>>,
    logs: LoggedLine[],
    states: string[],
  ) => Promise<void>,
): Promise<void> {
  const server = await startSilenceableServer();
  const logger = recordingLogger();
  const logs = logger.lines;
  const states: string[] = [];
  let mcps: McpsManager | undefined;
  try {
    mcps = await connectMcps(
      {
        mcps: [
          {
            name: "s",
            transport: "sse",
            url: server.url,
            timeout: 2,
            reconnect_interval: 0.05,
            max_reconnects: 5,
          },
        ],
      },
      { logger },
    );
    mcps.on("state", (event) => void states.push(String((event.data as { to: string }).to)));
    assert.equal(mcps.servers()[0]?.state, "ready");
    await body(mcps, server, logs, states);
  } finally {
    await mcps?.close();
    await server.close();
  }
}

describe("a timed-out call probes the connection", () => {
  it("a call that times out on a dead stream makes the server reconnect (regression: ready, every call timing out)", async () => {
    await withServer(async (mcps, server, _logs, states) => {
      server.silenceOpenStreams();
      await assert.rejects(mcps.call("s", "echo", { text: "lost" }), (error: unknown) =>
        isMcpSseError(error, "CLIENT_TIMEOUT"),
      );
      await waitFor(() => states.includes("reconnecting"), {
        timeout: 15_000,
        message: "the server to go reconnecting",
      });
      await waitFor(() => mcps.servers()[0]?.state === "ready", {
        timeout: 15_000,
        message: "the server to be ready again",
      });
      const result = await mcps.call("s", "echo", { text: "back" });
      assert.deepEqual(result.content, [{ type: "text", text: "back" }]);
    });
  });

  it("a slow tool on a healthy connection times out without a reconnect", async () => {
    await withServer(async (mcps, _server, logs, states) => {
      await assert.rejects(mcps.call("s", "hang", {}, { timeout: 200 }), (error: unknown) =>
        isMcpSseError(error, "CLIENT_TIMEOUT"),
      );
      await waitFor(() => logs.some((line) => /probe.*answered/.test(line.msg ?? "")), {
        timeout: 15_000,
        message: "the probe's answer",
      });
      assert.equal(mcps.servers()[0]?.state, "ready");
      assert.ok(!states.includes("reconnecting"), `states: ${states.join(", ")}`);
      const result = await mcps.call("s", "echo", { text: "still here" });
      assert.deepEqual(result.content, [{ type: "text", text: "still here" }]);
    });
  });
});
