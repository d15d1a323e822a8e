/**
 * `mcp-sse/openai-agents` with the Agents SDK's `Model` interface implemented here (the SDK
 * ships no mock model; a scripted `Model` is its documented extension point) against the real
 * demo server, over Streamable HTTP and legacy SSE: `run(agent)` sends the model's function
 * call to the server and the result back to the model; a failing tool, a timeout, an aborted
 * run and a reconnect in the middle each end as the Agents SDK expects. Tracing is off: no
 * network.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Agent, type Model, type ModelRequest, run, setTracingDisabled } from "@openai/agents";
import { EventWindow, mcpsEventInstructions, mcpsTools } from "../../src/agents/openai-agents.js";
import type { McpsManager } from "../../src/client/index.js";
import { AGENT_TRANSPORTS, type AgentDemo, waitForTool } from "../fixtures/agent-demo.js";
import {
  agentsAnswer as answer,
  agentsToolCall as callTool,
  nextEvent,
  ScriptedModel,
  agentsToolOutput as toolOutput,
  useAgentDemo,
} from "./helpers.js";

setTracingDisabled(true);

const toolNames = (request: ModelRequest | undefined) =>
  (request?.tools ?? []).map((t) => t.name).sort();

for (const transport of AGENT_TRANSPORTS) {
  describe(`mcp-sse/openai-agents over ${transport}`, () => {
    let demo: AgentDemo;
    let mcps: McpsManager;
    useAgentDemo(transport, (d, m) => {
      demo = d;
      mcps = m;
    });

    const agentWith = (
      model: Model,
      tools = mcpsTools(mcps),
      instructions: Agent["instructions"] = "",
    ) => new Agent({ name: "watcher", instructions, model, tools });

    it("the model calls a tool, the demo server runs it, the output reaches the next turn", async () => {
      const model = new ScriptedModel([
        () => callTool("demo__realtime_monitor", { stream_id: "btc" }),
        () => answer("monitoring"),
      ]);
      const result = await run(agentWith(model), "watch btc");
      assert.deepEqual(toolNames(model.requests[0]), [
        "demo__fail",
        "demo__hang",
        "demo__realtime_monitor",
        "demo__weather_monitor",
      ]);
      assert.equal(toolOutput(model.requests[1]), "Started monitoring stream: btc");
      assert.equal(result.finalOutput, "monitoring");
    });

    it("a failing tool's output is the server's message, and the run goes on", async () => {
      const model = new ScriptedModel([() => callTool("fail", {}), () => answer("sorry")]);
      const tools = mcpsTools(mcps, { servers: ["demo"], include: ["fail"], nameStyle: "tool" });
      const result = await run(agentWith(model, tools), "fail");
      assert.deepEqual(toolNames(model.requests[0]), ["fail"]);
      assert.equal(toolOutput(model.requests[1]), "the sensor is offline");
      assert.equal(result.finalOutput, "sorry");
    });

    it("a tool that does not answer within `timeout` gives CLIENT_TIMEOUT as its output", async () => {
      const model = new ScriptedModel([() => callTool("demo__hang", {}), () => answer("gave up")]);
      const result = await run(agentWith(model, mcpsTools(mcps, { timeout: 200 })), "hang");
      assert.match(toolOutput(model.requests[1]) ?? "", /^CLIENT_TIMEOUT: .*"hang".*200 ms/);
      assert.equal(result.finalOutput, "gave up");
    });

    it("aborting the run's signal while a tool runs rejects run() and cancels the call", async () => {
      const controller = new AbortController();
      const model = new ScriptedModel([
        () => {
          setTimeout(() => controller.abort(new Error("user stopped")), 50);
          return callTool("demo__hang", {});
        },
        () => answer("unreachable"),
      ]);
      await assert.rejects(run(agentWith(model), "hang", { signal: controller.signal }));
      assert.equal(model.requests.length, 1);
      assert.equal(mcps.servers()[0]?.state, "ready");
    });

    it("a reconnect in the middle: the next turn calls the restarted server and sees its new tool", async () => {
      const model = new ScriptedModel([
        () => callTool("demo__weather_monitor", { location: "Paris" }, "a"),
        async () => {
          await demo.restart("late_tool");
          await waitForTool(mcps, "demo__late_tool");
          return callTool("demo__weather_monitor", { location: "Oslo" }, "b");
        },
        () => callTool("demo__late_tool", {}, "c"),
        () => answer("done"),
      ]);
      const result = await run(agentWith(model), "weather");
      assert.equal(toolOutput(model.requests[2], "b"), "Started monitoring weather for: Oslo");
      assert.equal(toolNames(model.requests[1]).includes("demo__late_tool"), false);
      assert.equal(toolNames(model.requests[2]).includes("demo__late_tool"), true);
      assert.equal(toolOutput(model.requests[3], "c"), "late_tool ran");
      assert.equal(result.finalOutput, "done");
    });

    it("live events: the instructions of the next turn carry the data_update that arrived", async () => {
      const window = new EventWindow(mcps, { type: "data_update" });
      try {
        const model = new ScriptedModel([
          async () => {
            await nextEvent(mcps, "data_update");
            return callTool("demo__realtime_monitor", { stream_id: "eth" });
          },
          () => answer("seen"),
        ]);
        const instructions = mcpsEventInstructions(window, "You watch markets.");
        await run(agentWith(model, mcpsTools(mcps), instructions), "react");
        const system = model.requests[1]?.systemInstructions ?? "";
        assert.match(system, /^You watch markets\.\n\nLive events/);
        assert.match(system, /demo data_update: \{"timestamp"/);
      } finally {
        window.close();
      }
    });
  });
}
