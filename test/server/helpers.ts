import { McpServer } from "@modelcontextprotocol/server";
import * as z from "zod";

/** A real SDK v2 McpServer with two small tools, one per session. */
export function createTestServer(): McpServer {
  const server = new McpServer({ name: "test-server", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echo text back", inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  server.registerTool(
    "burst",
    {
      description: "Send `count` logging notifications, then answer",
      inputSchema: z.object({ count: z.number().int(), size: z.number().int().optional() }),
    },
    async ({ count, size }, ctx) => {
      const pad = "x".repeat(size ?? 0);
      for (let i = 0; i < count; i++) {
        await ctx.mcpReq.notify({
          method: "notifications/message",
          params: { level: "info", data: `n${i}${pad}` },
        });
      }
      return { content: [{ type: "text", text: `sent ${count}` }] };
    },
  );
  return server;
}
