import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { parseServeArgs } from "../../src/cli/commands/serve.js";
import { run } from "../../src/cli/main.js";
import { isMcpSseError } from "../../src/errors.js";
import { fakeIO } from "../fixtures/client-cli.js";
import { waitFor } from "../helpers/wait-for.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TINY = fileURLToPath(new URL("../fixtures/stdio-tiny-server.mjs", import.meta.url));
const STARTUP =
  /^mcp-sse: serving (.+) on (http:\/\/\S+) \(legacy SSE: \/sse, Streamable HTTP: \/mcp, health: \/healthz\)$/m;
/** Bound on anything a spawned CLI does (tsx start-up is slow on a busy machine). */
const CHILD_LIMIT_MS = 60_000;

/** Spawn the real CLI: `node --import tsx src/cli/main.ts ...args`. */
function spawnCli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t));
  child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  const killer = setTimeout(() => child.kill("SIGKILL"), CHILD_LIMIT_MS);
  void exited.then(() => clearTimeout(killer));
  return { child, exited, out: () => stdout, err: () => stderr };
}

/** Run `serve` in-process through `run()`; resolves the URL once it is listening. */
function runInProcess(args: string[], env: Record<string, string | undefined> = {}) {
  const io = fakeIO(ROOT, env);
  let finished = false;
  const done = run(["serve", ...args], io).finally(() => {
    finished = true;
  });
  const url = () =>
    waitFor(
      () => {
        if (finished) assert.fail(`serve ended before listening: ${io.stderrText()}`);
        return STARTUP.exec(io.stdoutText())?.[2];
      },
      { timeout: CHILD_LIMIT_MS, message: "the startup line" },
    );
  return { done, url, stop: () => io.abort(), out: io.stdoutText, err: io.stderrText };
}

async function listTools(url: string, headers: Record<string, string> = {}): Promise<string[]> {
  const client = new Client({ name: "cli-serve-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL("/mcp", url), {
    requestInit: { headers },
  });
  await client.connect(transport, { timeout: 15_000 });
  try {
    return (await client.listTools(undefined, { timeout: 15_000 })).tools.map((t) => t.name).sort();
  } finally {
    await transport.terminateSession();
    await client.close();
  }
}

describe("mcp-sse serve as a real process", () => {
  test("serve --demo --port 0: prints where it listens, serves, exits 0 on SIGTERM", async () => {
    const cli = spawnCli(["serve", "--demo", "--port", "0"]);
    try {
      const match = await waitFor(
        () => {
          if (cli.child.exitCode !== null)
            assert.fail(`serve exited before listening: ${cli.err()}`);
          return STARTUP.exec(cli.out());
        },
        { timeout: CHILD_LIMIT_MS, message: "the startup line" },
      );
      assert.equal(match[1], "demo");
      const url = match[2] as string;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(new URL("/healthz", url), { signal: AbortSignal.timeout(15_000) });
      assert.equal(health.status, 200);
      await health.body?.cancel();
      assert.deepEqual(await listTools(url), ["realtime_monitor", "weather_monitor"]);
    } finally {
      cli.child.kill("SIGTERM");
    }
    assert.equal(await cli.exited, 0, `stderr: ${cli.err()}`);
    assert.match(cli.err(), /shutting down/);
  });

  test("serve without --demo or --stdio exits 2 with a one-line reason", async () => {
    const cli = spawnCli(["serve"]);
    assert.equal(await cli.exited, 2);
    const lines = cli.err().trim().split("\n");
    assert.equal(lines.length, 1, cli.err());
    assert.match(lines[0] ?? "", /^mcp-sse serve: .*--demo or --stdio.*\[CLI_USAGE\]$/);
  });

  test("serve with an unknown flag exits 2 with a one-line reason", async () => {
    const cli = spawnCli(["serve", "--demo", "--bogus"]);
    assert.equal(await cli.exited, 2);
    const lines = cli.err().trim().split("\n");
    assert.equal(lines.length, 1, cli.err());
    assert.match(lines[0] ?? "", /--bogus/);
  });
});

describe("mcp-sse serve in-process", () => {
  test("--token-env: tokens come from the environment; requests without one get 401", async () => {
    const s = runInProcess(["--demo", "--port", "0", "--token-env", "DEMO_TOKENS"], {
      DEMO_TOKENS: "first-token, second-token",
    });
    try {
      const url = await s.url();
      const denied = await fetch(new URL("/mcp", url), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: "{}",
        signal: AbortSignal.timeout(15_000),
      });
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
      assert.deepEqual(await listTools(url, { authorization: "Bearer second-token" }), [
        "realtime_monitor",
        "weather_monitor",
      ]);
      assert.ok(!s.out().includes("second-token") && !s.err().includes("second-token"));
    } finally {
      s.stop();
    }
    assert.equal(await s.done, 0);
  });

  test("--stdio serves a stdio program through the bridge", async () => {
    const s = runInProcess([
      "--stdio",
      `'${process.execPath}' '${TINY}'`,
      "--port",
      "0",
      "--log-level",
      "warn",
    ]);
    try {
      const url = await s.url();
      assert.match(s.out(), /serving stdio command/);
      assert.deepEqual(await listTools(url), ["crash", "flood", "noise", "whoami"]);
    } finally {
      s.stop();
    }
    assert.equal(await s.done, 0);
  });

  test("a --stdio command that cannot be parsed is a usage error (exit 2)", async () => {
    const s = runInProcess(["--stdio", "node 'unclosed", "--port", "0"]);
    assert.equal(await s.done, 2);
    assert.match(s.err(), /quote is not closed.*\[CLI_USAGE\]/);
  });
});

