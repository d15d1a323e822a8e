/**
 * The adapters' `beforeCall` / `afterCall` interceptors against the real demo server: the
 * arguments `beforeCall` returns are what the server runs, the result `afterCall` returns is
 * what the framework gets, and a throwing interceptor is each framework's tool error. The AI
 * SDK runs with its mock model; LangChain and OpenAI Agents tools are invoked as their agent
 * loops invoke them (a tool call; `invoke(runContext, json, details)`).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ToolMessage } from "@langchain/core/messages";
import type { CallToolResult } from "@modelcontextprotocol/client";
import { RunContext } from "@openai/agents";
import { generateText, stepCountIs } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import type { AfterCall, BeforeCall, ToolCallInfo } from "../../src/agents/ai.js";
import * as aiAdapter from "../../src/agents/ai.js";
import * as langchainAdapter from "../../src/agents/langchain.js";
import * as agentsAdapter from "../../src/agents/openai-agents.js";
import type { McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { type AgentDemo, connectDemo, startAgentDemo } from "../fixtures/agent-demo.js";

const USAGE = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** One AI SDK step: the mock model calls `toolName(input)`; answers what the model read next. */
async function aiStep(
  mcps: McpsManager,
  options: aiAdapter.McpsToolsOptions,
  toolName: string,
  input: unknown,
): Promise<unknown> {
  let seen: unknown;
  let step = 0;
  const model = new MockLanguageModelV4({
    doGenerate: async (call) => {
      step += 1;
      if (step === 1)
        return {
          content: [
            { type: "tool-call", toolCallId: "c1", toolName, input: JSON.stringify(input) },
          ],
          finishReason: { unified: "tool-calls", raw: undefined },
          usage: USAGE,
          warnings: [],
        };
      for (const message of call.prompt)
        if (message.role === "tool")
          for (const part of message.content) if (part.type === "tool-result") seen = part.output;
      return {
        content: [{ type: "text", text: "ok" }],
        finishReason: { unified: "stop", raw: undefined },
        usage: USAGE,
        warnings: [],
      };
    },
  });
  await generateText({
    model,
    tools: aiAdapter.mcpsTools(mcps, options),
    stopWhen: stepCountIs(3),
    prompt: "go",
  });
  return seen;
}

/** A LangChain tool invoked with a tool call, as an agent loop (or LangGraph's ToolNode) does. */
async function langchainCall(
  mcps: McpsManager,
  options: langchainAdapter.McpsToolkitOptions,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolMessage> {
  const tool = langchainAdapter.mcpsToolkit(mcps, options).toolByName(name);
  assert.ok(tool, `toolkit has ${name}`);
  return (await tool.invoke({ type: "tool_call", id: "c1", name, args })) as ToolMessage;
}

/** An Agents SDK function tool invoked as its runner does; answers the model-visible output. */
async function agentsCall(
  mcps: McpsManager,
  options: agentsAdapter.McpsAgentToolsOptions,
  name: string,
  args: Record<string, unknown>,
): Promise<unknown> {
  const tool = agentsAdapter.mcpsTools(mcps, options).find((t) => t.name === name);
  assert.ok(tool, `tools have ${name}`);
  return tool.invoke(new RunContext(), JSON.stringify(args));
}

/** Rewrites the stream id, and records what each hook saw. */
function recordingHooks() {
  const seen: { before: ToolCallInfo[]; after: (ToolCallInfo & { result: CallToolResult })[] } = {
    before: [],
    after: [],
  };
  const beforeCall: BeforeCall = async (call) => {
    seen.before.push(call);
    return { ...call.args, stream_id: `${String(call.args["stream_id"])}-usd` };
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
  let demo: AgentDemo;
  let mcps: McpsManager;
  const callCount = () => mcps.metrics().servers["demo"]?.calls.count ?? 0;

  before(async () => {
    demo = await startAgentDemo();
    mcps = await connectDemo(demo, "streamable-http");
  });
  after(async () => {
    await mcps?.close();
    await demo?.close();
  });

  it("AI SDK: the server runs beforeCall's arguments; the model reads afterCall's result", async () => {
    const hooks = recordingHooks();
    const output = await aiStep(mcps, hooks, "demo__realtime_monitor", { stream_id: "btc" });
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
    const output = await aiStep(mcps, { beforeCall: refuse }, "demo__realtime_monitor", {
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
    const output = await aiStep(mcps, { afterCall: brokenAfter }, "demo__weather_monitor", {
      location: "Paris",
    });
    assert.deepEqual(output, { type: "error-text", value: "the result could not be redacted" });
    assert.equal(callCount(), calls + 1);
  });

  it("AI SDK: afterCall sees isError results too, and may turn them into answers", async () => {
    const output = await aiStep(
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
    const message = await langchainCall(mcps, hooks, "demo__realtime_monitor", {
      stream_id: "eth",
    });
    assert.equal(message.status, "success");
    assert.equal(message.content, "Started monitoring stream: eth-usd (checked)");
    assert.deepEqual(hooks.seen.after[0]?.args, { stream_id: "eth-usd" });
  });

  it("LangChain: a throwing interceptor is a ToolMessage with status error and its message", async () => {
    const refused = await langchainCall(mcps, { beforeCall: refuse }, "demo__weather_monitor", {
      location: "Oslo",
    });
    assert.equal(refused.status, "error");
    assert.equal(refused.content, "calls to this tool are not allowed today");
    const broken = await langchainCall(mcps, { afterCall: brokenAfter }, "demo__weather_monitor", {
      location: "Oslo",
    });
    assert.equal(broken.status, "error");
    assert.equal(broken.content, "the result could not be redacted");
  });

  it("OpenAI Agents: the output is afterCall's text for beforeCall's arguments", async () => {
    const hooks = recordingHooks();
    const output = await agentsCall(mcps, hooks, "demo__realtime_monitor", { stream_id: "sol" });
    assert.equal(output, "Started monitoring stream: sol-usd (checked)");
    assert.equal(hooks.seen.before[0]?.qualifiedName, "demo__realtime_monitor");
  });

  it("OpenAI Agents: a throwing interceptor's message is the function call's output", async () => {
    const calls = callCount();
    const refused = await agentsCall(mcps, { beforeCall: refuse }, "demo__weather_monitor", {
      location: "Rome",
    });
    assert.equal(refused, "calls to this tool are not allowed today");
    assert.equal(callCount(), calls);
    const broken = await agentsCall(mcps, { afterCall: brokenAfter }, "demo__weather_monitor", {
      location: "Rome",
    });
    assert.equal(broken, "the result could not be redacted");
  });

  it("an interceptor answering something other than an object is a tool error naming the hook", async () => {
    const message = await langchainCall(
      mcps,
      { beforeCall: (() => "stream_id=btc") as unknown as BeforeCall },
      "demo__realtime_monitor",
      { stream_id: "btc" },
    );
    assert.equal(message.status, "error");
    assert.match(
      String(message.content),
      /^beforeCall for demo__realtime_monitor returned string; expected an object of arguments/,
    );
    const output = await agentsCall(
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
