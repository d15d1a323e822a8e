/**
 * The manager's resources and prompts (`listResources`, `readResource`, `listPrompts`,
 * `getPrompt`), routed per server like tools, against real SDK `McpServer`s served by `serve()`:
 * `docs` (resources, a resource template and prompts, over legacy SSE) and `plain` (tools only,
 * over Streamable HTTP). Resource templates are listed and a URI expanded from one is read;
 * completions of a template variable and of a prompt argument come from the server. Failures
 * are typed: unknown server, a JSON-RPC error, a timeout, an abort, a bad option, a capability
 * the server does not declare.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { completable, McpServer, ResourceTemplate } from "@modelcontextprotocol/server";
import { z } from "zod";
import { connectMcps, expandUriTemplate, type McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { waitFor } from "../helpers/wait-for.js";

function docsServer(): McpServer {
  const server = new McpServer({ name: "docs", version: "1.0.0" });
  server.registerResource(
    "readme",
    "docs://readme",
    { title: "Read me", description: "What the feed is", mimeType: "text/markdown" },
    async () => ({
      contents: [{ uri: "docs://readme", mimeType: "text/markdown", text: "# The btc feed" }],
    }),
  );
  server.registerResource(
    "slow",
    "docs://slow",
    { mimeType: "text/plain" },
    () => new Promise(() => {}),
  );
  const topics = ["btc", "eth", "weather"];
  server.registerResource(
    "topic-readme",
    new ResourceTemplate("docs://{topic}/readme", {
      list: undefined,
      complete: { topic: (value) => topics.filter((t) => t.startsWith(value)) },
    }),
    { title: "A topic's read me", mimeType: "text/markdown" },
    async (uri, { topic }) => ({
      contents: [{ uri: uri.href, mimeType: "text/markdown", text: `# About ${String(topic)}` }],
    }),
  );
  server.registerPrompt(
    "summarize",
    {
      description: "Summarize a stream",
      argsSchema: z.object({
        topic: completable(z.string(), (value) => topics.filter((t) => t.startsWith(value))),
      }),
    },
    async ({ topic }) => ({
      messages: [
        { role: "user", content: { type: "text", text: `Summarize the ${topic} stream.` } },
      ],
    }),
  );
  return server;
}

function plainServer(): McpServer {
  const server = new McpServer({ name: "plain", version: "1.0.0" });
  server.registerTool(
    "echo",
    { inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({
      content: [{ type: "text", text }],
    }),
  );
  return server;
}

const expectCode = (code: string, message?: RegExp) => (error: unknown) => {
  assert.ok(isMcpSseError(error, code), `expected ${code}, got ${String(error)}`);
  if (message !== undefined) assert.match(error.message, message);
  return true;
};

describe("manager: resources and prompts of the configured servers", () => {
  let docs: ServeHandle;
  let plain: ServeHandle;
  let mcps: McpsManager;

  before(async () => {
    docs = await serve({ port: 0, createServer: docsServer, shutdownTimeoutMs: 500 });
    plain = await serve({ port: 0, createServer: plainServer, shutdownTimeoutMs: 500 });
    mcps = await connectMcps({
      mcps: [
        { name: "docs", transport: "sse", url: `${docs.url}/sse`, timeout: 5 },
        { name: "plain", transport: "streamable-http", url: `${plain.url}/mcp`, timeout: 5 },
      ],
    });
    await waitFor(() => mcps.servers().every((s) => s.state === "ready"), {
      message: "both servers ready",
    });
  });
  after(async () => {
    await mcps?.close();
    await docs?.close();
    await plain?.close();
  });

  it("listResources() lists every server that has resources, with their server's name", async () => {
    const all = await mcps.listResources();
    assert.deepEqual(all, [
      {
        server: "docs",
        uri: "docs://readme",
        name: "readme",
        title: "Read me",
        description: "What the feed is",
        mimeType: "text/markdown",
      },
      { server: "docs", uri: "docs://slow", name: "slow", mimeType: "text/plain" },
    ]);
    assert.deepEqual(await mcps.listResources("plain"), []);
    assert.equal((await mcps.listResources("docs")).length, 2);
  });

  it("readResource() routes to the server and answers its contents", async () => {
    const result = await mcps.readResource("docs", "docs://readme");
    assert.deepEqual(result.contents, [
      { uri: "docs://readme", mimeType: "text/markdown", text: "# The btc feed" },
    ]);
  });

  it("listResourceTemplates() and a URI expanded from a template, read like any resource", async () => {
    const templates = await mcps.listResourceTemplates();
    assert.deepEqual(templates, [
      {
        server: "docs",
        uriTemplate: "docs://{topic}/readme",
        name: "topic-readme",
        title: "A topic's read me",
        mimeType: "text/markdown",
      },
    ]);
    assert.deepEqual(await mcps.listResourceTemplates("plain"), []);
    const uri = expandUriTemplate(templates[0]?.uriTemplate ?? "", { topic: "eth" });
    assert.equal(uri, "docs://eth/readme");
    const { contents } = await mcps.readResource("docs", uri);
    assert.deepEqual(contents, [{ uri, mimeType: "text/markdown", text: "# About eth" }]);
    assert.throws(
      () => expandUriTemplate("docs://{topic/readme", { topic: "x" }),
      expectCode("CLIENT_INVALID_OPTION", /not a URI template/),
    );
  });

  it("complete(): the server's suggestions for a template variable and a prompt argument", async () => {
    const variable = await mcps.complete(
      "docs",
      { type: "ref/resource", uri: "docs://{topic}/readme" },
      { name: "topic", value: "e" },
    );
    assert.deepEqual(variable.values, ["eth"]);
    const argument = await mcps.complete(
      "docs",
      { type: "ref/prompt", name: "summarize" },
      { name: "topic", value: "" },
    );
    assert.deepEqual(argument.values, ["btc", "eth", "weather"]);
    await assert.rejects(
      mcps.complete("plain", { type: "ref/prompt", name: "x" }, { name: "a", value: "" }),
      expectCode(
        "CLIENT_NOT_SUPPORTED",
        /completion\/complete prompt x a on server "plain".*"completions"/,
      ),
    );
  });

  it("listPrompts() and getPrompt(): qualified names, arguments, the rendered messages", async () => {
    const prompts = await mcps.listPrompts();
    assert.equal(prompts.length, 1);
    assert.equal(prompts[0]?.qualifiedName, "docs__summarize");
    assert.equal(prompts[0]?.description, "Summarize a stream");
    assert.deepEqual(
      prompts[0]?.arguments?.map((a) => [a.name, a.required]),
      [["topic", true]],
    );
    const prompt = await mcps.getPrompt("docs", "summarize", { topic: "btc" });
    assert.deepEqual(prompt.messages, [
      { role: "user", content: { type: "text", text: "Summarize the btc stream." } },
    ]);
  });

  it("failures are typed: unknown server, JSON-RPC error, timeout, abort, bad option", async () => {
    await assert.rejects(
      mcps.readResource("nope", "docs://readme"),
      expectCode("CLIENT_UNKNOWN_SERVER"),
    );
    await assert.rejects(
      mcps.readResource("docs", "docs://missing"),
      expectCode(
        "CLIENT_REQUEST_FAILED",
        /^resources\/read docs:\/\/missing on server "docs" failed with JSON-RPC error/,
      ),
    );
    await assert.rejects(
      mcps.getPrompt("plain", "summarize"),
      expectCode("CLIENT_REQUEST_FAILED", /prompts\/get summarize on server "plain"/),
    );
    await assert.rejects(
      mcps.readResource("docs", "docs://slow", { timeout: 200 }),
      expectCode("CLIENT_TIMEOUT", /did not answer within 200 ms/),
    );
    const controller = new AbortController();
    const reading = mcps.readResource("docs", "docs://slow", { signal: controller.signal });
    controller.abort();
    await assert.rejects(reading, expectCode("CLIENT_ABORTED"));
    await assert.rejects(
      mcps.listResources("docs", { timeout: 0 }),
      expectCode("CLIENT_INVALID_OPTION", /timeout must be ms > 0/),
    );
    // The connection is still fine after all of that.
    assert.equal((await mcps.readResource("docs", "docs://readme")).contents.length, 1);
  });
});
