/**
 * Regressions from the CLI review: one-line errors (and --debug for the rest), no secret in
 * a bad --header usage error, `call` checks the server name before connecting, `watch` ends
 * when every watched server has failed and stops on Ctrl-C while connecting.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { fakeIO, tempConfig } from "../fixtures/client-cli.js";
import { startFixture } from "../fixtures/client-servers.js";

/** A node:http server on 127.0.0.1 port 0 that counts requests and runs `handler`. */
async function countingServer(
  handler: (res: import("node:http").ServerResponse) => void,
): Promise<{ server: Server; url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    handler(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    server,
    url: `http://127.0.0.1:${port}/mcp`,
    requests: () => requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** `promise`, or `fallback` if it has not settled within `ms` (a hang guard, not a timing check). */
async function within<T>(promise: Promise<T>, ms: number, fallback: string): Promise<T | string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(fallback), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const BAD_CONFIG = [
  "mcps:",
  "  - name: a",
  "    url: ftp://x",
  "    timeout: -1",
  "  - name: b",
  "    url: gopher://y",
].join("\n");

describe("CLI errors are one line", () => {
  it("CONFIG_INVALID: the first problem, how many more, the code — one line", async () => {
    const dir = await tempConfig(BAD_CONFIG);
    try {
      const io = fakeIO(dir.dir);
      assert.equal(await run(["tools"], io), 1);
      const err = io.stderrText();
      assert.equal(err.split("\n").length, 2, `one line, then the newline: ${JSON.stringify(err)}`);
      assert.match(
        err,
        /^mcp-sse tools: Invalid mcp-sse config .*: 3 problems — mcps\[0\]\.url .*\(and 2 more problems; run with --debug for all\) \[CONFIG_INVALID\]\n$/,
      );
    } finally {
      await dir.cleanup();
    }
  });

  it("--debug prints every problem and the stack after the one line", async () => {
    const dir = await tempConfig(BAD_CONFIG);
    try {
      const io = fakeIO(dir.dir);
      assert.equal(await run(["tools", "--debug"], io), 1);
      const [first, ...rest] = io.stderrText().split("\n");
      assert.match(first ?? "", /\[CONFIG_INVALID\]$/);
      const more = rest.join("\n");
      assert.match(more, /mcps\[0\]\.timeout/);
      assert.match(more, /mcps\[1\]\.url/);
      assert.match(more, /\n\s+at /, "the stack");
    } finally {
      await dir.cleanup();
    }
  });

  it("CLI_USAGE: one line with the code last; --debug adds the usage text", async () => {
    const io = fakeIO(process.cwd());
    assert.equal(await run(["watch", "--bogus"], io), 2);
    assert.match(
      io.stderrText(),
      /^mcp-sse watch: Unknown option '--bogus'.*\(run 'mcp-sse watch --help' for usage\) \[CLI_USAGE\]\n$/,
    );
    assert.equal(io.stderrText().split("\n").length, 2);
    const debug = fakeIO(process.cwd());
    assert.equal(await run(["watch", "--bogus", "--debug"], debug), 2);
    assert.match(debug.stderrText(), /\[CLI_USAGE\]\n[\s\S]*usage: mcp-sse watch \[options\]/);
  });

  it("a --header without a name is named by position, never echoed", async () => {
    for (const command of ["doctor", "proxy"]) {
      const io = fakeIO(process.cwd());
      const code = await run(
        [
          command,
          "http://127.0.0.1:9/mcp",
          "--header",
          "X-Ok: 1",
          "--header",
          "Bearer sk-live-SECRET123",
        ],
        io,
      );
      assert.equal(code, 2);
      assert.match(io.stderrText(), /--header #2 must look like 'Name: value'/);
      assert.doesNotMatch(io.stderrText(), /sk-live|Bearer/);
    }
  });
});

describe("CLI call and watch: review regressions", () => {
  it("call with an unknown server fails with CLIENT_UNKNOWN_SERVER before connecting", async () => {
    const other = await countingServer((res) => res.writeHead(500).end());
    const dir = await tempConfig(
      ["mcps:", "  - name: other", "    transport: streamable-http", `    url: ${other.url}`].join(
        "\n",
      ),
    );
    try {
      const io = fakeIO(dir.dir);
      assert.equal(await run(["call", "ghost", "echo"], io), 1);
      assert.match(
        io.stderrText(),
        /^mcp-sse call: No server named "ghost" .*configured: other\. \[CLIENT_UNKNOWN_SERVER\]\n$/,
      );
      assert.equal(other.requests(), 0, "no server was contacted");
    } finally {
      await dir.cleanup();
      await other.close();
    }
  });

  it("call --timeout 0 (it would wait forever) is a usage error, and nothing is contacted", async () => {
    const other = await countingServer((res) => res.writeHead(500).end());
    const dir = await tempConfig(
      ["mcps:", "  - name: other", "    transport: streamable-http", `    url: ${other.url}`].join(
        "\n",
      ),
    );
    try {
      for (const value of ["0", "0.0001"]) {
        const io = fakeIO(dir.dir);
        assert.equal(await run(["call", "other", "echo", "--timeout", value], io), 2);
        assert.match(io.stderrText(), /--timeout must be more than 0 seconds.*\[CLI_USAGE\]\n$/);
      }
      assert.equal(other.requests(), 0);
    } finally {
      await dir.cleanup();
      await other.close();
    }
  });

  it("watch exits 1 with one line once every watched server has failed", async () => {
    const fx = await startFixture();
    const dir = await tempConfig(
      [
        "mcps:",
        "  - name: a",
        "    transport: streamable-http",
        `    url: ${fx.url}`,
        "    timeout: 10",
        "    reconnect_interval: 0.05",
        "    max_reconnects: 1",
        "    ping_interval: 0.3",
      ].join("\n"),
    );
    const io = fakeIO(dir.dir);
    const running = run(["watch"], io);
    try {
      const deadline = Date.now() + 20_000;
      while (!io.stderrText().includes("a: ready") && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.match(io.stderrText(), /a: ready/);
      await fx.close();
      assert.equal(await within(running, 30_000, "still watching a dead server"), 1);
      assert.match(
        io.stderrText(),
        /\nmcp-sse watch: every watched server has failed and stopped reconnecting: a \([A-Z_]+\)\n$/,
      );
    } finally {
      io.abort();
      await running;
      await fx.close();
      await dir.cleanup();
    }
  });

  it("watch stops on Ctrl-C while still connecting", async () => {
    // Accepts the request and never answers: only the abort ends the connect.
    const silent = await countingServer(() => undefined);
    const dir = await tempConfig(
      [
        "mcps:",
        "  - name: slow",
        "    transport: streamable-http",
        `    url: ${silent.url}`,
        "    timeout: 60",
      ].join("\n"),
    );
    const io = fakeIO(dir.dir);
    const running = run(["watch"], io);
    try {
      const deadline = Date.now() + 20_000;
      while (silent.requests() === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      assert.ok(silent.requests() > 0, "watch is connecting");
      io.abort();
      assert.equal(await within(running, 15_000, "still connecting after Ctrl-C"), 0);
    } finally {
      io.abort();
      await silent.close();
      await running;
      await dir.cleanup();
    }
  });
});
