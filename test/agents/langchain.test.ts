/**
 * `mcp-sse/langchain` with LangChain's own fake chat model (`FakeStreamingChatModel` from
 * `@langchain/core/utils/testing`, which answers scripted tool calls) against the real demo
 * server, over Streamable HTTP and legacy SSE. One agent step is LangChain's tool loop: bind
 * the toolkit's tools, invoke the model, invoke each tool call, give the ToolMessages back to
 * the model (its callbacks record what it was given).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { BaseMessage } from "@langchain/core/messages";
import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import { FakeStreamingChatModel } from "@langchain/core/utils/testing";
import {
  EventWindow,
  forwardMcpsEvents,
  type McpsToolkit,
  mcpsEventsMessage,
  mcpsToolkit,
} from "../../src/agents/langchain.js";
import type { McpsManager } from "../../src/client/index.js";
import { AGENT_TRANSPORTS, type AgentDemo, waitForTool } from "../fixtures/agent-demo.js";
import { nextEvent, useAgentDemo } from "./helpers.js";

interface StepResult {
  /** What the model was given on its second call (after the tool results). */
  seen: BaseMessage[];
  toolMessages: ToolMessage[];
  /** The tool names bound on the first call. */
  bound: string[];
}

/** One agent step: the model asks for `name(args)`, the tool answers, the model reads it. */
async function agentStep(
  toolkit: McpsToolkit,
  name: string,
  args: Record<string, unknown>,
  options: { signal?: AbortSignal; before?: BaseMessage[] } = {},
): Promise<StepResult> {
  const tools = toolkit.getTools();
  const first = new FakeStreamingChatModel({
    chunks: [new AIMessageChunk({ content: "", tool_calls: [{ id: "call-1", name, args }] })],
  });
  const messages: BaseMessage[] = [...(options.before ?? []), new HumanMessage("go")];
  const bound = first.bindTools(tools);
  const ai = await bound.invoke(messages, options.signal ? { signal: options.signal } : {});
  messages.push(ai);
  const toolMessages: ToolMessage[] = [];
  for (const call of ai.tool_calls ?? []) {
    const tool = toolkit.toolByName(call.name);
    assert.ok(tool, `the model called ${call.name}, which the toolkit has`);
    const message = (await tool.invoke(
      { ...call, type: "tool_call" },
      options.signal ? { signal: options.signal } : {},
    )) as ToolMessage;
    toolMessages.push(message);
    messages.push(message);
  }
  const seen: BaseMessage[] = [];
  const second = new FakeStreamingChatModel({ responses: [new AIMessage("done")] });
  await second.invoke(messages, {
    callbacks: [{ handleChatModelStart: (_llm, prompts) => void seen.push(...(prompts[0] ?? [])) }],
  });
  return { seen, toolMessages, bound: tools.map((t) => t.name).sort() };
}

