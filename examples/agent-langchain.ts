/**
 * One agent step with LangChain.js, no network and no API key: LangChain's fake chat model
 * (`FakeStreamingChatModel` from `@langchain/core/utils/testing`) asks for the demo server's
 * `weather_monitor` tool, `mcp-sse/langchain` calls it, and the ToolMessage goes back to the
 * model — LangChain's own tool loop, by hand.
 *
 *   node --import tsx examples/agent-langchain.ts     # starts `mcp-sse serve --demo` itself
 *
 * In your project, import from "mcp-sse" and "mcp-sse/langchain" instead of ../src.
 */
import { fileURLToPath } from "node:url";
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
} from "@langchain/core/messages";
import { FakeStreamingChatModel } from "@langchain/core/utils/testing";
import { mcpsToolkit } from "../src/agents/langchain.js";
import { connectMcps } from "../src/index.js";
import { demoServer } from "./demo-server.js";

const server = await demoServer();
const mcps = await connectMcps(fileURLToPath(new URL("mcps.yaml", import.meta.url)), {
  env: { ...process.env, DEMO_URL: server.url },
});
try {
  const toolkit = mcpsToolkit(mcps);
  // The fake model answers with this tool call (a real one would choose it from the tools).
  const model = new FakeStreamingChatModel({
    chunks: [
      new AIMessageChunk({
        content: "",
        tool_calls: [{ id: "call-1", name: "demo__weather_monitor", args: { location: "Paris" } }],
      }),
    ],
  });
  const messages: BaseMessage[] = [new HumanMessage("Watch the weather in Paris.")];
  // Bind before each step: the toolkit answers with the tools of that moment.
  const ai = await model.bindTools(toolkit.getTools()).invoke(messages);
  messages.push(ai);
  for (const call of ai.tool_calls ?? []) {
    console.log(`tool call:   ${call.name} ${JSON.stringify(call.args)}`);
    const result = await toolkit.toolByName(call.name)?.invoke({ ...call, type: "tool_call" });
    console.log(`tool result: [${result.status}] ${result.content}`);
    messages.push(result);
  }
  const final = new FakeStreamingChatModel({ responses: [new AIMessage("Watching Paris.")] });
  console.log(`model:       ${(await final.invoke(messages)).content}`);
} finally {
  await mcps.close();
  await server.stop();
}
