/**
 * Server → client requests through `connectMcps({ handlers })`: a real SDK v2 McpServer on
 * `serve()` whose tools elicit, sample and list roots, reached over Streamable HTTP and
 * legacy SSE; the tool results carry what the client's handlers answered.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type {
  CreateMessageRequest,
  ElicitRequest,
  ElicitRequestFormParams,
} from "@modelcontextprotocol/client";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import {
  CLIENT_NO_ROOTS_HANDLER,
  CLIENT_UNKNOWN_SERVER,
  connectMcps,
  type McpsManager,
  type ServerRequestContext,
} from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { waitFor, withTimeout } from "../helpers/wait-for.js";

/** Every wait in this file is bounded by this (a failure, never a hang). */
const WAIT_MS = 10_000;
/** The server's own timeout for the elicitation nobody answers in time. */
const SHORT_SERVER_TIMEOUT_MS = 300;

const FORM: ElicitRequestFormParams = {
  mode: "form",
  message: "Who are you?",
  requestedSchema: {
    type: "object",
    properties: {
      name: { type: "string" },
      color: { type: "string", default: "blue" },
    },
    required: ["name"],
  },
};

function text(result: { content: Array<{ type: string; text?: string }> }): string {
  return result.content.map((c) => (c.type === "text" ? (c.text ?? "") : "")).join("");
}

/** One McpServer per session; every tool answers with what the client sent back. */
interface Host {
  handle: ServeHandle;
  servers: McpServer[];
  rootsChanged: string[];
}

async function startHost(): Promise<Host> {
  const host: Host = { handle: undefined as never, servers: [], rootsChanged: [] };
  host.handle = await serve({
    port: 0,
    createServer: () => {
      const mcp = new McpServer({ name: "asker", version: "1.0.0" });
      host.servers.push(mcp);
      mcp.server.setNotificationHandler("notifications/roots/list_changed", () => {
        host.rootsChanged.push(mcp.server.getClientVersion()?.name ?? "?");
      });
      mcp.registerTool("capabilities", {}, async () => ({
        content: [{ type: "text", text: JSON.stringify(mcp.server.getClientCapabilities()) }],
      }));
      mcp.registerTool(
        "ask",
        { inputSchema: z.object({ who: z.string() }) },
        async ({ who }, ctx) => {
          const answer = await ctx.mcpReq.elicitInput({ ...FORM, message: `Who are you, ${who}?` });
          return { content: [{ type: "text", text: JSON.stringify(answer) }] };
        },
      );
      mcp.registerTool("ask_briefly", {}, async (ctx) => {
        const answer = await ctx.mcpReq.elicitInput(FORM, { timeout: SHORT_SERVER_TIMEOUT_MS });
        return { content: [{ type: "text", text: JSON.stringify(answer) }] };
      });
      mcp.registerTool("sample", {}, async (ctx) => {
        const answer = await ctx.mcpReq.requestSampling({
          messages: [{ role: "user", content: { type: "text", text: "Say hi" } }],
          maxTokens: 20,
        });
        return { content: [{ type: "text", text: JSON.stringify(answer) }] };
      });
      // Not tied to the tool call: the request travels on the session's standalone stream.
      mcp.registerTool("roots", {}, async () => {
        const { roots } = await mcp.server.listRoots(undefined, { timeout: WAIT_MS });
        return { content: [{ type: "text", text: JSON.stringify(roots) }] };
      });
      return mcp;
    },
  });
  return host;
}

function config(url: string) {
  return {
    mcps: [
      { name: "modern", transport: "streamable-http", url: `${url}/mcp`, timeout: 10 },
      { name: "legacy", transport: "sse", url: `${url}/sse`, timeout: 10 },
    ],
  };
}

