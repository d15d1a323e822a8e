import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { dirname, join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { bridgeStdio } from "../../src/client/bridge/bridge.js";
import { createDemoServer } from "../../src/server/demo.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { INITIALIZE_REQUEST } from "../helpers/jsonrpc.js";
import { waitFor } from "../helpers/wait-for.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const initialize = INITIALIZE_REQUEST;
const initialized = { jsonrpc: "2.0", method: "notifications/initialized" };
const listTools = { jsonrpc: "2.0", id: 2, method: "tools/list" };
const callWeather = {
  jsonrpc: "2.0",
  id: 3,
  method: "tools/call",
  params: { name: "weather_monitor", arguments: { location: "Oslo" } },
};

/** Collects output lines as parsed JSON and lets a test wait for a given id. */
function collector() {
  const messages: {
    id?: unknown;
    method?: string;
    result?: Record<string, unknown>;
    error?: { code: number };
  }[] = [];
  let buffer = "";
  return {
    messages,
    push(text: string) {
      buffer += text;
      let nl = buffer.indexOf("\n");
      while (nl >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim() !== "") messages.push(JSON.parse(line));
        nl = buffer.indexOf("\n");
      }
    },
    waitFor(test: (m: (typeof messages)[number]) => boolean, ms = 10_000) {
      return waitFor(() => messages.find(test), {
        timeout: ms,
        message: () => `a matching message; got ${JSON.stringify(messages)}`,
      });
    },
  };
}

describe("CLI proxy: stdio ↔ remote server", () => {
  let host: ServeHandle;
  before(async () => {
    host = await serve({ createServer: () => createDemoServer({ intervalMs: 30 }), port: 0 });
  });
  after(async () => {
    await host?.close();
  });

  for (const [transport, path] of [
    ["streamable-http", "/mcp"],
    ["sse", "/sse"],
    ["auto", "/mcp"],
  ] as const) {
    it(`bridges requests, answers and notifications (${transport})`, async () => {
      const input = new PassThrough();
      const out = collector();
      const done = bridgeStdio({
        url: `${host.url}${path}`,
        transport,
        input,
        output: (l) => out.push(l),
      });
      input.write(`${JSON.stringify(initialize)}\n`);
      const init = await out.waitFor((m) => m.id === 1);
      assert.equal(
        (init.result?.["serverInfo"] as { name: string } | undefined)?.name,
        "mcp-sse-demo",
      );
      input.write(`${JSON.stringify(initialized)}\n${JSON.stringify(listTools)}\n`);
      const tools = await out.waitFor((m) => m.id === 2);
      const names = ((tools.result?.["tools"] ?? []) as { name: string }[])
        .map((t) => t.name)
        .sort();
      assert.deepEqual(names, ["realtime_monitor", "weather_monitor"]);
      // A request split across two chunks still arrives whole.
      const text = JSON.stringify(callWeather);
      input.write(text.slice(0, 10));
      input.write(`${text.slice(10)}\nnot json\n`);
      const call = await out.waitFor((m) => m.id === 3);
      assert.deepEqual(call.result?.["content"], [
        { type: "text", text: "Started monitoring weather for: Oslo" },
      ]);
      const parseError = await out.waitFor((m) => m.error?.code === -32700);
      assert.equal(parseError.id, null);
      const note = await out.waitFor((m) => m.method === "notifications/message");
      assert.ok(note, "server notifications reach the host");
      input.end();
      assert.equal(await done, "input");
    });
  }

  it("runs as a real child process: mcp-sse proxy <url>", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "proxy", `${host.url}/mcp`],
      {
        cwd: ROOT,
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    const out = collector();
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => out.push(t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
    });
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      child.stdin.write(`${JSON.stringify(initialize)}\n`);
      await out.waitFor((m) => m.id === 1, 30_000);
      child.stdin.write(`${JSON.stringify(initialized)}\n${JSON.stringify(listTools)}\n`);
      const tools = await out.waitFor((m) => m.id === 2, 30_000);
      assert.equal(((tools.result?.["tools"] ?? []) as unknown[]).length, 2);
      child.stdin.end();
      assert.equal(await exited, 0, stderr);
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});

