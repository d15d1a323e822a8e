/**
 * The agent examples run as users run them (`node --import tsx examples/agent-*.ts`, each a
 * real child process), against a demo server served here (`DEMO_URL`), and print the tool
 * call, the server's result and the model's answer.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { createDemoServer } from "../../src/server/demo.js";
import { type ServeHandle, serve } from "../../src/server/index.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function runExample(file: string, demoUrl: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", file], {
      cwd: ROOT,
      env: { ...process.env, DEMO_URL: demoUrl },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
  });
}

describe("the agent examples", () => {
  let host: ServeHandle;
  before(async () => {
    host = await serve({ createServer: () => createDemoServer({ intervalMs: 100 }), port: 0 });
  });
  after(async () => {
    await host?.close();
  });

  const cases = [
    {
      file: "examples/agent-ai-sdk.ts",
      call: 'demo__realtime_monitor {"stream_id":"btc"}',
      result: "Started monitoring stream: btc",
    },
    {
      file: "examples/agent-langchain.ts",
      call: 'demo__weather_monitor {"location":"Paris"}',
      result: "[success] Started monitoring weather for: Paris",
    },
    {
      file: "examples/agent-openai.ts",
      call: 'demo__realtime_monitor {"stream_id":"eth"}',
      result: "Started monitoring stream: eth",
    },
  ];
  for (const example of cases) {
    it(`${example.file} prints the tool call, its result and the model's answer`, async () => {
      const { code, out } = await runExample(example.file, host.url);
      assert.equal(code, 0, out);
      assert.match(out, new RegExp(`^tool call: +${escapeRegExp(example.call)}$`, "m"));
      assert.ok(out.includes(example.result), out);
      assert.match(out, /^model: +\S/m);
    });
  }
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
