/**
 * `mcp-sse/ai` with the AI SDK's own mock model (`MockLanguageModelV4` from `ai/test`) against
 * the real demo server, over Streamable HTTP and legacy SSE: the model asks for a tool, the
 * adapter calls the server, the result reaches the model's next step; a failing tool, a
 * timeout, an aborted run and a reconnect in the middle each end as the AI SDK expects.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createUIMessageStream, generateText, stepCountIs } from "ai";
import { z } from "zod";
import {
  EventWindow,
  mcpsEventStream,
  mcpsEventsPrepareStep,
  mcpsTools,
  onMcpsToolsChanged,
} from "../../src/agents/ai.js";
import type { McpsManager } from "../../src/client/index.js";
import { AGENT_TRANSPORTS, type AgentDemo, waitForTool } from "../fixtures/agent-demo.js";
import { waitFor } from "../helpers/wait-for.js";
import {
  type AiCallOptions,
  aiAnswer as answer,
  aiToolCall as callTool,
  nextEvent,
  aiScripted as scripted,
  aiToolOutput as toolOutput,
  useAgentDemo,
} from "./helpers.js";

const toolNames = (options: AiCallOptions | undefined) =>
  (options?.tools ?? []).map((t) => t.name).sort();

for (const transport of AGENT_TRANSPORTS) {
  describe(`mcp-sse/ai over ${transport}`, () => {
    let demo: AgentDemo;
    let mcps: McpsManager;
    useAgentDemo(transport, (d, m) => {
      demo = d;
      mcps = m;
    });

    it("the model calls a tool, the demo server runs it, the result reaches the next step", async () => {
      const { model, calls } = scripted([
        () => callTool("demo__realtime_monitor", { stream_id: "btc" }),
        () => answer("monitoring"),
      ]);
      const result = await generateText({
        model,
        tools: mcpsTools(mcps),
        stopWhen: stepCountIs(3),
        prompt: "watch btc",
      });
      assert.deepEqual(toolNames(calls[0]), [
        "demo__fail",
        "demo__hang",
        "demo__realtime_monitor",
        "demo__weather_monitor",
      ]);
      const schema = calls[0]?.tools?.find((t) => t.name === "demo__realtime_monitor");
      assert.deepEqual(
        (schema as { inputSchema?: { required?: string[] } })?.inputSchema?.required,
        ["stream_id"],
      );
      assert.deepEqual(toolOutput(calls[1]), {
        type: "content",
        value: [{ type: "text", text: "Started monitoring stream: btc" }],
      });
      assert.equal(result.text, "monitoring");
      assert.equal(result.steps[0]?.toolResults[0]?.toolName, "demo__realtime_monitor");
      // Where the tool comes from rides along as metadata, not sent to the model.
      assert.deepEqual(mcpsTools(mcps)["demo__realtime_monitor"]?.metadata, {
        server: "demo",
        tool: "realtime_monitor",
        qualifiedName: "demo__realtime_monitor",
        title: "Real-time stream monitor",
      });
    });

    it("a failing tool becomes a tool-error the model reads, with the server's message", async () => {
      const { model, calls } = scripted([
        () => callTool("demo__realtime_monitor", { stream_id: "" }),
        () => answer("sorry"),
      ]);
      const result = await generateText({
        model,
        tools: mcpsTools(mcps, { include: ["realtime_*"] }),
        stopWhen: stepCountIs(3),
        prompt: "watch nothing",
      });
      assert.deepEqual(toolNames(calls[0]), ["demo__realtime_monitor"]);
      const output = toolOutput(calls[1]) as { type: string; value: string };
      assert.equal(output.type, "error-text");
      assert.match(output.value, /stream_id/);
      assert.equal(result.text, "sorry");
      assert.equal(
        result.steps[0]?.content.some((p) => p.type === "tool-error"),
        true,
      );
    });

    it("a tool that does not answer within `timeout` becomes a CLIENT_TIMEOUT tool-error", async () => {
      const { model, calls } = scripted([
        () => callTool("demo__hang", {}),
        () => answer("gave up"),
      ]);
      const result = await generateText({
        model,
        tools: mcpsTools(mcps, { timeout: 200 }),
        stopWhen: stepCountIs(3),
        prompt: "hang",
      });
      const output = toolOutput(calls[1]) as { type: string; value: string };
      assert.equal(output.type, "error-text");
      assert.match(output.value, /^CLIENT_TIMEOUT: .*hang.*200 ms/);
      assert.equal(result.text, "gave up");
    });

    it("aborting the run while a tool runs rejects generateText with the abort, and the call is cancelled", async () => {
      const controller = new AbortController();
      const { model } = scripted([
        () => {
          // Abort once the tool call is under way (the server never answers `hang`).
          setTimeout(() => controller.abort(new Error("user stopped")), 50);
          return callTool("demo__hang", {});
        },
        () => answer("unreachable"),
      ]);
      await assert.rejects(
        generateText({
          model,
          tools: mcpsTools(mcps),
          stopWhen: stepCountIs(3),
          abortSignal: controller.signal,
          prompt: "hang",
        }),
        /user stopped/,
      );
      assert.equal(mcps.servers()[0]?.state, "ready");
    });

    it("a reconnect in the middle: the next step calls the restarted server and sees its new tool", async () => {
      const { model, calls } = scripted([
        () => callTool("demo__weather_monitor", { location: "Paris" }, "a"),
        async () => {
          await demo.restart("late_tool");
          await waitForTool(mcps, "demo__late_tool");
          return callTool("demo__weather_monitor", { location: "Oslo" }, "b");
        },
        () => callTool("demo__late_tool", {}, "c"),
        () => answer("done"),
      ]);
      const result = await generateText({
        model,
        tools: mcpsTools(mcps),
        stopWhen: stepCountIs(5),
        prompt: "weather",
      });
      assert.deepEqual(toolOutput(calls[2], "b"), {
        type: "content",
        value: [{ type: "text", text: "Started monitoring weather for: Oslo" }],
      });
      assert.equal(toolNames(calls[1]).includes("demo__late_tool"), false);
      assert.equal(toolNames(calls[2]).includes("demo__late_tool"), true);
      assert.deepEqual(toolOutput(calls[3], "c"), {
        type: "content",
        value: [{ type: "text", text: "late_tool ran" }],
      });
      assert.equal(result.text, "done");
    });

    it("tools/list_changed in the middle: the next step has the new tool, onMcpsToolsChanged says so", async () => {
      const changes: string[][] = [];
      const off = onMcpsToolsChanged(mcps, (names) => changes.push(names));
      try {
        const { model, calls } = scripted([
          async () => {
            demo.sessions
              .at(-1)
              ?.registerTool(
                "fresh_tool",
                { description: "Registered while the agent runs", inputSchema: z.object({}) },
                async () => ({ content: [{ type: "text", text: "fresh" }] }),
              );
            await waitForTool(mcps, "demo__fresh_tool");
            return callTool("demo__realtime_monitor", { stream_id: "sol" });
          },
          () => callTool("demo__fresh_tool", {}, "call-2"),
          () => answer("done"),
        ]);
        await generateText({
          model,
          tools: mcpsTools(mcps),
          stopWhen: stepCountIs(4),
          prompt: "go",
        });
        assert.equal(toolNames(calls[0]).includes("demo__fresh_tool"), false);
        assert.equal(toolNames(calls[1]).includes("demo__fresh_tool"), true);
        assert.deepEqual(toolOutput(calls[2], "call-2"), {
          type: "content",
          value: [{ type: "text", text: "fresh" }],
        });
        await waitFor(() => changes.some((names) => names.includes("demo__fresh_tool")), {
          message: "onMcpsToolsChanged reported fresh_tool",
        });
      } finally {
        off();
      }
    });

    it("live events: data parts for a UI message stream, and the model sees a data_update", async () => {
      const controller = new AbortController();
      const stream = createUIMessageStream({
        execute: ({ writer }) => {
          writer.merge(mcpsEventStream(mcps, { type: "data_update", signal: controller.signal }));
        },
      });
      const reader = stream.getReader();
      const first = await reader.read();
      controller.abort();
      await reader.cancel();
      const part = first.value as { type: string; data: { type: string; server: string } };
      assert.equal(part.type, "data-mcps-event");
      assert.equal(part.data.type, "data_update");
      assert.equal(part.data.server, "demo");

      const window = new EventWindow(mcps, { type: "data_update" });
      try {
        const { model, calls } = scripted([
          async () => {
            await nextEvent(mcps, "data_update");
            return callTool("demo__realtime_monitor", { stream_id: "eth" });
          },
          () => answer("seen"),
        ]);
        await generateText({
          model,
          tools: mcpsTools(mcps),
          prepareStep: mcpsEventsPrepareStep(window, "You watch markets."),
          stopWhen: stepCountIs(3),
          prompt: "react",
        });
        const system = calls[1]?.prompt.find((m) => m.role === "system");
        assert.match(String(system?.content), /^You watch markets\.\n\nLive events/);
        assert.match(String(system?.content), /demo data_update: \{"timestamp"/);
      } finally {
        window.close();
      }
    });
  });
}
