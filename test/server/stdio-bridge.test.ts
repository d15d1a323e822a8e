import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, describe, mock, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import { isMcpSseError } from "../../src/errors.js";
import { createMemoryBackend } from "../../src/server/backends/memory.js";
import { createMcpHttpHandler } from "../../src/server/handler.js";
import {
  createStdioServerFactory,
  describeCommand,
  type StdioSessionServer,
} from "../../src/server/stdio-bridge.js";
import { parseCommandLine } from "../../src/server/stdio-command.js";
import { isAlive, shellQuote } from "../helpers/process.js";
import { recordingLogger } from "../helpers/recording-logger.js";
import { waitFor } from "../helpers/wait-for.js";
import { readUntil } from "./helpers.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const TINY = fileURLToPath(new URL("../fixtures/stdio-tiny-server.mjs", import.meta.url));
const EVERYTHING = `${root}node_modules/.bin/mcp-server-everything`;
const TINY_COMMAND = `${shellQuote(process.execPath)} ${shellQuote(TINY)}`;

/** A bridged session with an SDK v2 client on the other end of an in-memory pair. */
async function openSession(factory: () => StdioSessionServer) {
  const server = factory();
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: "stdio-bridge-test", version: "1.0.0" });
  let clientClosed = false;
  client.onclose = () => {
    clientClosed = true;
  };
  await client.connect(clientSide);
  return { server, client, closed: () => clientClosed };
}

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups) await c().catch(() => undefined);
});

describe("parseCommandLine", () => {
  test("splits words and honours single quotes, double quotes and backslashes", () => {
    assert.deepEqual(parseCommandLine("node server.js --port 3"), {
      command: "node",
      args: ["server.js", "--port", "3"],
    });
    assert.deepEqual(parseCommandLine(`  "my prog" 'a b'  c\\ d "x\\"y" '$HOME' ""  `), {
      command: "my prog",
      args: ["a b", "c d", 'x"y', "$HOME", ""],
    });
  });

  test("passes shell syntax through as plain arguments (no shell runs)", () => {
    assert.deepEqual(parseCommandLine("echo hi; rm -rf / | cat $(id)").args, [
      "hi;",
      "rm",
      "-rf",
      "/",
      "|",
      "cat",
      "$(id)",
    ]);
  });

  test("rejects empty input and unclosed quotes with SERVER_STDIO_COMMAND_INVALID", () => {
    for (const bad of ["", "   ", "node 'oops", 'node "oops', "node \\"]) {
      assert.throws(
        () => parseCommandLine(bad),
        (e: unknown) => isMcpSseError(e, "SERVER_STDIO_COMMAND_INVALID"),
        bad,
      );
    }
  });

  test("describeCommand hides arguments that look like secrets", () => {
    assert.equal(
      describeCommand("srv", ["--api-key=abc", "--port", "1", "TOKEN=x"]),
      "srv --api-key=[REDACTED] --port 1 TOKEN=[REDACTED]",
    );
    assert.equal(
      describeCommand("srv", ["--api-key", "sk-live-1", "--name", "demo", "--token", "t0k"]),
      "srv --api-key [REDACTED] --name demo --token [REDACTED]",
    );
  });

  test("an unparsable command line is reported without its arguments (they may be secrets)", () => {
    assert.throws(
      () => parseCommandLine('srv --api-key sk-live-123 "unclosed'),
      (e: unknown) =>
        isMcpSseError(e, "SERVER_STDIO_COMMAND_INVALID") &&
        /"srv"/.test(e.message) &&
        !`${e.message} ${JSON.stringify(e.details)}`.includes("sk-live-123"),
    );
  });
});