describe("parseServeArgs", () => {
  test("--handshake-timeout SECONDS becomes handshakeTimeoutMs; junk is a usage error", () => {
    const ms = (value: string) => {
      const plan = parseServeArgs(["--demo", "--handshake-timeout", value], {});
      return plan === "help" ? undefined : plan.handshakeTimeoutMs;
    };
    assert.equal(ms("3"), 3000);
    assert.equal(ms("0"), 0);
    assert.throws(
      () => ms("soon"),
      (error: unknown) => isMcpSseError(error, "CLI_USAGE"),
    );
  });
  test("maps every flag onto serve() options (seconds to ms, comma lists)", () => {
    const plan = parseServeArgs(
      [
        "--stdio",
        "my-server --flag",
        "--host",
        "0.0.0.0",
        "--port",
        "9001",
        "--allowed-origins",
        "https://a.example, https://b.example",
        "--allowed-hosts",
        "mcp.example",
        "--keepalive",
        "20",
        "--max-body",
        "1024",
        "--max-sessions",
        "0",
        "--token-env",
        "T",
      ],
      { T: "x,y" },
    );
    assert.deepEqual(plan, {
      mode: { kind: "stdio", command: "my-server --flag" },
      host: "0.0.0.0",
      port: 9001,
      logLevel: "info",
      allowedOrigins: ["https://a.example", "https://b.example"],
      allowedHosts: ["mcp.example"],
      keepAliveMs: 20_000,
      maxBodyBytes: 1024,
      maxSessions: 0,
      tokens: ["x", "y"],
    });
    assert.deepEqual(parseServeArgs(["--demo"], {}), {
      mode: { kind: "demo" },
      host: "127.0.0.1",
      port: 8000,
      logLevel: "info",
    });
    assert.equal(parseServeArgs(["--help"], {}), "help");
  });

  test("rejects bad input with CLI_USAGE and a reason", () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /--demo or --stdio/],
      [["--demo", "--stdio", "x"], /not both/],
      [["--stdio", "  "], /needs a command/],
      [["--demo", "--port", "70000"], /--port/],
      [["--demo", "--port", "-1"], /--port/],
      [["--demo", "--keepalive", "1.5"], /--keepalive/],
      [["--demo", "--max-body", "0"], /--max-body/],
      [["--demo", "--log-level", "loud"], /--log-level/],
      [["--demo", "--token-env", "MISSING"], /MISSING.*unset or empty/],
      [["--demo", "--redis", "http://localhost:6379"], /redis:\/\/ or rediss:\/\//],
      [["--demo", "--redis", "not a url"], /--redis must be a URL/],
      [["--demo", "--redis-env", "MISSING"], /--redis-env MISSING: .*unset or empty/],
      [["--demo", "--redis-env", "NOT_URL"], /^--redis-env NOT_URL must be a URL/],
      [["--demo", "--redis", "redis://a", "--redis-env", "R"], /--redis or --redis-env, not both/],
      [["--demo", "extra"], /extra|positional/i],
    ];
    for (const [argv, reason] of cases) {
      assert.throws(
        () => parseServeArgs(argv, { NOT_URL: "s3cret-not-a-url", R: "redis://b" }),
        (e: unknown) =>
          isMcpSseError(e, "CLI_USAGE") && reason.test(e.message) && !e.message.includes("s3cret"),
        argv.join(" "),
      );
    }
  });

  test("--redis-env: the URL comes from the environment, and no warning is due", () => {
    const env = { REDIS_URL: " rediss://:pw@cache.internal:6380 " };
    const plan = parseServeArgs(["--demo", "--redis-env", "REDIS_URL"], env);
    assert.ok(plan !== "help");
    assert.equal(plan.redis, "rediss://:pw@cache.internal:6380");
    assert.equal(plan.redisPasswordInArgs, undefined);
    const inArgs = parseServeArgs(["--demo", "--redis", "redis://:pw@127.0.0.1:6379"], {});
    assert.ok(inArgs !== "help");
    assert.equal(inArgs.redisPasswordInArgs, true);
    const noPassword = parseServeArgs(["--demo", "--redis", "redis://127.0.0.1:6379"], {});
    assert.ok(noPassword !== "help");
    assert.equal(noPassword.redisPasswordInArgs, undefined);
  });
});
