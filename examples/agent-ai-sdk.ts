/**
 * One agent step with the Vercel AI SDK, no network and no API key: the AI SDK's own mock
 * model (`MockLanguageModelV4` from `ai/test`) asks for the demo server's `realtime_monitor`
 * tool, `mcp-sse/ai` calls it over Streamable HTTP, and the model answers from the result.
 *
 *   npm run example:agent            # starts `mcp-sse serve --demo` itself
 *   DEMO_URL=http://127.0.0.1:8000 npm run example:agent   # or uses yours
 *
 * In your project, import from "mcp-sse" and "mcp-sse/ai" instead of ../src.
 */
import { fileURLToPath } from "node:url";
import { generateText, stepCountIs } from "ai";
import { MockLanguageModelV4 } from "ai/test";
import { EventWindow, mcpsEventsPrepareStep, mcpsTools } from "../src/agents/ai.js";
import { connectMcps } from "../src/index.js";
import { demoServer } from "./demo-server.js";

type GenerateResult = Awaited<ReturnType<MockLanguageModelV4["doGenerate"]>>;
type Prompt = Parameters<MockLanguageModelV4["doGenerate"]>[0]["prompt"];

const usage = {
  inputTokens: { total: 0, noCache: 0, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: 0, text: 0, reasoning: undefined },
};

/** The text of the last tool result in the prompt (what the real model would read). */
function lastToolResult(prompt: Prompt): string {
  const tool = prompt.filter((m) => m.role === "tool").at(-1);
  const part = tool?.content.find((p) => p.type === "tool-result");
  return JSON.stringify(part?.output);
}

/** A scripted model: first it calls the tool, then it answers from what the tool said. */
const model = new MockLanguageModelV4({
  doGenerate: async ({ prompt }): Promise<GenerateResult> => {
    if (!prompt.some((m) => m.role === "tool"))
      return {
        content: [
          {
            type: "tool-call",
            toolCallId: "call-1",
            toolName: "demo__realtime_monitor",
            input: JSON.stringify({ stream_id: "btc" }),
          },
        ],
        finishReason: { unified: "tool-calls", raw: undefined },
        usage,
        warnings: [],
      };
    return {
      content: [{ type: "text", text: `The server answered ${lastToolResult(prompt)}` }],
      finishReason: { unified: "stop", raw: undefined },
      usage,
      warnings: [],
    };
  },
});

const server = await demoServer();
const mcps = await connectMcps(fileURLToPath(new URL("mcps.yaml", import.meta.url)), {
  env: { ...process.env, DEMO_URL: server.url },
});
// Live events: the demo sends a data_update every second; each step's instructions show the new ones.
const events = new EventWindow(mcps, { type: "data_update" });
try {
  const result = await generateText({
    model,
    tools: mcpsTools(mcps),
    prepareStep: mcpsEventsPrepareStep(events, "You watch live data streams."),
    stopWhen: stepCountIs(3),
    prompt: "Start monitoring the btc stream.",
  });
  for (const step of result.steps) {
    for (const call of step.toolCalls)
      console.log(`tool call:   ${call.toolName} ${JSON.stringify(call.input)}`);
    for (const res of step.toolResults)
      console.log(`tool result: ${JSON.stringify((res.output as { content: unknown }).content)}`);
  }
  console.log(`model:       ${result.text}`);
} finally {
  events.close();
  await mcps.close();
  await server.stop();
}