describe("createStdioServerFactory with a tiny fixture server", () => {
  test("a bad command line fails when the factory is made, not on first use", () => {
    assert.throws(
      () => createStdioServerFactory("node 'unclosed"),
      (e: unknown) => isMcpSseError(e, "SERVER_STDIO_COMMAND_INVALID"),
    );
  });

  test("two sessions get two child processes; closing a session ends its child", async () => {
    const logger = recordingLogger();
    const factory = createStdioServerFactory(TINY_COMMAND, { logger });
    const a = await openSession(factory);
    const b = await openSession(factory);
    cleanups.push(
      () => a.client.close(),
      () => b.client.close(),
    );

    const whoami = async (c: Client) => {
      const result = await c.callTool({ name: "whoami", arguments: {} });
      const first = (result.content as Array<{ type: string; text: string }>)[0];
      return Number(first?.text);
    };
    const pidA = await whoami(a.client);
    const pidB = await whoami(b.client);
    assert.equal(pidA, a.server.pid);
    assert.equal(pidB, b.server.pid);
    assert.notEqual(pidA, pidB);
    assert.ok(isAlive(pidA) && isAlive(pidB));

    await a.client.close();
    await waitFor(() => !isAlive(pidA), { timeout: 10_000, message: "session A's child to exit" });
    assert.ok(isAlive(pidB), "closing A must not touch B's child");
    assert.deepEqual((await b.client.listTools()).tools.map((t) => t.name).sort(), [
      "crash",
      "flood",
      "noise",
      "whoami",
    ]);

    await b.server.close();
    await waitFor(() => !isAlive(pidB), { timeout: 10_000, message: "session B's child to exit" });
    await waitFor(b.closed, { timeout: 10_000, message: "session B's transport to close" });
    // Child stderr reached the logger, one record per line.
    assert.ok(logger.lines.some((l) => String(l["stderr"]).startsWith("tiny-server started")));
  });

  test("a child that dies fails its pending request and closes the session with SERVER_STDIO_EXITED", async () => {
    const factory = createStdioServerFactory(TINY_COMMAND);
    const s = await openSession(factory);
    cleanups.push(() => s.client.close());
    const pid = s.server.pid;
    assert.ok(pid !== undefined);
    await assert.rejects(s.client.callTool({ name: "crash", arguments: {} }), /exited with code 3/);
    await waitFor(s.closed, {
      timeout: 10_000,
      message: "the transport to close after the child exited",
    });
    assert.ok(isMcpSseError(s.server.exitError, "SERVER_STDIO_EXITED"));
    assert.equal(s.server.exitError?.details["exitCode"], 3);
    assert.match(s.server.exitError?.message ?? "", /stdio-tiny-server\.mjs/);
    assert.equal(isAlive(pid), false);
  });

  test("a stdout line that is not JSON-RPC is skipped; the answer after it still arrives", async () => {
    const s = await openSession(createStdioServerFactory(TINY_COMMAND));
    cleanups.push(() => s.client.close());
    const result = await s.client.callTool({ name: "noise", arguments: {} });
    assert.equal((result.content as Array<{ text: string }>)[0]?.text, String(s.server.pid));
    await s.client.close();
  });

  test("a child writing an endless line is stopped with SERVER_STDIO_OUTPUT_TOO_LARGE", async () => {
    const factory = createStdioServerFactory(TINY_COMMAND, { maxMessageBytes: 256 * 1024 });
    const s = await openSession(factory);
    cleanups.push(() => s.client.close());
    const pid = s.server.pid;
    assert.ok(pid !== undefined);
    await assert.rejects(
      s.client.callTool({ name: "flood", arguments: {} }),
      /larger than 262144 bytes/,
    );
    await waitFor(s.closed, { timeout: 10_000, message: "the session to close" });
    assert.ok(isMcpSseError(s.server.exitError, "SERVER_STDIO_OUTPUT_TOO_LARGE"));
    await waitFor(() => !isAlive(pid), {
      timeout: 10_000,
      message: "the flooding child to be stopped",
    });
  });

  test("a child that does not read its stdin is stopped with SERVER_STDIO_STALLED", async () => {
    const factory = createStdioServerFactory(TINY_COMMAND, {
      env: { STDIO_TINY_NO_READ: "1" },
      maxStdinBytes: 512 * 1024,
    });
    const server = factory();
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const answers: unknown[] = [];
    let closed = false;
    clientSide.onmessage = (m) => {
      answers.push(m);
    };
    clientSide.onclose = () => {
      closed = true;
    };
    await clientSide.start();
    await server.connect(serverSide);
    const pid = server.pid;
    assert.ok(pid !== undefined);
    const big = "y".repeat(100 * 1024);
    // Far more than the pipe and the limit hold; the session closes part-way.
    for (let id = 1; id <= 40 && !closed; id++) {
      try {
        await clientSide.send({ jsonrpc: "2.0", id, method: "ping", params: { _meta: { big } } });
      } catch (error) {
        // The bridge closed the pair between our check and this send: that is the point.
        assert.match(String(error), /Not connected/);
        break;
      }
    }
    await waitFor(() => closed, { timeout: 10_000, message: "the stalled session to close" });
    assert.ok(isMcpSseError(server.exitError, "SERVER_STDIO_STALLED"));
    assert.ok(
      answers.some((a) => /not reading its input/.test(JSON.stringify(a))),
      "pending requests are answered with the reason",
    );
    await waitFor(() => !isAlive(pid), {
      timeout: 10_000,
      message: "the stalled child to be stopped",
    });
  });

  test("a child that ignores SIGTERM is killed after the grace period", async () => {
    const factory = createStdioServerFactory(TINY_COMMAND, {
      env: { STDIO_TINY_IGNORE_SIGTERM: "1" },
      killGraceMs: 200,
    });
    const s = await openSession(factory);
    const pid = s.server.pid;
    assert.ok(pid !== undefined);
    await s.client.ping();
    await s.server.close();
    assert.equal(isAlive(pid), false, "close() resolves only once the child is gone");
    assert.equal(s.server.exitError, undefined, "a child we stopped did not 'exit on its own'");
  });

  test("a command that cannot start rejects connect with SERVER_STDIO_SPAWN_FAILED", async () => {
    const factory = createStdioServerFactory("/nonexistent/mcp-server --flag");
    const [, serverSide] = InMemoryTransport.createLinkedPair();
    await assert.rejects(factory().connect(serverSide), (e: unknown) =>
      isMcpSseError(e, "SERVER_STDIO_SPAWN_FAILED"),
    );
  });
});