describe("connectMcps handlers: elicitation, sampling and roots answered per server", () => {
  let host: Host;
  let mcps: McpsManager;
  const elicited: Array<{ server: string; message: string }> = [];
  const sampled: Array<{ server: string; request: CreateMessageRequest }> = [];
  const briefly: { aborted?: Promise<boolean> } = {};

  before(async () => {
    host = await startHost();
    mcps = await connectMcps(config(host.handle.url), {
      handlers: {
        elicitation: async (request: ElicitRequest, { server, signal }: ServerRequestContext) => {
          const message = request.params.message;
          elicited.push({ server, message });
          if (message.includes("mallory")) throw new Error("user went away");
          if (message === FORM.message) {
            // Never answer in time: wait for the server to cancel (bounded for safety).
            briefly.aborted = new Promise<boolean>((resolve) => {
              const timer = setTimeout(() => resolve(false), WAIT_MS);
              signal.addEventListener("abort", () => {
                clearTimeout(timer);
                resolve(true);
              });
            });
            await briefly.aborted;
            return { action: "cancel" };
          }
          // `color` is left out on purpose: the SDK fills in its default.
          return { action: "accept", content: { name: `${server}-user` } };
        },
        sampling: async (request, { server }) => {
          sampled.push({ server, request });
          return {
            model: "test-model",
            role: "assistant",
            content: { type: "text", text: `hello from ${server}` },
          };
        },
        roots: ({ server }) => [{ uri: `file:///work/${server}`, name: server }],
      },
    });
  });
  after(async () => {
    await mcps?.close();
    await host?.handle.close();
  });

  it("declares exactly the capabilities of the handlers given", async () => {
    assert.deepEqual(
      mcps.servers().map((s) => s.state),
      ["ready", "ready"],
    );
    const result = await mcps.call("modern", "capabilities");
    assert.deepEqual(JSON.parse(text(result)), {
      elicitation: { form: { applyDefaults: true } },
      sampling: {},
      roots: { listChanged: true },
    });
  });

  it("routes elicitation to the handler with the asking server's name, defaults applied", async () => {
    for (const server of ["modern", "legacy"]) {
      const result = await withTimeout(
        mcps.call(server, "ask", { who: server }),
        WAIT_MS,
        `ask ${server}`,
      );
      assert.notEqual(result.isError, true, text(result));
      assert.deepEqual(JSON.parse(text(result)), {
        action: "accept",
        content: { name: `${server}-user`, color: "blue" },
      });
    }
    assert.deepEqual(elicited, [
      { server: "modern", message: "Who are you, modern?" },
      { server: "legacy", message: "Who are you, legacy?" },
    ]);
  });

  it("answers sampling with the handler's message", async () => {
    const result = await withTimeout(mcps.call("legacy", "sample"), WAIT_MS, "sample");
    assert.notEqual(result.isError, true, text(result));
    assert.deepEqual(JSON.parse(text(result)), {
      model: "test-model",
      role: "assistant",
      content: { type: "text", text: "hello from legacy" },
    });
    assert.equal(sampled.length, 1);
    assert.equal(sampled[0]?.server, "legacy");
    assert.deepEqual(sampled[0]?.request.params.messages, [
      { role: "user", content: { type: "text", text: "Say hi" } },
    ]);
  });

  it("lists the roots of the asking server, also on the standalone stream", async () => {
    for (const server of ["modern", "legacy"]) {
      const result = await withTimeout(mcps.call(server, "roots"), WAIT_MS, `roots ${server}`);
      assert.notEqual(result.isError, true, text(result));
      assert.deepEqual(JSON.parse(text(result)), [{ uri: `file:///work/${server}`, name: server }]);
    }
  });

  it("a handler that throws gives the server a JSON-RPC error, and the client stays ready", async () => {
    const result = await withTimeout(
      mcps.call("modern", "ask", { who: "mallory" }),
      WAIT_MS,
      "ask mallory",
    );
    assert.equal(result.isError, true);
    assert.match(text(result), /user went away/);
    assert.equal(mcps.servers().find((s) => s.name === "modern")?.state, "ready");
    const again = await withTimeout(
      mcps.call("modern", "ask", { who: "trent" }),
      WAIT_MS,
      "ask trent",
    );
    assert.notEqual(again.isError, true, text(again));
  });

  it("a handler slower than the server's timeout: the server times out and cancels it", async () => {
    const result = await withTimeout(mcps.call("modern", "ask_briefly"), WAIT_MS, "ask_briefly");
    assert.equal(result.isError, true);
    assert.match(text(result), /time/i);
    assert.ok(briefly.aborted, "the handler was called");
    assert.equal(await briefly.aborted, true, "the handler's signal was aborted");
    // The client is not stuck: the next request is answered.
    const next = await withTimeout(mcps.call("modern", "sample"), WAIT_MS, "sample after timeout");
    assert.notEqual(next.isError, true, text(next));
  });

  it("notifyRootsChanged() tells every ready server, or only the one named", async () => {
    const before = host.rootsChanged.length;
    await mcps.notifyRootsChanged("legacy");
    await waitFor(() => host.rootsChanged.length >= before + 1, {
      timeout: WAIT_MS,
      message: "roots list_changed (one server)",
    });
    await mcps.notifyRootsChanged();
    await waitFor(() => host.rootsChanged.length >= before + 3, {
      timeout: WAIT_MS,
      message: "roots list_changed (all servers)",
    });
    await assert.rejects(mcps.notifyRootsChanged("nope"), (error) =>
      isMcpSseError(error, CLIENT_UNKNOWN_SERVER),
    );
  });
});

describe("connectMcps without handlers: no client capabilities, nothing answered", () => {
  let host: Host;
  let mcps: McpsManager;

  before(async () => {
    host = await startHost();
    mcps = await connectMcps(config(host.handle.url));
  });
  after(async () => {
    await mcps?.close();
    await host?.handle.close();
  });

  it("declares no capabilities, so the server's elicitation fails on its side", async () => {
    const caps = await mcps.call("modern", "capabilities");
    assert.deepEqual(JSON.parse(text(caps)), {});
    const result = await withTimeout(
      mcps.call("modern", "ask", { who: "x" }),
      WAIT_MS,
      "ask without handler",
    );
    assert.equal(result.isError, true);
    assert.match(text(result), /elicitation/i);
  });

  it("notifyRootsChanged() needs a roots handler", async () => {
    await assert.rejects(mcps.notifyRootsChanged(), (error) =>
      isMcpSseError(error, CLIENT_NO_ROOTS_HANDLER),
    );
  });
});
