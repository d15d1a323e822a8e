/**
 * The server under test for `npm run conformance`: an SDK v2 `McpServer` with the tools,
 * resources and prompts the official conformance suite's SERVER scenarios expect (their
 * names, contents and behaviours are fixed by the suite), hosted by OUR `serve()` so the
 * suite exercises mcp-sse's HTTP layer (Streamable HTTP on /mcp, sessions, Origin/Host checks).
 *
 * Usage: node --import tsx test/conformance/server.ts [port]   (default 0 = a free port)
 * Prints `CONFORMANCE_SERVER_URL=<url>/mcp` on stdout once listening; stops on SIGINT/SIGTERM.
 */
import {
  fromJsonSchema,
  McpServer,
  ResourceTemplate,
  type ServerContext,
} from "@modelcontextprotocol/server";
import { z } from "zod";
import { serve } from "../../src/server/index.js";

// A 1x1 PNG and a minimal WAV: the suite only checks type, mimeType and that data is base64.
const PNG_1X1 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
const WAV_MINIMAL = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const text = (t: string) => ({ content: [{ type: "text" as const, text: t }] });

export function createConformanceServer(): McpServer {
  const server = new McpServer(
    { name: "mcp-sse-conformance-server", version: "0.1.0" },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        logging: {},
        completions: {},
      },
    },
  );
  registerTools(server);
  registerResources(server);
  registerPrompts(server);

  server.server.setRequestHandler("completion/complete", async () => ({
    completion: { values: [], total: 0, hasMore: false },
  }));
  return server;
}

