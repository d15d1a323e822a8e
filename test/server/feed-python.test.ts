/**
 * The guide's own kind of client, in Python (aiohttp from Debian's python3-aiohttp, which
 * .ci/run installs), reads `mcp-sse serve --demo`'s plain event feed.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { waitFor } from "../helpers/wait-for.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLIENT = fileURLToPath(new URL("../fixtures/guide_feed_client.py", import.meta.url));
/** Debian's interpreter: PATH may lead to another python3 without aiohttp. */
const PYTHON = "/usr/bin/python3";
/** Bound on each child (tsx start-up is slow on a busy machine). */
const CHILD_LIMIT_MS = 60_000;

function missingAiohttp(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import aiohttp"], { encoding: "utf8" });
  if (probe.error) return `${PYTHON} is not installed`;
  return probe.status === 0
    ? undefined
    : `${PYTHON} has no aiohttp (apt-get install python3-aiohttp)`;
}

function run(command: string, args: string[]) {
  const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (out += t));
  child.stderr.setEncoding("utf8").on("data", (t: string) => (err += t));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const killer = setTimeout(() => child.kill("SIGKILL"), CHILD_LIMIT_MS);
  void exited.then(() => clearTimeout(killer));
  return { child, exited, out: () => out, err: () => err };
}

test("a Python aiohttp client written the guide's way reads serve --demo's /mcp/sse", async (t) => {
  const missing = missingAiohttp();
  if (missing !== undefined) {
    // CI installs it (.ci/run): there, a missing interpreter is a failure, not a skip.
    assert.ok(!process.env["CI"], `CI must have it: ${missing}`);
    t.skip(missing);
    return;
  }
  const server = run(process.execPath, [
    "--import",
    "tsx",
    "src/cli/main.ts",
    "serve",
    "--demo",
    "--port",
    "0",
  ]);
  try {
    const match = await waitFor(() => /event feed on (http:\/\/\S+\/mcp\/sse)/.exec(server.out()), {
      timeout: CHILD_LIMIT_MS,
      message: `serve --demo start-up; stderr: ${server.err()}`,
    });
    const client = run(PYTHON, [CLIENT, match[1] as string, "2"]);
    assert.equal(await client.exited, 0, `python stderr: ${client.err()}`);
    const lines = client.out().trim().split("\n");
    assert.equal(lines.length, 2);
    for (const line of lines) {
      const payload = JSON.parse(line.replace(/^data_update /, "")) as Record<string, unknown>;
      assert.equal(typeof payload["value"], "number", line);
      assert.equal(typeof payload["seq"], "number", line);
    }
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
  }
});
