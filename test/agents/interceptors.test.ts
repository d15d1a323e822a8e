/**
 * The adapters' `beforeCall` / `afterCall` interceptors against the real demo server: the
 * arguments `beforeCall` returns are what the server runs, the headers it returns go on that
 * call's HTTP request (over both transports: a tool reads them back), the result `afterCall`
 * returns is what the framework gets, and a throwing interceptor is each framework's tool
 * error, as is a `beforeCall` answer of the wrong shape (an object of arguments). The AI
 * SDK runs with its mock model; LangChain and OpenAI Agents tools are invoked as their agent
 * loops invoke them (a tool call; `invoke(runContext, json, details)`).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CallToolResult } from "@modelcontextprotocol/client";
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { AfterCall, BeforeCall, ToolCallInfo } from "../../src/agents/ai.js";
import * as aiAdapter from "../../src/agents/ai.js";
import * as langchainAdapter from "../../src/agents/langchain.js";
import * as agentsAdapter from "../../src/agents/openai-agents.js";
import type { McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { AGENT_TRANSPORTS } from "../fixtures/agent-demo.js";
import { agentsInvoke, aiStep, langchainInvoke, useAgentDemo } from "./helpers.js";

/** The model-visible output of one AI SDK run that calls `toolName(input)`. */
const aiOutput = async (...a: Parameters<typeof aiStep>) => (await aiStep(...a)).output;

/** Rewrites the stream id, and records what each hook saw. */
function recordingHooks() {
  const seen: { before: ToolCallInfo[]; after: (ToolCallInfo & { result: CallToolResult })[] } = {
    before: [],
    after: [],
  };
  const beforeCall: BeforeCall = async (call) => {
    seen.before.push(call);
    return { args: { ...call.args, stream_id: `${String(call.args["stream_id"])}-usd` } };
  };
  const afterCall: AfterCall = async (call) => {
    seen.after.push(call);
    const first = call.result.content?.[0];
    const text = first?.type === "text" ? first.text : "";
    return { ...call.result, content: [{ type: "text", text: `${text} (checked)` }] };
  };
  return { seen, beforeCall, afterCall };
}

const refuse: BeforeCall = () => {
  throw new Error("calls to this tool are not allowed today");
};
const brokenAfter: AfterCall = () => Promise.reject(new Error("the result could not be redacted"));

describe("call interceptors (beforeCall / afterCall), every adapter, against the demo server", () => {
  let mcps: McpsManager;
  const callCount = () => mcps.metrics().servers["demo"]?.calls.count ?? 0;

  useAgentDemo("streamable-http", (_demo, m) => {
    mcps = m;
  });

  it("AI SDK: the server runs beforeCall's arguments; the model reads afterCall's result", async () => {
    const hooks = recordingHooks();
    const output = await aiOutput(mcps, hooks, "demo__realtime_monitor", { stream_id: "btc" });
    assert.deepEqual(output, {
      type: "content",
      value: [{ type: "text", text: "Started monitoring stream: btc-usd (checked)" }],
    });
    assert.deepEqual(hooks.seen.before, [
      {
        server: "demo",
        tool: "realtime_monitor",
        qualifiedName: "demo__realtime_monitor",
        args: { stream_id: "btc" },
      },
    ]);
    // afterCall sees the arguments that were sent, and the server's own result.
    assert.deepEqual(hooks.seen.after[0]?.args, { stream_id: "btc-usd" });
    assert.deepEqual(hooks.seen.after[0]?.result.content, [
      { type: "text", text: "Started monitoring stream: btc-usd" },
    ]);
  });

  it("AI SDK: a throwing beforeCall is a tool-error with its message, and nothing is sent", async () => {
    const calls = callCount();
    const output = await aiOutput(mcps, { beforeCall: refuse }, "demo__realtime_monitor", {
      stream_id: "btc",
    });
    assert.deepEqual(output, {
      type: "error-text",
      value: "calls to this tool are not allowed today",
    });
    assert.equal(callCount(), calls);
  });

  it("AI SDK: a rejecting afterCall is a tool-error after the server ran the call", async () => {
    const calls = callCount();
    const output = await aiOutput(mcps, { afterCall: brokenAfter }, "demo__weather_monitor", {
      location: "Paris",
    });
    assert.deepEqual(output, { type: "error-text", value: "the result could not be redacted" });
    assert.equal(callCount(), calls + 1);
  });

  it("AI SDK: afterCall sees isError results too, and may turn them into answers", async () => {
    const output = await aiOutput(
      mcps,
      {
        afterCall: ({ result }) => ({
          content: [{ type: "text", text: `retry later: ${JSON.stringify(result.isError)}` }],
        }),
      },
      "demo__fail",
      {},
    );
    assert.deepEqual(output, {
      type: "content",
      value: [{ type: "text", text: "retry later: true" }],
    });
  });

  it("LangChain: the ToolMessage carries afterCall's result for beforeCall's arguments", async () => {
    const hooks = recordingHooks();
    const message = await langchainInvoke(mcps, hooks, "demo__realtime_monitor", {
      stream_id: "eth",
    });
    assert.equal(message.status, "success");
    assert.equal(message.content, "Started monitoring stream: eth-usd (checked)");
    assert.deepEqual(hooks.seen.after[0]?.args, { stream_id: "eth-usd" });
  });

  it("LangChain: a throwing interceptor is a ToolMessage with status error and its message", async () => {
    const refused = await langchainInvoke(mcps, { beforeCall: refuse }, "demo__weather_monitor", {
      location: "Oslo",
    });
    assert.equal(refused.status, "error");
    assert.equal(refused.content, "calls to this tool are not allowed today");
    const broken = await langchainInvoke(
      mcps,
      { afterCall: brokenAfter },
      "demo__weather_monitor",
      {
        location: "Oslo",
      },
    );
    assert.equal(broken.status, "error");
    assert.equal(broken.content, "the result could not be redacted");
  });

  it("OpenAI Agents: the output is afterCall's text for beforeCall's arguments", async () => {
    const hooks = recordingHooks();
    const output = await agentsInvoke(mcps, hooks, "demo__realtime_monitor", { stream_id: "sol" });
    assert.equal(output, "Started monitoring stream: sol-usd (checked)");
    assert.equal(hooks.seen.before[0]?.qualifiedName, "demo__realtime_monitor");
  });

  it("OpenAI Agents: a throwing interceptor's message is the function call's output", async () => {
    const calls = callCount();
    const refused = await agentsInvoke(mcps, { beforeCall: refuse }, "demo__weather_monitor", {
      location: "Rome",
    });
    assert.equal(refused, "calls to this tool are not allowed today");
    assert.equal(callCount(), calls);
    const broken = await agentsInvoke(mcps, { afterCall: brokenAfter }, "demo__weather_monitor", {
      location: "Rome",
    });
    assert.equal(broken, "the result could not be redacted");
  });

  it("an interceptor answering something other than an object is a tool error naming the hook", async () => {
    const message = await langchainInvoke(
      mcps,
      { beforeCall: (() => "stream_id=btc") as unknown as BeforeCall },
      "demo__realtime_monitor",
      { stream_id: "btc" },
    );
    assert.equal(message.status, "error");
    assert.match(
      String(message.content),
      /^beforeCall for demo__realtime_monitor returned string; expected \{ args\?, headers\? \} or undefined/,
    );
    const output = await agentsInvoke(
      mcps,
      { afterCall: (() => [1]) as unknown as AfterCall },
      "demo__realtime_monitor",
      { stream_id: "btc" },
    );
    assert.match(String(output), /^afterCall for demo__realtime_monitor returned an array/);
  });

  it("an interceptor that is not a function is AGENTS_INVALID_OPTION for each adapter", () => {
    const bad = { beforeCall: "log" } as unknown as aiAdapter.McpsToolsOptions;
    for (const [adapter, make] of [
      ["mcp-sse/ai", () => aiAdapter.mcpsTools(mcps, bad)],
      ["mcp-sse/langchain", () => langchainAdapter.mcpsToolkit(mcps, bad)],
      ["mcp-sse/openai-agents", () => agentsAdapter.mcpsTools(mcps, bad)],
    ] as const)
      assert.throws(make, (error: unknown) => {
        assert.ok(isMcpSseError(error, "AGENTS_INVALID_OPTION"));
        assert.equal(error.message, `${adapter}: option "beforeCall" must be a function.`);
        return true;
      });
  });
});

