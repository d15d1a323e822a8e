/**
 * `mcp-sse serve --redis`: the CLI parses the URL and hands it to the library. Two replicas
 * started by the CLI share a session; an unreachable Redis fails at startup with a typed
 * error (exit 1), without printing the password; a password-protected Redis and a TLS-only one
 * (rediss://, CA trusted through NODE_EXTRA_CA_CERTS) work, wrong credentials exit 1.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type { CliIO } from "../../src/cli/io.js";
import { run } from "../../src/cli/main.js";
import { makeTestCerts, type TestCerts } from "../client/tls-certs.js";
import { freePort, REDIS_SKIP, startRedis, type TestRedis } from "../helpers/redis.js";
import { waitFor } from "../helpers/wait-for.js";

const ROOT = new URL("../../", import.meta.url).pathname;
const STARTUP = /^mcp-sse: serving .+ on (http:\/\/\S+) /m;
/** Bound on a spawned CLI (tsx start-up is slow on a busy machine). */
const CHILD_LIMIT_MS = 60_000;

function runServe(args: string[], env: CliIO["env"] = {}) {
  const controller = new AbortController();
  let stdout = "";
  let stderr = "";
  const io: CliIO = {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    signal: controller.signal,
    cwd: ROOT,
  };
  const done = run(["serve", ...args], io);
  return { done, stop: () => controller.abort(), out: () => stdout, err: () => stderr };
}

describe("mcp-sse serve --redis", { skip: REDIS_SKIP }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });

  test("two replicas started by the CLI serve one session: a legacy POST on the other replica is forwarded", async () => {
    const one = runServe(["--demo", "--port", "0", "--redis", redis.url, "--log-level", "warn"]);
    const two = runServe(["--demo", "--port", "0", "--redis", redis.url, "--log-level", "warn"]);
    try {
      const [url1, url2] = await Promise.all(
        [one, two].map((cli) =>
          waitFor(() => STARTUP.exec(cli.out())?.[1], { timeout: 20_000, message: "startup" }),
        ),
      );
      assert.match(one.out(), /replica \S+, sessions shared through Redis/);
      const controller = new AbortController();
      const stream = await fetch(`${url1}/sse`, { signal: controller.signal });
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      const endpoint = await waitFor(
        async () => {
          const { value } = await reader.read();
          text += value ?? "";
          return /data: (\/messages\?sessionId=\S+)/.exec(text)?.[1];
        },
        { message: "the endpoint event" },
      );
      const post = await fetch(`${url2}${endpoint}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: {
            protocolVersion: "2024-11-05",
            capabilities: {},
            clientInfo: { name: "t", version: "1" },
          },
        }),
      });
      assert.equal(post.status, 202);
      // The answer arrives on the stream held by the first replica.
      await waitFor(
        async () => {
          const { value } = await reader.read();
          text += value ?? "";
          return text.includes('"serverInfo"');
        },
        { message: "the initialize answer on the stream" },
      );
      controller.abort();
    } finally {
      one.stop();
      two.stop();
      assert.equal(await one.done, 0);
      assert.equal(await two.done, 0);
    }
  });
});

describe("mcp-sse serve --redis, Redis unreachable", () => {
  test("exits 1 with SERVER_REDIS_UNAVAILABLE, the URL shown without its password", async () => {
    const port = await freePort();
    const cli = runServe([
      "--demo",
      "--port",
      "0",
      "--redis",
      `redis://:hunter2@127.0.0.1:${port}`,
    ]);
    assert.equal(await cli.done, 1);
    assert.match(cli.err(), /Cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+/);
    assert.doesNotMatch(cli.err() + cli.out(), /hunter2/);
    assert.doesNotMatch(cli.out(), /serving/);
  });
});

