/**
 * `mcpsTools(mcps, { schemas })`: your own schemas for chosen tools, as `@ai-sdk/mcp`'s
 * `tools({ schemas })` has them. Only those tools are in the set; the model's input is checked
 * against your `inputSchema` (the AI SDK does it, before any call); with an `outputSchema` the
 * output is the tool's structured content, checked against it, and what the model reads is
 * that JSON. Against the demo server with a `reading` tool (`{ celsius: number }` out).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { McpServer } from "@modelcontextprotocol/server";
import { generateText, stepCountIs, type Tool } from "ai";
import { z } from "zod";
import * as aiAdapter from "../../src/agents/ai.js";
import type { McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { AGENT_TRANSPORTS } from "../fixtures/agent-demo.js";
import { aiAnswer, aiScripted, aiToolCall, aiToolOutput, useAgentDemo } from "./helpers.js";

const calls: string[] = [];

function registerReading(server: McpServer): void {
  server.registerTool(
    "reading",
    {
      description: "The temperature, structured",
      inputSchema: z.object({ kind: z.enum(["good", "text-only"]) }),
    },
    async ({ kind }) => {
      calls.push(kind);
      const value = { celsius: 21.5 };
      return kind === "good"
        ? { content: [{ type: "text" as const, text: "21.5 °C" }], structuredContent: value }
        : { content: [{ type: "text" as const, text: JSON.stringify(value) }] };
    },
  );
}

const input = z.object({ kind: z.enum(["good", "text-only"]) });

/** One run: the mock model calls `demo__reading(args)`; the first step's tool part, and what the model read. */
async function run(tools: Record<string, Tool>, args: unknown) {
  const { model, calls: modelCalls } = aiScripted([
    () => aiToolCall("demo__reading", args),
    () => aiAnswer("ok"),
  ]);
  const result = await generateText({ model, tools, stopWhen: stepCountIs(3), prompt: "go" });
  const part = result.steps[0]?.content.find(
    (p) => p.type === "tool-result" || p.type === "tool-error",
  );
  return { part, read: aiToolOutput(modelCalls[1]) };
}

for (const transport of AGENT_TRANSPORTS) {
  describe(`mcpsTools with your own schemas, over ${transport}`, () => {
    let mcps: McpsManager;
    useAgentDemo(
      transport,
      (_demo, m) => {
        mcps = m;
      },
      { register: registerReading },
    );

    it("only the named tools, their output the structured content, typed and read as JSON", async () => {
      const tools = aiAdapter.mcpsTools(mcps, {
        schemas: {
          demo__reading: { inputSchema: input, outputSchema: z.object({ celsius: z.number() }) },
        },
      });
      assert.deepEqual(Object.keys(tools), ["demo__reading"]);
      // The type follows the schemas (a compile-time check: `npm run typecheck`).
      const typed: Tool<{ kind: "good" | "text-only" }, { celsius: number }> = tools.demo__reading;
      assert.equal(typeof typed.execute, "function");

      const good = await run(tools, { kind: "good" });
      assert.equal(good.part?.type, "tool-result");
      assert.deepEqual((good.part as { output: unknown }).output, { celsius: 21.5 });
      assert.deepEqual(good.read, { type: "json", value: { celsius: 21.5 } });
      // A server that answers with JSON text and no structuredContent is read the same way.
      const text = await run(tools, { kind: "text-only" });
      assert.deepEqual((text.part as { output: unknown }).output, { celsius: 21.5 });
    });

    it("an output your schema refuses is the tool's error; an input it refuses never reaches the server", async () => {
      const tools = aiAdapter.mcpsTools(mcps, {
        schemas: {
          demo__reading: {
            inputSchema: input,
            outputSchema: z.object({ celsius: z.number().max(0) }),
          },
        },
      });
      const cold = await run(tools, { kind: "good" });
      assert.equal(cold.part?.type, "tool-error");
      assert.match(
        String((cold.part as { error: unknown }).error),
        /^Tool "demo__reading" returned output that does not match your outputSchema/,
      );
      const before = calls.length;
      const wrong = await run(tools, { kind: "freezing" });
      assert.equal(wrong.part?.type, "tool-error");
      assert.equal(calls.length, before, "the server was not called");
    });

    it("without an outputSchema the output is the MCP result, as without schemas", async () => {
      const tools = aiAdapter.mcpsTools(mcps, {
        schemas: { demo__reading: { inputSchema: input } },
      });
      const { part } = await run(tools, { kind: "good" });
      assert.equal(part?.type, "tool-result");
      assert.deepEqual(
        (part as { output: { structuredContent?: unknown } }).output.structuredContent,
        {
          celsius: 21.5,
        },
      );
    });
  });
}

describe("mcpsTools schemas option checks", () => {
  it("a schemas value that is not { inputSchema, outputSchema? } by name is AGENTS_INVALID_OPTION", () => {
    const manager = { tools: () => [] } as unknown as McpsManager;
    const bad: unknown[] = [[], "x", { t: {} }, { t: { inputSchema: input, extra: 1 } }];
    for (const schemas of bad)
      assert.throws(
        () => aiAdapter.mcpsTools(manager, { schemas } as never),
        (error: unknown) =>
          isMcpSseError(error, "AGENTS_INVALID_OPTION") && /option "schemas"/.test(error.message),
        JSON.stringify(schemas),
      );
  });
});
