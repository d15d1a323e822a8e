/**
 * Credentials never reach the MCP server: the request a tool sees (`ctx.http.req`) carries no
 * Authorization, Cookie or Proxy-Authorization header, on the session legs and the stateless
 * 2026-07-28 leg alike; the principal arrives as `authInfo`, its token redacted.
 */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { McpServer } from "@modelcontextprotocol/server";
import { createMcpHttpHandler } from "../../src/server/handler.js";
import { serve } from "../../src/server/serve.js";
import type { ServerLike } from "../../src/server/types.js";

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe("credentials never reach the MCP server", () => {
  test("ctx.http.req has no Authorization, Cookie or Proxy-Authorization, and no body", async () => {
    const seen: Array<Record<string, unknown>> = [];
    const createServer = (): ServerLike => {
      const server = new McpServer({ name: "x", version: "1" });
      server.registerTool("whoami", { description: "d" }, async (ctx) => {
        const req = (ctx as { http?: { req?: Request } }).http?.req;
        seen.push({
          authorization: req?.headers.get("authorization"),
          cookie: req?.headers.get("cookie"),
          proxy: req?.headers.get("proxy-authorization"),
          custom: req?.headers.get("x-custom"),
          body: req?.body ?? null,
          token: (ctx as { http?: { authInfo?: { token?: string } } }).http?.authInfo?.token,
        });
        return { content: [{ type: "text", text: "ok" }] };
      });
      return server;
    };
    const handler = createMcpHttpHandler({
      stateless: false,
      auth: { tokens: ["s3cret-token-123"] },
      createServer,
    });
    cleanups.push(() => handler.close());
    const h = {
      authorization: "Bearer s3cret-token-123",
      cookie: "sid=abc",
      "proxy-authorization": "Basic eA==",
      "x-custom": "kept",
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    };
    const post = (body: unknown, sid?: string) =>
      handler.fetch(
        new Request("http://localhost/mcp", {
          method: "POST",
          headers: sid ? { ...h, "mcp-session-id": sid } : h,
          body: JSON.stringify(body),
        }),
      );
    const r1 = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-03-26",
        capabilities: {},
        clientInfo: { name: "c", version: "1" },
      },
    });
    const sid = r1.headers.get("mcp-session-id") ?? "";
    await r1.text();
    (await post({ jsonrpc: "2.0", method: "notifications/initialized" }, sid)).body?.cancel();
    const r2 = await post(
      { jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "whoami", arguments: {} } },
      sid,
    );
    assert.match(await r2.text(), /"ok"/);
    assert.deepEqual(seen, [
      {
        authorization: null,
        cookie: null,
        proxy: null,
        custom: "kept",
        body: null,
        token: "[REDACTED]",
      },
    ]);
  });
});

describe("the stateless 2026-07-28 leg hides credentials from the MCP server too", () => {
  test("ctx.http.req of a stateless request has no Authorization; the principal arrives as authInfo", async () => {
    const seen: Array<{ authorization: string | null | undefined; token: unknown }> = [];
    const createServer = () => {
      const server = new McpServer({ name: "x", version: "1" });
      server.registerTool("whoami", { description: "d" }, async (ctx) => {
        const http = (ctx as { http?: { req?: Request; authInfo?: { token?: string } } }).http;
        seen.push({
          authorization: http?.req?.headers.get("authorization"),
          token: http?.authInfo,
        });
        return { content: [{ type: "text", text: "ok" }] };
      });
      return server;
    };
    const h = await serve({ createServer, port: 0, auth: { tokens: ["s3cret-token-456"] } });
    cleanups.push(() => h.close());
    const { Client, StreamableHTTPClientTransport } = await import("@modelcontextprotocol/client");
    const client = new Client(
      { name: "c", version: "1" },
      { versionNegotiation: { mode: "auto" } },
    );
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${h.url}/mcp`), {
        requestInit: { headers: { Authorization: "Bearer s3cret-token-456" } },
      }),
    );
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), "2026-07-28");
      const result = await client.callTool({ name: "whoami", arguments: {} });
      assert.deepEqual(result.content, [{ type: "text", text: "ok" }]);
      assert.equal(seen.length, 1);
      assert.equal(
        seen[0]?.authorization ?? null,
        null,
        "no Authorization header reached the tool",
      );
      assert.ok(seen[0]?.token !== undefined, "the principal arrived as authInfo");
    } finally {
      await client.close();
    }
  });
});