/** A stdio child that ignores SIGTERM (only SIGKILL ends it) and says something when asked to stop. */
const STUBBORN = `${shellQuote(process.execPath)} -e ${shellQuote(
  "process.stdin.resume(); process.on('SIGTERM', () => process.stdout.write(JSON.stringify({jsonrpc:'2.0',method:'notifications/message',params:{level:'info',data:'bye'}}) + '\\n')); setInterval(() => {}, 1000); console.error('ready');",
)}`;

describe("stdio children behind the HTTP handler: shutdown and session close", () => {
  test("close() while a stdio child is spawning kills it and answers the pending request 503", async () => {
    const factory = createStdioServerFactory(STUBBORN, { killGraceMs: 200 });
    const made: StdioSessionServer[] = [];
    const handler = createMcpHttpHandler({
      stateless: false,
      createServer: () => {
        const s = factory();
        made.push(s);
        return s;
      },
    });
    const pending = handler.fetch(new Request("http://localhost/sse"));
    await waitFor(() => made.length === 1, { message: "the factory to run" });
    assert.equal(made[0]?.pid, undefined, "the child is still spawning");
    await handler.close({ timeoutMs: 5000 });
    const response = await pending;
    assert.equal(response.status, 503);
    await response.body?.cancel();
    assert.equal(handler.sessionCount, 0);
    const pid = made[0]?.pid;
    if (pid !== undefined && isAlive(pid)) {
      process.kill(pid, "SIGKILL");
      assert.fail(`stdio child ${pid} outlived close()`);
    }
  });

  test("a closed session's event log is not resurrected by what its child says while stopping", async () => {
    const backend = createMemoryBackend();
    const logger = recordingLogger();
    const handler = createMcpHttpHandler({
      backend,
      stateless: false,
      idleTimeoutMs: 60_000,
      createServer: createStdioServerFactory(STUBBORN, { killGraceMs: 300, logger }),
    });
    try {
      const response = await handler.fetch(new Request("http://localhost/sse"));
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      const first = await readUntil(reader, /sessionId=[0-9a-f-]+/);
      const id = /sessionId=([0-9a-f-]+)/.exec(first)?.[1];
      assert.ok(id);
      await reader.cancel();
      // The child must have installed its SIGTERM handler (it says "ready" on stderr).
      await waitFor(() => logger.lines.some((l) => l.stderr === "ready"), {
        timeout: 10_000,
        message: "the child to be ready",
      });
      assert.equal(await handler.reapIdle(), 0, "not idle yet");
      // Reap it as if an hour had passed (fake Date; the child's kill grace runs on real time).
      mock.timers.enable({ apis: ["Date"], now: Date.now() + 3_600_000 });
      try {
        assert.equal(await handler.reapIdle(), 1);
      } finally {
        mock.timers.reset();
      }
      assert.equal(handler.sessionCount, 0);
      // close() waited for the child: it wrote "bye" on SIGTERM, then SIGKILL came.
      assert.ok(
        logger.lines.some((l) => /ignored SIGTERM/.test(String(l.msg))),
        "the child was asked to stop while still able to talk",
      );
      assert.deepEqual(await backend.readAfter(id, 0), { ok: false, reason: "unknown" });
      assert.equal(await backend.getSession(id), undefined);
    } finally {
      await handler.close();
    }
  });
});

describe("createStdioServerFactory with mcp-server-everything", () => {
  test("lists and calls its tools through the bridge", async () => {
    assert.ok(existsSync(EVERYTHING), `${EVERYTHING} is installed (devDependency)`);
    const factory = createStdioServerFactory(`${shellQuote(EVERYTHING)} stdio`);
    const s = await openSession(factory);
    cleanups.push(() => s.client.close());
    const names = (await s.client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes("echo"), `echo in ${names.join(",")}`);
    const result = await s.client.callTool({ name: "echo", arguments: { message: "hi there" } });
    assert.match(JSON.stringify(result.content), /hi there/);
    const pid = s.server.pid;
    assert.ok(pid !== undefined);
    await s.client.close();
    await waitFor(() => !isAlive(pid), {
      timeout: 10_000,
      message: "the everything server to exit",
    });
  });
});
