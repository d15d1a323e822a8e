/**
 * One agent run with the OpenAI Agents SDK, no network and no API key: a scripted `Model`
 * (the SDK's model interface; it ships no mock) asks for the demo server's
 * `realtime_monitor` tool, `mcp-sse/openai-agents` calls it, and the model answers from the
 * output. Tracing is disabled (it would export to OpenAI).
 *
 *   node --import tsx examples/agent-openai.ts       # starts `mcp-sse serve --demo` itself
 *
 * In your project, import from "mcp-sse" and "mcp-sse/openai-agents" instead of ../src.
 */
import { fileURLToPath } from "node:url";
import {
  Agent,
  type Model,
  type ModelRequest,
  type ModelResponse,
  run,
  setTracingDisabled,
  Usage,
} from "@openai/agents";
import { mcpsTools } from "../src/agents/openai-agents.js";
import { connectMcps } from "../src/index.js";
import { demoServer } from "./demo-server.js";

setTracingDisabled(true);

/** First a function call, then an answer quoting the function's output. */
class ScriptedModel implements Model {
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    const items = Array.isArray(request.input) ? request.input : [];
    const result = items.find((item) => item.type === "function_call_result");
    if (result === undefined)
      return {
        usage: new Usage(),
        output: [
          {
            type: "function_call",
            callId: "call-1",
            name: "demo__realtime_monitor",
            arguments: JSON.stringify({ stream_id: "eth" }),
            status: "completed",
          },
        ],
      };
    const text = `The server answered ${JSON.stringify(result.output)}`;
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

  // biome-ignore lint/correctness/useYield: this example runs without streaming
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error("not streamed in this example");
  }
}

const server = await demoServer();
const mcps = await connectMcps(fileURLToPath(new URL("mcps.yaml", import.meta.url)), {
  env: { ...process.env, DEMO_URL: server.url },
});
try {
  const agent = new Agent({
    name: "watcher",
    instructions: "You watch live data streams.",
    model: new ScriptedModel(),
    tools: mcpsTools(mcps),
  });
  const result = await run(agent, "Start monitoring the eth stream.");
  for (const item of result.newItems) {
    if (item.type === "tool_call_item" && item.rawItem.type === "function_call")
      console.log(`tool call:   ${item.rawItem.name} ${item.rawItem.arguments}`);
    if (item.type === "tool_call_output_item")
      console.log(`tool result: ${JSON.stringify(item.output)}`);
  }
  console.log(`model:       ${result.finalOutput}`);
} finally {
  await mcps.close();
  await server.stop();
}
