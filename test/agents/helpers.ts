/**
 * What the adapter tests share: the demo server and a manager per `describe`, each framework's
 * mock model scripted (the AI SDK's `MockLanguageModelV4`; the Agents SDK ships none, so a
 * scripted `Model`, its documented extension point), and one tool call made the way each
 * framework's agent loop makes it.
 */
import assert from "node:assert/strict";
import { after, before } from "node:test";
import type { ToolMessage } from "@langchain/core/messages";
import {
  type AgentInputItem,
  type Model,
  type ModelRequest,
  type ModelResponse,
  RunContext,
  Usage,
} from "@openai/agents";
import { generateText, stepCountIs } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import * as aiAdapter from "../../src/agents/ai.js";
import * as langchainAdapter from "../../src/agents/langchain.js";
import * as agentsAdapter from "../../src/agents/openai-agents.js";
import type { McpsManager } from "../../src/client/index.js";
import {
  type AgentDemo,
  type AgentDemoOptions,
  type AgentTransport,
  connectDemo,
  startAgentDemo,
} from "../fixtures/agent-demo.js";

/**
 * In the calling `describe`: start the demo server (with `options`) and connect a manager to it
 * over `transport` before its tests, hand both to `set`, close both after.
 */
export function useAgentDemo(
  transport: AgentTransport,
  set: (demo: AgentDemo, mcps: McpsManager) => void,
  options: AgentDemoOptions = {},
): void {
  let demo: AgentDemo | undefined;
  let mcps: McpsManager | undefined;
  before(async () => {
    demo = await startAgentDemo(options);
    mcps = await connectDemo(demo, transport);
    set(demo, mcps);
  });
  after(async () => {
    await mcps?.close();
    await demo?.close();
  });
}

/** Resolves at the next event of `type` (a live event the demo server sends on its own). */
export function nextEvent(mcps: McpsManager, type: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const off = mcps.on(type, () => {
      off();
      resolve();
    });
  });
}

// The AI SDK's mock model.

export type AiCallOptions = Parameters<MockLanguageModelV4["doGenerate"]>[0];
export type AiGenerateResult = Awaited<ReturnType<MockLanguageModelV4["doGenerate"]>>;

const AI_USAGE = {
  inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 1, text: 1, reasoning: undefined },
};

/** A model step that calls `toolName` with `input`. */
export function aiToolCall(toolName: string, input: unknown, id = "call-1"): AiGenerateResult {
  return {
    content: [{ type: "tool-call", toolCallId: id, toolName, input: JSON.stringify(input) }],
    finishReason: { unified: "tool-calls", raw: undefined },
    usage: AI_USAGE,
    warnings: [],
  };
}

/** A model step that answers `text` (and ends the run). */
export function aiAnswer(text: string): AiGenerateResult {
  return {
    content: [{ type: "text", text }],
    finishReason: { unified: "stop", raw: undefined },
    usage: AI_USAGE,
    warnings: [],
  };
}

/** A mock model that runs `steps[i]` for its i-th call and records what each call was given. */
export function aiScripted(
  steps: ((options: AiCallOptions) => AiGenerateResult | Promise<AiGenerateResult>)[],
) {
  const calls: AiCallOptions[] = [];
  const model = new MockLanguageModelV4({
    doGenerate: async (options) => {
      calls.push(options);
      const step = steps[calls.length - 1];
      assert.ok(step, `the model was called ${calls.length} times, scripted for ${steps.length}`);
      return step(options);
    },
  });
  return { model, calls };
}

/** The tool-result output the model was sent for `toolCallId`, from a call's prompt. */
export function aiToolOutput(options: AiCallOptions | undefined, toolCallId = "call-1"): unknown {
  for (const message of options?.prompt ?? []) {
    if (message.role !== "tool") continue;
    for (const part of message.content)
      if (part.type === "tool-result" && part.toolCallId === toolCallId) return part.output;
  }
  return undefined;
}

/**
 * One AI SDK run: the mock model calls `toolName(input)`, then answers. `output` is what the
 * model read next; `part` the first step's `tool-result` or `tool-error` part.
 */
export async function aiStep(
  mcps: McpsManager,
  options: aiAdapter.McpsToolsOptions,
  toolName: string,
  input: unknown,
) {
  const { model, calls } = aiScripted([() => aiToolCall(toolName, input), () => aiAnswer("ok")]);
  const result = await generateText({
    model,
    tools: aiAdapter.mcpsTools(mcps, options),
    stopWhen: stepCountIs(3),
    prompt: "go",
  });
  const part = result.steps[0]?.content.find(
    (p) => p.type === "tool-result" || p.type === "tool-error",
  );
  return { output: aiToolOutput(calls[1]), part };
}

// LangChain.

/** A LangChain tool invoked with a tool call, as an agent loop (or LangGraph's ToolNode) does. */
export async function langchainInvoke(
  mcps: McpsManager,
  options: langchainAdapter.McpsToolkitOptions,
  name: string,
  args: Record<string, unknown>,
): Promise<ToolMessage> {
  const tool = langchainAdapter.mcpsToolkit(mcps, options).toolByName(name);
  assert.ok(tool, `toolkit has ${name}`);
  return (await tool.invoke({ type: "tool_call", id: "c1", name, args })) as ToolMessage;
}

// The OpenAI Agents SDK.

/** A model response that calls `name` with `args`. */
export function agentsToolCall(name: string, args: unknown, callId = "call-1"): ModelResponse {
  return {
    usage: new Usage(),
    output: [
      { type: "function_call", callId, name, arguments: JSON.stringify(args), status: "completed" },
    ],
  };
}

/** A model response that answers `text`. */
export function agentsAnswer(text: string): ModelResponse {
  return {
    usage: new Usage(),
    output: [
      {
        type: "message",
        role: "assistant",
        status: "completed",
        content: [{ type: "output_text", text }],
      },
    ],
  };
}

/** A `Model` that runs `steps[i]` for its i-th request and records every request. */
export class ScriptedModel implements Model {
  readonly requests: ModelRequest[] = [];
  constructor(
    private readonly steps: ((r: ModelRequest) => ModelResponse | Promise<ModelResponse>)[],
  ) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(request);
    const step = this.steps[this.requests.length - 1];
    assert.ok(step, `the model was asked ${this.requests.length} times`);
    return step(request);
  }

  // biome-ignore lint/correctness/useYield: these tests run the agent without streaming
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error("ScriptedModel does not stream");
  }
}

/** The output the model was sent for `callId`, as text. */
export function agentsToolOutput(
  request: ModelRequest | undefined,
  callId = "call-1",
): string | undefined {
  const input = (request?.input ?? []) as AgentInputItem[];
  for (const item of input) {
    if (item.type !== "function_call_result" || item.callId !== callId) continue;
    const output = item.output as string | { type: string; text?: string };
    return typeof output === "string" ? output : output.text;
  }
  return undefined;
}

/** An Agents SDK function tool invoked as its runner does; answers the model-visible output. */
export async function agentsInvoke(
  mcps: McpsManager,
  options: agentsAdapter.McpsAgentToolsOptions,
  name: string,
  args: Record<string, unknown>,
): Promise<unknown> {
  const tool = agentsAdapter.mcpsTools(mcps, options).find((t) => t.name === name);
  assert.ok(tool, `tools have ${name}`);
  return tool.invoke(new RunContext(), JSON.stringify(args));
}
