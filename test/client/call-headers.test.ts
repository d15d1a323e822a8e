/**
 * Per-call headers (`manager.call(…, { headers })`): against a real SDK `McpServer` whose tool
 * reads the HTTP request that carried its call (`ctx.http.req`), over both HTTP transports,
 * the headers arrive on that call's POST and on no other; a secret-looking one the server
 * echoes (in a tool result, or in the body of an HTTP error) is scrubbed from what the call
 * hands back and from the logs. An event feed's RPC POST carries them
 * too. A stdio server, reserved names and bad names or values are `CLIENT_INVALID_OPTION`.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { connectMcps, type McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { startGatedProxy } from "../fixtures/gated-proxy.js";
import { startPlainFeed } from "../fixtures/plain-feed-server.js";
import { recordingLogger } from "../helpers/recording-logger.js";
import { waitFor } from "../helpers/wait-for.js";

const TINY = fileURLToPath(new URL("../fixtures/stdio-tiny-server.mjs", import.meta.url));
const API_KEY = "per-call-key-0123456789";

/** `whoami` answers the request's X-Tenant; `leak` echoes its X-Api-Key in an isError result. */
function headerServer(): McpServer {
  const server = new McpServer({ name: "headers", version: "1.0.0" });
  server.registerTool("whoami", { inputSchema: z.object({}) }, async (_args, ctx) => ({
    content: [{ type: "text", text: `tenant=${ctx.http?.req?.headers.get("x-tenant")}` }],
  }));
  server.registerTool("leak", { inputSchema: z.object({}) }, async (_args, ctx) => ({
    content: [{ type: "text", text: `bad key ${ctx.http?.req?.headers.get("x-api-key")}` }],
    isError: true,
  }));
  return server;
}

const text = (result: { content?: unknown[] }) =>
  (result.content?.[0] as { text?: string } | undefined)?.text;

const invalidOption = (message: RegExp) => (error: unknown) => {
  assert.ok(isMcpSseError(error, "CLIENT_INVALID_OPTION"), String(error));
  assert.match(error.message, message);
  return true;
};

describe("per-call headers on manager.call", () => {
  let handle: ServeHandle;
  let mcps: McpsManager;
  const logger = recordingLogger();

  before(async () => {
    handle = await serve({ port: 0, createServer: headerServer, shutdownTimeoutMs: 200 });
    mcps = await connectMcps(
      {
        mcps: [
          { name: "sse", transport: "sse", url: `${handle.url}/sse`, timeout: 5 },
          { name: "http", transport: "streamable-http", url: `${handle.url}/mcp`, timeout: 5 },
          { name: "tiny", transport: "stdio", command: process.execPath, args: [TINY] },
        ],
      },
      { logger },
    );
    await waitFor(() => mcps.servers().every((s) => s.state === "ready"), {
      message: "every server ready",
    });
  });
  after(async () => {
    await mcps?.close();
    await handle?.close();
  });

  for (const server of ["sse", "http"]) {
    it(`${server}: the headers go on that call's POST, and only on it`, async () => {
      const headers = { "X-Tenant": "acme" };
      assert.equal(text(await mcps.call(server, "whoami", {}, { headers })), "tenant=acme");
      assert.equal(text(await mcps.call(server, "whoami", {})), "tenant=null");
      // Several calls at once, each with its own.
      const answers = await Promise.all(
        ["a", "b", "c"].map((t) => mcps.call(server, "whoami", {}, { headers: { "X-Tenant": t } })),
      );
      assert.deepEqual(answers.map(text), ["tenant=a", "tenant=b", "tenant=c"]);
    });

    it(`${server}: a secret-looking header the server echoes is scrubbed from result and logs`, async () => {
      const result = await mcps.call(server, "leak", {}, { headers: { "X-Api-Key": API_KEY } });
      assert.equal(result.isError, true);
      assert.equal(text(result), "bad key [REDACTED]");
      assert.ok(!JSON.stringify(logger.lines).includes(API_KEY), "no log line has the key");
    });
  }

  it("a stdio server, reserved names, bad names and values: CLIENT_INVALID_OPTION, nothing sent", async () => {
    await assert.rejects(
      mcps.call("tiny", "whoami", {}, { headers: { "X-Tenant": "acme" } }),
      invalidOption(/server "tiny" cannot be sent: the server is a stdio program/),
    );
    assert.match(text(await mcps.call("tiny", "whoami", {}, { headers: {} })) ?? "", /\d+/);
    await assert.rejects(
      mcps.call("http", "whoami", {}, { headers: { "Mcp-Session-Id": "forged" } }),
      invalidOption(/may not set "Mcp-Session-Id" \(the transport owns it\)/),
    );
    await assert.rejects(
      mcps.call("sse", "whoami", {}, { headers: { "X Tenant": "a" } }),
      invalidOption(/name "X Tenant" is not valid/),
    );
    await assert.rejects(
      mcps.call("sse", "whoami", {}, { headers: { "X-Tenant": "a\r\nX-Admin: 1" } }),
      invalidOption(/"X-Tenant" must be a string without CR, LF or NUL/),
    );
    await assert.rejects(
      mcps.call(
        "sse",
        "whoami",
        {},
        { headers: "X-Tenant: a" as unknown as Record<string, string> },
      ),
      invalidOption(/must be an object of header names/),
    );
  });
});

