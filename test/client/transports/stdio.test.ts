/**
 * stdio transport: server-everything in stdio mode through the SDK v2 Client, and a child
 * that crashes (CLIENT_PROCESS_EXITED with its exit code, then onclose).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Client } from "@modelcontextprotocol/client";
import { createClientTransport } from "../../../src/client/transports/index.js";
import type { McpSseError } from "../../../src/errors.js";
import { waitFor, withTimeout } from "../../helpers/wait-for.js";
import { REPO_ROOT, serverConfig } from "./helpers.js";

const EVERYTHING = `${REPO_ROOT}node_modules/@modelcontextprotocol/server-everything/dist/index.js`;

test("stdio: server-everything through the SDK Client (tools, echo), child gone after close", async () => {
  const lines: string[] = [];
  const logger = {
    debug: () => {},
    info: (o: object | string) => void lines.push(JSON.stringify(o)),
    warn: () => {},
    error: () => {},
  };
  const transport = createClientTransport({
    server: serverConfig({
      name: "everything",
      transport: "stdio",
      command: process.execPath,
      args: [EVERYTHING, "stdio"],
      env: { MCP_SSE_TEST_MARK: "1" },
    }),
    logger,
  });
  assert.equal(transport.kind, "stdio");
  const client = new Client({ name: "t", version: "0" });
  const closed: string[] = [];
  try {
    await withTimeout(client.connect(transport), 20_000, "connect");
    transport.onclose = ((prev) => () => {
      closed.push("close");
      prev?.();
    })(transport.onclose);
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t) => t.name === "echo"));
    const echo = await client.callTool({ name: "echo", arguments: { message: "over stdio" } });
    assert.match(JSON.stringify(echo.content), /over stdio/);
    const env = await client.callTool({ name: "get-env", arguments: {} });
    assert.match(JSON.stringify(env.content), /MCP_SSE_TEST_MARK/, "server.env is merged in");
  } finally {
    await withTimeout(client.close(), 10_000, "close");
  }
  assert.deepEqual(closed, ["close"], "one onclose on close()");
  assert.ok(
    lines.some((l) => l.includes("stderr")),
    "the child's stderr reaches the logger",
  );
});

test("stdio: a child that exits reports CLIENT_PROCESS_EXITED with its exit code, then onclose", async () => {
  const crash = fileURLToPath(new URL("./fixtures/crash-child.mjs", import.meta.url));
  const transport = createClientTransport({
    server: serverConfig({
      name: "crashy",
      transport: "stdio",
      command: process.execPath,
      args: [crash],
    }),
  });
  const order: string[] = [];
  const errors: McpSseError[] = [];
  transport.onerror = (e) => {
    errors.push(e as McpSseError);
    order.push(`error:${(e as McpSseError).code}`);
  };
  transport.onclose = () => void order.push("close");
  await withTimeout(transport.start(), 10_000, "start");
  await transport.send({ jsonrpc: "2.0", id: 1, method: "ping" });
  await waitFor(() => order.includes("close"), { timeout: 10_000, message: "onclose" });
  assert.deepEqual(order, ["error:CLIENT_PROCESS_EXITED", "close"]);
  assert.equal(errors[0]?.details["exitCode"], 3);
  assert.equal(errors[0]?.details["command"], process.execPath);
  assert.match(errors[0]?.message ?? "", /exited with code 3/);
  await assert.rejects(transport.send({ jsonrpc: "2.0", id: 2, method: "ping" }), {
    code: "CLIENT_NOT_CONNECTED",
  });
});

test("stdio: a command that does not exist rejects start() with CLIENT_SPAWN_FAILED", async () => {
  const transport = createClientTransport({
    server: serverConfig({
      name: "nope",
      transport: "stdio",
      command: "/nonexistent/mcp-sse-no-such-binary",
    }),
  });
  await assert.rejects(withTimeout(transport.start(), 10_000, "start"), {
    code: "CLIENT_SPAWN_FAILED",
  });
});

test("stdio without a command is a CLIENT_BAD_CONFIG at creation", () => {
  assert.throws(() => createClientTransport({ server: serverConfig({ transport: "stdio" }) }), {
    code: "CLIENT_BAD_CONFIG",
  });
});
