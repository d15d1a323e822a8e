import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { runProxy } from "../../src/cli/commands/proxy-bridge.js";
import { createDemoServer } from "../../src/server/demo.js";
import { type ServeHandle, serve } from "../../src/server/index.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

const initialize = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "host", version: "1" },
  },
};
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
    async waitFor(test: (m: (typeof messages)[number]) => boolean, ms = 10_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = messages.find(test);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching message; got ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
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
      const done = runProxy({
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
      assert.equal(await done, 0);
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