describe("CLI proxy: review regressions", () => {
  it("sends --header values literally: no $VAR expansion, $$ stays $$", async () => {
    const seen: (string | undefined)[] = [];
    const server = createHttpServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      // Literal `${…}` text on purpose: the bridge must not interpolate it.
      const dollarBrace = "$" + "{";
      for (const value of [
        "Bearer ab$$cd",
        `Bearer ${dollarBrace}HOME}`,
        `Bearer ab${dollarBrace}cd`,
      ]) {
        const out = collector();
        const code = await bridgeStdio({
          url: `http://127.0.0.1:${port}/mcp`,
          transport: "streamable-http",
          headers: { Authorization: value },
          input: Readable.from([`${JSON.stringify(initialize)}\n`]),
          output: (l) => out.push(l),
        });
        assert.equal(code, "input");
        assert.equal(seen.at(-1), value, "the header arrives exactly as given");
        assert.ok(
          out.messages.some((m) => m.id === 1 && m.error),
          "the host gets an answer",
        );
      }
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("on abort, closes the remote side at once instead of awaiting requests in flight", async () => {
    let posted!: () => void;
    const gotPost = new Promise<void>((resolve) => {
      posted = resolve;
    });
    // Takes the POST and never answers: only closing the transport ends that request.
    const server = createHttpServer(() => posted());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const controller = new AbortController();
    const input = new PassThrough();
    const out = collector();
    try {
      const done = bridgeStdio({
        url: `http://127.0.0.1:${port}/mcp`,
        transport: "streamable-http",
        input,
        output: (l) => out.push(l),
        signal: controller.signal,
      });
      input.write(`${JSON.stringify(initialize)}\n`);
      await gotPost;
      controller.abort();
      // The server's request timeout (30 s by default) must not be what ends the bridge.
      let bound: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        done,
        new Promise<string>((resolve) => {
          bound = setTimeout(() => resolve("still waiting for the POST"), 15_000);
        }),
      ]);
      clearTimeout(bound);
      assert.equal(result, "abort");
      const answer = await out.waitFor((m) => m.id === 1, 1_000);
      assert.equal(answer.error?.code, -32000, "the cancelled request is answered with an error");
    } finally {
      input.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("splits input lines in linear time: an 8 MB line in 256-byte chunks arrives whole", {
    timeout: 60_000,
  }, async () => {
    const big = {
      jsonrpc: "2.0",
      method: "notifications/big",
      params: { blob: "x".repeat(8 * 1024 * 1024) },
    };
    const text = `${JSON.stringify(big)}\n${JSON.stringify(initialized)}\n`;
    async function* chunks() {
      for (let i = 0; i < text.length; i += 256) yield text.slice(i, i + 256);
    }
    const sent: { method?: string; params?: { blob?: string } }[] = [];
    const fake = {
      kind: "streamable-http" as const,
      start: async () => undefined,
      send: async (message: unknown) => void sent.push(message as (typeof sent)[number]),
      close: async () => undefined,
    };
    const code = await bridgeStdio({
      url: "http://127.0.0.1:9/mcp",
      input: chunks(),
      output: () => undefined,
      createTransport: () => fake,
    });
    assert.equal(code, "input");
    assert.deepEqual(
      sent.map((m) => m.method),
      ["notifications/big", "notifications/initialized"],
    );
    assert.equal(sent[0]?.params?.blob?.length, 8 * 1024 * 1024);
  });

  it("drops a line over maxLineChars with a parse error; the next line still goes through", async () => {
    const sent: { method?: string }[] = [];
    const fake = {
      kind: "streamable-http" as const,
      start: async () => undefined,
      send: async (message: unknown) => void sent.push(message as (typeof sent)[number]),
      close: async () => undefined,
    };
    const out = collector();
    const long = JSON.stringify({ jsonrpc: "2.0", method: "x", params: { s: "y".repeat(500) } });
    const code = await bridgeStdio({
      url: "http://127.0.0.1:9/mcp",
      input: Readable.from([
        long.slice(0, 200),
        `${long.slice(200)}\n`,
        `${JSON.stringify(initialized)}\n`,
      ]),
      output: (l) => out.push(l),
      createTransport: () => fake,
      maxLineChars: 100,
    });
    assert.equal(code, "input");
    assert.deepEqual(
      sent.map((m) => m.method),
      ["notifications/initialized"],
    );
    const error = await out.waitFor((m) => m.error?.code === -32700, 1_000);
    assert.equal(error.id, null);
  });
});
