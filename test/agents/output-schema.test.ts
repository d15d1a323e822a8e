/**
 * Tools with an `outputSchema`, against the demo server with a `reading` tool whose schema says
 * `{ celsius: number }` but which checks nothing it sends (as a server on another SDK, or a
 * hand-written one, may): the manager lists the schema, the SDK client checks every
 * `structuredContent` against it, a valid one reaches each framework (AI SDK output, LangChain
 * artifact, OpenAI Agents text), and one that does not match is each
 * framework's tool error, never a result the agent trusts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import * as aiAdapter from "../../src/agents/ai.js";
import type { McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { AGENT_TRANSPORTS } from "../fixtures/agent-demo.js";
import { agentsInvoke, aiStep, langchainInvoke, useAgentDemo } from "./helpers.js";

const READING_SCHEMA = {
  type: "object",
  properties: { celsius: { type: "number" } },
  required: ["celsius"],
};

/**
 * A Standard Schema that advertises READING_SCHEMA and accepts anything: the server then sends
 * whatever the handler returns, so the client's own check is what is tested.
 */
const unchecked = {
  "~standard": {
    version: 1,
    vendor: "test-unchecked",
    validate: (value: unknown) => ({ value }),
    jsonSchema: { input: () => READING_SCHEMA, output: () => READING_SCHEMA },
  },
};

const SENT = { good: { celsius: 21.5 }, bad: { celsius: "warm" } } as const;

function registerReading(server: McpServer): void {
  server.registerTool(
    "reading",
    {
      description: "The temperature, structured",
      inputSchema: z.object({ kind: z.enum(["good", "bad"]) }),
      outputSchema: unchecked as never,
    },
    async ({ kind }) => ({
      content: [{ type: "text" as const, text: JSON.stringify(SENT[kind]) }],
      structuredContent: SENT[kind],
    }),
  );
}

const aiReading = async (mcps: McpsManager, kind: string) =>
  (await aiStep(mcps, {}, "demo__reading", { kind })).part;
const langchainReading = (mcps: McpsManager, kind: string) =>
  langchainInvoke(mcps, {}, "demo__reading", { kind });
const agentsReading = (mcps: McpsManager, kind: string) =>
  agentsInvoke(mcps, {}, "demo__reading", { kind });

const MISMATCH = /Structured content does not match the tool's output schema/;

for (const transport of AGENT_TRANSPORTS) {
  describe(`tools with an outputSchema, over ${transport}`, () => {
    let mcps: McpsManager;
    useAgentDemo(
      transport,
      (_demo, m) => {
        mcps = m;
      },
      { register: registerReading },
    );

    it("the manager lists the schema; a call checks structuredContent against it", async () => {
      const tool = mcps.tools().find((t) => t.qualifiedName === "demo__reading");
      assert.deepEqual(tool?.outputSchema, READING_SCHEMA);
      const good = await mcps.call("demo", "reading", { kind: "good" });
      assert.deepEqual(good.structuredContent, { celsius: 21.5 });
      await assert.rejects(mcps.call("demo", "reading", { kind: "bad" }), (error: unknown) => {
        assert.ok(isMcpSseError(error, "CLIENT_TOOL_ERROR"));
        assert.match(error.message, /^tool "reading" on server "demo" failed/);
        assert.match(error.message, MISMATCH);
        return true;
      });
    });

    it("AI SDK: a valid result is the output (schema in metadata); a mismatch is a tool-error", async () => {
      assert.deepEqual(
        aiAdapter.mcpsTools(mcps)["demo__reading"]?.metadata?.["outputSchema"],
        READING_SCHEMA,
      );
      const good = await aiReading(mcps, "good");
      assert.equal(good?.type, "tool-result");
      assert.deepEqual(
        (good as { output: { structuredContent?: unknown } }).output.structuredContent,
        { celsius: 21.5 },
      );
      const bad = await aiReading(mcps, "bad");
      assert.equal(bad?.type, "tool-error");
      assert.match(String((bad as { error: unknown }).error), MISMATCH);
    });

    it("LangChain: a valid result is in the artifact; a mismatch is an error ToolMessage", async () => {
      const good = await langchainReading(mcps, "good");
      assert.equal(good.status, "success");
      assert.deepEqual((good.artifact as { structuredContent?: unknown }).structuredContent, {
        celsius: 21.5,
      });
      const bad = await langchainReading(mcps, "bad");
      assert.equal(bad.status, "error");
      assert.match(String(bad.content), /^CLIENT_TOOL_ERROR: .*does not match/);
    });

    it("OpenAI Agents: a valid result is the output; a mismatch is the model-visible error", async () => {
      assert.equal(await agentsReading(mcps, "good"), '{"celsius":21.5}');
      assert.match(
        String(await agentsReading(mcps, "bad")),
        /^CLIENT_TOOL_ERROR: .*does not match/,
      );
    });
  });
}