describe("mcp-sse serve --redis, Redis with a password", { skip: REDIS_SKIP }, () => {
  const password = "cli-pw-91c2-do-not-print";
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis({ password });
  });
  after(async () => {
    await redis?.stop();
  });

  test("the right password: serves, rides out a Redis restart (logs name Redis without the password)", async () => {
    const cli = runServe(["--demo", "--port", "0", "--redis", redis.url, "--log-level", "debug"]);
    try {
      const url = await waitFor(() => STARTUP.exec(cli.out())?.[1], {
        timeout: 20_000,
        message: "startup",
      });
      assert.match(cli.out(), /sessions shared through Redis/);
      assert.match(cli.err(), /Redis password on the command line is visible .*--redis-env/);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      // The outage and recovery logs carry the Redis URL: the password must not come with it.
      await redis.stop();
      await waitFor(() => cli.err().includes("Redis connection lost"), {
        timeout: 20_000,
        message: "the outage logged",
      });
      await redis.start();
      await waitFor(() => cli.err().includes("Redis is back"), {
        timeout: 20_000,
        message: "the recovery logged (re-authenticated)",
      });
      assert.match(cli.err(), /"redis":"redis:\/\/127\.0\.0\.1:\d+\/?"/);
    } finally {
      cli.stop();
    }
    assert.equal(await cli.done, 0);
    assert.doesNotMatch(cli.out() + cli.err(), new RegExp(password));
  });

  test("--redis-env: the URL with its password from the environment; no warning, nothing printed", async () => {
    const cli = runServe(
      ["--demo", "--port", "0", "--redis-env", "MCP_SSE_REDIS", "--log-level", "debug"],
      {
        MCP_SSE_REDIS: redis.url,
      },
    );
    try {
      const url = await waitFor(() => STARTUP.exec(cli.out())?.[1], {
        timeout: 20_000,
        message: "startup",
      });
      assert.match(cli.out(), /sessions shared through Redis/);
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
    } finally {
      cli.stop();
    }
    assert.equal(await cli.done, 0);
    assert.doesNotMatch(cli.err(), /warning/);
    assert.doesNotMatch(cli.out() + cli.err(), new RegExp(password));
  });

  test("a wrong password: exits 1 with SERVER_REDIS_UNAVAILABLE (WRONGPASS), the password never printed", async () => {
    const wrong = `redis://:${password}-wrong@127.0.0.1:${redis.port}`;
    const cli = runServe(["--demo", "--port", "0", "--redis", wrong, "--log-level", "debug"]);
    assert.equal(await cli.done, 1);
    assert.match(
      cli.err(),
      /Cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+\/?: WRONGPASS .*\[SERVER_REDIS_UNAVAILABLE\]/,
    );
    assert.doesNotMatch(cli.err() + cli.out(), new RegExp(password));
    assert.doesNotMatch(cli.out(), /serving/);
  });
});

describe("mcp-sse serve --redis rediss:// (a real process)", { skip: REDIS_SKIP }, () => {
  let certs: TestCerts | undefined;
  let redis: TestRedis | undefined;
  before(async () => {
    certs = await makeTestCerts();
    if (certs === undefined) return;
    const { serverCert, serverKey, ca } = certs.files;
    redis = await startRedis({ tls: { cert: serverCert, key: serverKey, ca } });
  });
  after(async () => {
    await redis?.stop();
    await certs?.remove();
  });

  /** `node --import tsx src/cli/main.ts serve …` with `env` added; SIGKILLed if it outlives the test. */
  function spawnServe(args: string[], env: Record<string, string> = {}) {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "src/cli/main.ts", "serve", ...args],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (t: string) => (out += t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (err += t));
    const done = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const killer = setTimeout(() => child.kill("SIGKILL"), CHILD_LIMIT_MS);
    void done.then(() => clearTimeout(killer));
    return { child, done, out: () => out, err: () => err };
  }

  test("trusts a private CA through NODE_EXTRA_CA_CERTS; without it, exits 1 naming the certificate", async (t) => {
    if (certs === undefined || redis === undefined) return t.skip("openssl is not installed");
    const args = ["--demo", "--port", "0", "--redis", redis.url, "--log-level", "warn"];
    const trusted = spawnServe(args, { NODE_EXTRA_CA_CERTS: certs.files.ca });
    try {
      await waitFor(
        () => {
          if (trusted.child.exitCode !== null) assert.fail(`serve exited: ${trusted.err()}`);
          return STARTUP.test(trusted.out()) && /sessions shared through Redis/.test(trusted.out());
        },
        { timeout: CHILD_LIMIT_MS, message: "startup over TLS, sessions shared through Redis" },
      );
    } finally {
      trusted.child.kill("SIGTERM");
    }
    assert.equal(await trusted.done, 0);

    const untrusted = spawnServe(args);
    assert.equal(await untrusted.done, 1);
    assert.match(
      untrusted.err(),
      /Cannot connect to Redis at rediss:\/\/127\.0\.0\.1:\d+.*certificate.*\[SERVER_REDIS_UNAVAILABLE\]/,
    );
  });
});