/** `whoami` answers the `X-Tenant` header of the HTTP request that carried its call. */
function registerWhoami(server: McpServer): void {
  server.registerTool("whoami", { inputSchema: z.object({}) }, async (_args, ctx) => ({
    content: [{ type: "text", text: `tenant=${ctx.http?.req?.headers.get("x-tenant")}` }],
  }));
}

const asTenant =
  (tenant: string): BeforeCall =>
  () => ({ headers: { "X-Tenant": tenant } });

for (const transport of AGENT_TRANSPORTS) {
  describe(`beforeCall headers, every adapter, over ${transport}`, () => {
    let mcps: McpsManager;
    useAgentDemo(
      transport,
      (_demo, m) => {
        mcps = m;
      },
      { register: registerWhoami },
    );

    it("AI SDK: the tool's HTTP request carries beforeCall's headers", async () => {
      const output = await aiOutput(mcps, { beforeCall: asTenant("acme") }, "demo__whoami", {});
      assert.deepEqual(output, { type: "content", value: [{ type: "text", text: "tenant=acme" }] });
      const plain = await aiOutput(mcps, {}, "demo__whoami", {});
      assert.deepEqual(plain, { type: "content", value: [{ type: "text", text: "tenant=null" }] });
    });

    it("LangChain: the tool's HTTP request carries beforeCall's headers", async () => {
      const message = await langchainInvoke(
        mcps,
        { beforeCall: asTenant("globex") },
        "demo__whoami",
        {},
      );
      assert.equal(message.status, "success");
      assert.equal(message.content, "tenant=globex");
    });

    it("OpenAI Agents: args and headers together; an object of arguments is refused by name", async () => {
      const both: BeforeCall = ({ args }) => ({
        args: { ...args, stream_id: "eth" },
        headers: { "X-Tenant": "initech" },
      });
      assert.equal(
        await agentsInvoke(mcps, { beforeCall: both }, "demo__whoami", {}),
        "tenant=initech",
      );
      const sent = await agentsInvoke(mcps, { beforeCall: both }, "demo__realtime_monitor", {
        stream_id: "btc",
      });
      assert.equal(sent, "Started monitoring stream: eth");
      const oldShape = (({ args }: ToolCallInfo) => ({ ...args, user: "u1" })) as BeforeCall;
      const refused = await agentsInvoke(mcps, { beforeCall: oldShape }, "demo__realtime_monitor", {
        stream_id: "btc",
      });
      assert.equal(
        refused,
        'beforeCall for demo__realtime_monitor returned an object with "stream_id", "user"; expected { args?, headers? } (return { args } to change the arguments).',
      );
    });
  });
}