for (const transport of AGENT_TRANSPORTS) {
  describe(`mcp-sse/langchain over ${transport}`, () => {
    let demo: AgentDemo;
    let mcps: McpsManager;
    useAgentDemo(transport, (d, m) => {
      demo = d;
      mcps = m;
    });

    it("the model calls a tool, the demo server runs it, the ToolMessage reaches the model", async () => {
      const toolkit = mcpsToolkit(mcps);
      const step = await agentStep(toolkit, "demo__realtime_monitor", { stream_id: "btc" });
      assert.deepEqual(step.bound, [
        "demo__fail",
        "demo__hang",
        "demo__realtime_monitor",
        "demo__weather_monitor",
      ]);
      assert.equal(
        toolkit.toolByName("demo__realtime_monitor")?.metadata?.["title"],
        "Real-time stream monitor",
      );
      const [message] = step.toolMessages;
      assert.equal(message?.status, "success");
      assert.equal(message?.content, "Started monitoring stream: btc");
      assert.deepEqual((message?.artifact as { content?: unknown } | undefined)?.content, [
        { type: "text", text: "Started monitoring stream: btc" },
      ]);
      const last = step.seen.at(-1);
      assert.equal(ToolMessage.isInstance(last), true);
      assert.equal(last?.content, "Started monitoring stream: btc");
    });

    it("a failing tool is a ToolMessage with status error and the server's message", async () => {
      const toolkit = mcpsToolkit(mcps, { nameStyle: "tool", exclude: ["*monitor"] });
      assert.deepEqual(
        toolkit
          .getTools()
          .map((t) => t.name)
          .sort(),
        ["fail", "hang"],
      );
      const step = await agentStep(toolkit, "fail", {});
      assert.equal(step.toolMessages[0]?.status, "error");
      assert.equal(step.toolMessages[0]?.content, "the sensor is offline");
      assert.equal(step.seen.at(-1)?.content, "the sensor is offline");
    });

    it("input that does not match the schema is an error ToolMessage too, not a throw", async () => {
      const step = await agentStep(mcpsToolkit(mcps), "demo__realtime_monitor", { stream_id: "" });
      assert.equal(step.toolMessages[0]?.status, "error");
      assert.match(String(step.toolMessages[0]?.content), /did not match expected schema/);
    });

    it("a tool that does not answer within `timeout` is an error ToolMessage with CLIENT_TIMEOUT", async () => {
      const step = await agentStep(mcpsToolkit(mcps, { timeout: 200 }), "demo__hang", {});
      assert.equal(step.toolMessages[0]?.status, "error");
      assert.match(String(step.toolMessages[0]?.content), /^CLIENT_TIMEOUT: .*"hang".*200 ms/);
    });

    it("aborting the run's signal while a tool runs rejects the tool's invoke with the abort", async () => {
      const controller = new AbortController();
      const toolkit = mcpsToolkit(mcps);
      const hang = toolkit.toolByName("demo__hang");
      const pending = hang?.invoke(
        { id: "x", name: "demo__hang", args: {}, type: "tool_call" },
        { signal: controller.signal },
      );
      setTimeout(() => controller.abort(new Error("user stopped")), 50);
      await assert.rejects(Promise.resolve(pending), /user stopped/);
      assert.equal(mcps.servers()[0]?.state, "ready");
    });

    it("a reconnect in the middle: the next step binds the restarted server's tools and calls it", async () => {
      const toolkit = mcpsToolkit(mcps);
      const changes: string[][] = [];
      const off = toolkit.onToolsChanged((tools) => changes.push(tools.map((t) => t.name)));
      try {
        const before = await agentStep(toolkit, "demo__weather_monitor", { location: "Paris" });
        assert.equal(before.bound.includes("demo__late_tool"), false);
        await demo.restart("late_tool");
        await waitForTool(mcps, "demo__late_tool");
        const next = await agentStep(toolkit, "demo__late_tool", {});
        assert.equal(next.bound.includes("demo__late_tool"), true);
        assert.equal(next.toolMessages[0]?.content, "late_tool ran");
        assert.equal(
          changes.some((names) => names.includes("demo__late_tool")),
          true,
        );
      } finally {
        off();
      }
    });

    it("live events: custom events in streamEvents, and a system message for the next step", async () => {
      const controller = new AbortController();
      const chain = RunnableLambda.from(async (_input: string, config) => {
        await forwardMcpsEvents(mcps, config, {
          type: "data_update",
          signal: controller.signal,
        }).catch(() => undefined);
        return "stopped";
      });
      let custom: { name: string; data: { type: string; server: string } } | undefined;
      for await (const event of chain.streamEvents("go", { version: "v2" })) {
        if (event.event === "on_custom_event") {
          custom = event as unknown as typeof custom;
          controller.abort();
        }
      }
      assert.equal(custom?.name, "mcps_event");
      assert.equal(custom?.data.type, "data_update");
      assert.equal(custom?.data.server, "demo");

      const window = new EventWindow(mcps, { type: "data_update" });
      try {
        await nextEvent(mcps, "data_update");
        await new Promise((resolve) => setTimeout(resolve, 0));
        const system = mcpsEventsMessage(window, "You watch markets.");
        const step = await agentStep(
          mcpsToolkit(mcps),
          "demo__realtime_monitor",
          { stream_id: "eth" },
          {
            before: [system],
          },
        );
        assert.match(String(step.seen[0]?.content), /^You watch markets\.\n\nLive events/);
        assert.match(String(step.seen[0]?.content), /demo data_update: \{"timestamp"/);
      } finally {
        window.close();
      }
    });
  });
}