function registerTools(server: McpServer): void {
  const empty = z.object({});
  server.registerTool(
    "test_simple_text",
    { description: "Tests simple text content response", inputSchema: empty },
    async () => text("This is a simple text response for testing."),
  );
  server.registerTool(
    "test_image_content",
    { description: "Tests image content response", inputSchema: empty },
    async () => ({ content: [{ type: "image", data: PNG_1X1, mimeType: "image/png" }] }),
  );
  server.registerTool(
    "test_audio_content",
    { description: "Tests audio content response", inputSchema: empty },
    async () => ({ content: [{ type: "audio", data: WAV_MINIMAL, mimeType: "audio/wav" }] }),
  );
  server.registerTool(
    "test_embedded_resource",
    { description: "Tests embedded resource content response", inputSchema: empty },
    async () => ({
      content: [
        {
          type: "resource",
          resource: {
            uri: "test://embedded-resource",
            mimeType: "text/plain",
            text: "This is an embedded resource content.",
          },
        },
      ],
    }),
  );
  server.registerTool(
    "test_multiple_content_types",
    { description: "Tests response with multiple content types", inputSchema: empty },
    async () => ({
      content: [
        { type: "text", text: "Multiple content types test:" },
        { type: "image", data: PNG_1X1, mimeType: "image/png" },
        {
          type: "resource",
          resource: {
            uri: "test://mixed-content-resource",
            mimeType: "application/json",
            text: JSON.stringify({ test: "data", value: 123 }),
          },
        },
      ],
    }),
  );
  server.registerTool(
    "test_tool_with_logging",
    { description: "Tests tool that emits log messages during execution", inputSchema: empty },
    async (_args, ctx: ServerContext) => {
      for (const message of [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
      ]) {
        await ctx.mcpReq.notify({
          method: "notifications/message",
          params: { level: "info", data: message },
        });
        await sleep(50);
      }
      return text("Tool with logging executed successfully");
    },
  );
  server.registerTool(
    "test_tool_with_progress",
    { description: "Tests tool that reports progress notifications", inputSchema: empty },
    async (_args, ctx: ServerContext) => {
      const progressToken = ctx.mcpReq._meta?.progressToken ?? 0;
      for (const progress of [0, 50, 100]) {
        await ctx.mcpReq.notify({
          method: "notifications/progress",
          params: {
            progressToken,
            progress,
            total: 100,
            message: `Completed step ${progress} of 100`,
          },
        });
        await sleep(50);
      }
      return text(String(progressToken));
    },
  );
  server.registerTool(
    "test_error_handling",
    { description: "Tests error response handling", inputSchema: empty },
    async () => {
      throw new Error("This tool intentionally returns an error for testing");
    },
  );
  server.registerTool(
    "test_reconnection",
    {
      description: "Closes the SSE stream mid-call; the result arrives after the client reconnects",
      inputSchema: empty,
    },
    async (_args, ctx: ServerContext) => {
      ctx.http?.closeSSE?.();
      await sleep(100);
      return text(
        "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.",
      );
    },
  );
  server.registerTool(
    "test_sampling",
    {
      description: "Tests server-initiated sampling (LLM completion request)",
      inputSchema: z.object({ prompt: z.string().describe("The prompt to send to the LLM") }),
    },
    async ({ prompt }, ctx: ServerContext) => {
      const result = await ctx.mcpReq.requestSampling({
        messages: [{ role: "user", content: { type: "text", text: prompt } }],
        maxTokens: 100,
      });
      const content = Array.isArray(result.content) ? result.content[0] : result.content;
      const reply = content?.type === "text" ? content.text : "No response";
      return text(`LLM response: ${reply}`);
    },
  );
  server.registerTool(
    "test_elicitation",
    {
      description: "Tests server-initiated elicitation (user input request)",
      inputSchema: z.object({ message: z.string().describe("The message to show the user") }),
    },
    async ({ message }, ctx: ServerContext) => {
      const result = await ctx.mcpReq.elicitInput({
        mode: "form",
        message,
        requestedSchema: {
          type: "object",
          properties: { response: { type: "string", description: "User's response" } },
          required: ["response"],
        },
      });
      return text(
        `User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
      );
    },
  );
  server.registerTool(
    "test_elicitation_sep1034_defaults",
    { description: "Tests elicitation with default values per SEP-1034", inputSchema: empty },
    async (_args, ctx: ServerContext) => {
      const result = await ctx.mcpReq.elicitInput({
        mode: "form",
        message: "Please review and update the form fields with defaults",
        requestedSchema: {
          type: "object",
          properties: {
            name: { type: "string", description: "User name", default: "John Doe" },
            age: { type: "integer", description: "User age", default: 30 },
            score: { type: "number", description: "User score", default: 95.5 },
            status: {
              type: "string",
              description: "User status",
              enum: ["active", "inactive", "pending"],
              default: "active",
            },
            verified: { type: "boolean", description: "Verification status", default: true },
          },
          required: [],
        },
      });
      return text(
        `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
      );
    },
  );
  server.registerTool(
    "test_elicitation_sep1330_enums",
    {
      description: "Tests elicitation with enum schema improvements per SEP-1330",
      inputSchema: empty,
    },
    async (_args, ctx: ServerContext) => {
      const choices = (prefix: string, titles: string[]) =>
        titles.map((title, i) => ({ const: `${prefix}${i + 1}`, title }));
      const result = await ctx.mcpReq.elicitInput({
        mode: "form",
        message: "Please select options from the enum fields",
        requestedSchema: {
          type: "object",
          properties: {
            untitledSingle: {
              type: "string",
              description: "Select one option",
              enum: ["option1", "option2", "option3"],
            },
            titledSingle: {
              type: "string",
              description: "Select one option with titles",
              oneOf: choices("value", ["First Option", "Second Option", "Third Option"]),
            },
            legacyEnum: {
              type: "string",
              description: "Select one option (legacy)",
              enum: ["opt1", "opt2", "opt3"],
              enumNames: ["Option One", "Option Two", "Option Three"],
            },
            untitledMulti: {
              type: "array",
              description: "Select multiple options",
              minItems: 1,
              maxItems: 3,
              items: { type: "string", enum: ["option1", "option2", "option3"] },
            },
            titledMulti: {
              type: "array",
              description: "Select multiple options with titles",
              minItems: 1,
              maxItems: 3,
              items: { anyOf: choices("value", ["First Choice", "Second Choice", "Third Choice"]) },
            },
          },
          required: [],
        },
      });
      return text(
        `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
      );
    },
  );
  // SEP-1613: tools/list must carry $schema, $defs and additionalProperties unchanged.
  server.registerTool(
    "json_schema_2020_12_tool",
    {
      description: "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
      inputSchema: fromJsonSchema({
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        $defs: {
          address: {
            type: "object",
            properties: { street: { type: "string" }, city: { type: "string" } },
          },
        },
        properties: { name: { type: "string" }, address: { $ref: "#/$defs/address" } },
        additionalProperties: false,
      }),
    },
    async (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`),
  );
}

function registerResources(server: McpServer): void {
  server.registerResource(
    "static-text",
    "test://static-text",
    {
      title: "Static Text Resource",
      description: "A static text resource",
      mimeType: "text/plain",
    },
    async () => ({
      contents: [
        {
          uri: "test://static-text",
          mimeType: "text/plain",
          text: "This is the content of the static text resource.",
        },
      ],
    }),
  );
  server.registerResource(
    "static-binary",
    "test://static-binary",
    { title: "Static Binary Resource", description: "A PNG image", mimeType: "image/png" },
    async () => ({
      contents: [{ uri: "test://static-binary", mimeType: "image/png", blob: PNG_1X1 }],
    }),
  );
  server.registerResource(
    "template",
    new ResourceTemplate("test://template/{id}/data", { list: undefined }),
    {
      title: "Resource Template",
      description: "A resource template with parameter substitution",
      mimeType: "application/json",
    },
    async (uri, variables) => ({
      contents: [
        {
          uri: uri.toString(),
          mimeType: "application/json",
          text: JSON.stringify({
            id: variables["id"],
            templateTest: true,
            data: `Data for ID: ${variables["id"]}`,
          }),
        },
      ],
    }),
  );
  server.registerResource(
    "watched-resource",
    "test://watched-resource",
    {
      title: "Watched Resource",
      description: "A resource to subscribe to",
      mimeType: "text/plain",
    },
    async () => ({
      contents: [
        {
          uri: "test://watched-resource",
          mimeType: "text/plain",
          text: "Watched resource content",
        },
      ],
    }),
  );
  const subscriptions = new Set<string>();
  server.server.setRequestHandler("resources/subscribe", async (request) => {
    subscriptions.add(request.params.uri);
    return {};
  });
  server.server.setRequestHandler("resources/unsubscribe", async (request) => {
    subscriptions.delete(request.params.uri);
    return {};
  });
}

function registerPrompts(server: McpServer): void {
  server.registerPrompt(
    "test_simple_prompt",
    { title: "Simple Test Prompt", description: "A simple prompt without arguments" },
    async () => ({
      messages: [
        { role: "user", content: { type: "text", text: "This is a simple prompt for testing." } },
      ],
    }),
  );
  server.registerPrompt(
    "test_prompt_with_arguments",
    {
      title: "Prompt With Arguments",
      description: "A prompt with required arguments",
      argsSchema: z.object({
        arg1: z.string().describe("First test argument"),
        arg2: z.string().describe("Second test argument"),
      }),
    },
    async ({ arg1, arg2 }) => ({
      messages: [
        {
          role: "user",
          content: { type: "text", text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` },
        },
      ],
    }),
  );
  server.registerPrompt(
    "test_prompt_with_embedded_resource",
    {
      title: "Prompt With Embedded Resource",
      description: "A prompt that includes an embedded resource",
      argsSchema: z.object({ resourceUri: z.string().describe("URI of the resource to embed") }),
    },
    async ({ resourceUri }) => ({
      messages: [
        {
          role: "user",
          content: {
            type: "resource",
            resource: {
              uri: resourceUri,
              mimeType: "text/plain",
              text: "Embedded resource content for testing.",
            },
          },
        },
        {
          role: "user",
          content: { type: "text", text: "Please process the embedded resource above." },
        },
      ],
    }),
  );
  server.registerPrompt(
    "test_prompt_with_image",
    { title: "Prompt With Image", description: "A prompt that includes image content" },
    async () => ({
      messages: [
        { role: "user", content: { type: "image", data: PNG_1X1, mimeType: "image/png" } },
        { role: "user", content: { type: "text", text: "Please analyze the image above." } },
      ],
    }),
  );
}

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? "0");
  const running = await serve({
    createServer: createConformanceServer,
    host: "127.0.0.1",
    port,
    // SEP-1699: advertise a reconnection delay on /mcp priming events.
    retryMs: 1000,
  });
  process.stdout.write(`CONFORMANCE_SERVER_URL=${new URL("/mcp", running.url).href}\n`);
  const stop = () => {
    void running.close().then(() => process.exit(0));
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (/conformance[\\/]server\.ts$/.test(process.argv[1] ?? "")) void main();
