/**
 * Images and audio in tool results, through each adapter to the framework's model, against the
 * demo server with a `snapshot` tool (text, a PNG, a WAV) over both transports: the AI SDK's
 * mock model gets files, LangChain's model standard `image`/`audio` content blocks, the Agents
 * SDK's model an `input_image` (audio stays a text placeholder there).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
} from "@langchain/core/messages";
import { FakeStreamingChatModel } from "@langchain/core/utils/testing";
import type { McpServer } from "@modelcontextprotocol/server";
import {
  Agent,
  type AgentInputItem,
  type Model,
  type ModelRequest,
  type ModelResponse,
  run,
  setTracingDisabled,
  Usage,
} from "@openai/agents";
import { generateText, stepCountIs } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { z } from "zod";
import * as aiAdapter from "../../src/agents/ai.js";
import * as langchainAdapter from "../../src/agents/langchain.js";
import * as agentsAdapter from "../../src/agents/openai-agents.js";
import type { McpsManager } from "../../src/client/index.js";
import {
  AGENT_TRANSPORTS,
  type AgentDemo,
  connectDemo,
  startAgentDemo,
} from "../fixtures/agent-demo.js";

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

const USAGE = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** The AI SDK mock model calls `snapshot`; answers the tool-result output of the next step. */
async function aiSnapshot(mcps: McpsManager): Promise<unknown> {
  let output: unknown;
  const model = new MockLanguageModelV4({
    doGenerate: async ({ prompt }) => {
      const tool = prompt.find((m) => m.role === "tool");
      if (tool === undefined)
        return {
          content: [
            { type: "tool-call", toolCallId: "c1", toolName: "demo__snapshot", input: "{}" },
          ],
          finishReason: { unified: "tool-calls", raw: undefined },
          usage: USAGE,
          warnings: [],
        };
      for (const part of tool.content) if (part.type === "tool-result") output = part.output;
      return {
        content: [{ type: "text", text: "seen" }],
        finishReason: { unified: "stop", raw: undefined },
        usage: USAGE,
        warnings: [],
      };
    },
  });
  await generateText({
    model,
    tools: aiAdapter.mcpsTools(mcps),
    stopWhen: stepCountIs(3),
    prompt: "look",
  });
  return output;
}

/** The Agents SDK's `Model` interface, scripted: a function call, then an answer. */
class SnapshotModel implements Model {
  readonly requests: ModelRequest[] = [];
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    if (this.requests.length === 1)
      return {
        usage: new Usage(),
        output: [
          {
            type: "function_call",
            callId: "c1",
            name: "demo__snapshot",
            arguments: "{}",
            status: "completed",
          },
        ],
      };
    return {
      usage: new Usage(),
      output: [
        {
          type: "message",
          role: "assistant",
          status: "completed",
          content: [{ type: "output_text", text: "seen" }],
        },
      ],
    };
  }
  // biome-ignore lint/correctness/useYield: the agent runs without streaming
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error("SnapshotModel does not stream");
  }
}

for (const transport of AGENT_TRANSPORTS) {
  describe(`images and audio in results, over ${transport}`, () => {
    let demo: AgentDemo;
    let mcps: McpsManager;

    before(async () => {
      demo = await startAgentDemo({ register: registerSnapshot });
      mcps = await connectDemo(demo, transport);
    });
    after(async () => {
      await mcps?.close();
      await demo?.close();
    });

    it("AI SDK: the model gets the text, and the image and the audio as files", async () => {
      // (The AI SDK adds undefined `filename` / `providerOptions` keys: compared as JSON.)
      assert.deepEqual(JSON.parse(JSON.stringify(await aiSnapshot(mcps))), {
        type: "content",
        value: [
          { type: "text", text: "btc chart" },
          { type: "file", mediaType: "image/png", data: { type: "data", data: PNG } },
          { type: "file", mediaType: "audio/wav", data: { type: "data", data: WAV } },
        ],
      });
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
      const model = new SnapshotModel();
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
