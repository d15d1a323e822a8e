/**
 * Images and audio in tool results, through each adapter to the framework's model, against the
 * demo server with a `snapshot` tool (text, a PNG, a WAV) over both transports: the AI SDK's
 * mock model gets files, LangChain's model standard `image`/`audio` content blocks, the Agents
 * SDK's model an `input_image` (audio stays a text placeholder there).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
} from "@langchain/core/messages";
import { FakeStreamingChatModel } from "@langchain/core/utils/testing";
import type { McpServer } from "@modelcontextprotocol/server";
import { Agent, type AgentInputItem, run, setTracingDisabled } from "@openai/agents";
import { z } from "zod";
import * as langchainAdapter from "../../src/agents/langchain.js";
import * as agentsAdapter from "../../src/agents/openai-agents.js";
import type { McpsManager } from "../../src/client/index.js";
import { AGENT_TRANSPORTS } from "../fixtures/agent-demo.js";
import { agentsAnswer, agentsToolCall, aiStep, ScriptedModel, useAgentDemo } from "./helpers.js";

setTracingDisabled(true);

/** A 1×1 PNG and a tiny WAV header, base64. */
const PNG =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";

function registerSnapshot(server: McpServer): void {
  server.registerTool(
    "snapshot",
    { description: "A picture and a sound of the stream", inputSchema: z.object({}) },
    async () => ({
      content: [
        { type: "text", text: "btc chart" },
        { type: "image", data: PNG, mimeType: "image/png" },
        { type: "audio", data: WAV, mimeType: "audio/wav" },
      ],
    }),
  );
}

for (const transport of AGENT_TRANSPORTS) {
  describe(`images and audio in results, over ${transport}`, () => {
    let mcps: McpsManager;
    useAgentDemo(
      transport,
      (_demo, m) => {
        mcps = m;
      },
      { register: registerSnapshot },
    );

    it("AI SDK: the model gets the text, and the image and the audio as files", async () => {
      // (The AI SDK adds undefined `filename` / `providerOptions` keys: compared as JSON.)
      assert.deepEqual(
        JSON.parse(JSON.stringify((await aiStep(mcps, {}, "demo__snapshot", {})).output)),
        {
          type: "content",
          value: [
            { type: "text", text: "btc chart" },
            { type: "file", mediaType: "image/png", data: { type: "data", data: PNG } },
            { type: "file", mediaType: "audio/wav", data: { type: "data", data: WAV } },
          ],
        },
      );
    });

    it("LangChain: the ToolMessage holds standard image and audio content blocks the model reads", async () => {
      const tool = langchainAdapter.mcpsToolkit(mcps).toolByName("demo__snapshot");
      assert.ok(tool);
      const first = new FakeStreamingChatModel({
        chunks: [
          new AIMessageChunk({
            content: "",
            tool_calls: [{ id: "c1", name: tool.name, args: {} }],
          }),
        ],
      });
      const ai = await first.bindTools([tool]).invoke([new HumanMessage("look")]);
      const call = ai.tool_calls?.[0];
      assert.ok(call);
      const message = await tool.invoke({ ...call, type: "tool_call" });
      const blocks = [
        { type: "text", text: "btc chart" },
        { type: "image", mimeType: "image/png", data: PNG },
        { type: "audio", mimeType: "audio/wav", data: WAV },
      ];
      assert.equal(message.status, "success");
      assert.deepEqual(message.content, blocks);
      assert.deepEqual(
        message.contentBlocks.map((b: { type: string }) => b.type),
        ["text", "image", "audio"],
      );
      const seen: BaseMessage[] = [];
      const second = new FakeStreamingChatModel({ responses: [new AIMessage("seen")] });
      await second.invoke([new HumanMessage("look"), ai, message], {
        callbacks: [
          { handleChatModelStart: (_llm, prompts) => void seen.push(...(prompts[0] ?? [])) },
        ],
      });
      assert.deepEqual(seen.at(-1)?.content, blocks);
    });

    it("OpenAI Agents: the function call's output is the text and an input_image; audio a placeholder", async () => {
      const model = new ScriptedModel([
        () => agentsToolCall("demo__snapshot", {}),
        () => agentsAnswer("seen"),
      ]);
      const agent = new Agent({
        name: "viewer",
        instructions: "",
        model,
        tools: agentsAdapter.mcpsTools(mcps),
      });
      const result = await run(agent, "look");
      assert.equal(result.finalOutput, "seen");
      const input = (model.requests[1]?.input ?? []) as AgentInputItem[];
      const item = input.find((i) => i.type === "function_call_result");
      assert.ok(item && item.type === "function_call_result");
      assert.deepEqual(item.output, [
        { type: "input_text", text: "btc chart" },
        { type: "input_image", image: `data:image/png;base64,${PNG}` },
        { type: "input_text", text: "[audio audio/wav]" },
      ]);
    });
  });
}