describe("per-call headers: an HTTP error page that echoes one", () => {
  for (const transport of ["sse", "streamable-http"]) {
    it(`${transport}: the call's error and the logs have [REDACTED] where the key was`, async () => {
      const handle = await serve({ port: 0, createServer: headerServer, shutdownTimeoutMs: 200 });
      // A gateway in front that refuses a POST carrying a key, quoting it back.
      const proxy = await startGatedProxy(handle.url, {
        answer: (req) => {
          const key = req.headers["x-api-key"];
          return typeof key === "string"
            ? { status: 403, body: `key ${key} is not allowed` }
            : undefined;
        },
      });
      const logger = recordingLogger();
      const path = transport === "sse" ? "sse" : "mcp";
      const mcps = await connectMcps(
        { mcps: [{ name: "gw", transport, url: `${proxy.url}${path}`, timeout: 5 }] },
        { logger },
      );
      try {
        await waitFor(() => mcps.servers()[0]?.state === "ready", { message: "ready" });
        const headers = { "X-Api-Key": API_KEY };
        await assert.rejects(mcps.call("gw", "whoami", {}, { headers }), (error: unknown) => {
          assert.ok(isMcpSseError(error), String(error));
          assert.match(error.message, /HTTP 403.*key \[REDACTED\] is not allowed/);
          assert.ok(!JSON.stringify(error.details).includes(API_KEY), "details scrubbed");
          return true;
        });
        assert.ok(!JSON.stringify(logger.lines).includes(API_KEY), "no log line has the key");
      } finally {
        await mcps.close();
        await proxy.close();
        await handle.close();
      }
    });
  }
});

describe("per-call headers on an event feed's RPC", () => {
  it("the tools/call POST carries them", async () => {
    const feed = await startPlainFeed();
    const mcps = await connectMcps({
      mcps: [{ name: "feed", kind: "feed", transport: "sse", url: feed.url, timeout: 5 }],
    });
    try {
      await waitFor(() => mcps.servers()[0]?.state === "ready", { message: "feed ready" });
      // The fixture answers tools/call with a 400: the call fails, after the POST was made.
      await assert.rejects(
        mcps.call("feed", "realtime_monitor", {}, { headers: { "X-Tenant": "acme" } }),
      );
      const call = feed.rpcRequests.find((r) => r.method === "tools/call");
      assert.equal(call?.headers["x-tenant"], "acme");
      const list = feed.rpcRequests.find((r) => r.method === "tools/list");
      assert.equal(list?.headers["x-tenant"], undefined);
    } finally {
      await mcps.close();
      await feed.close();
    }
  });
});
