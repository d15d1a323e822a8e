/**
 * `auto`: Streamable HTTP first; legacy SSE only when the POST is refused with 400/404/405
 * (spec, backwards compatibility), never on 401/403.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Client } from "@modelcontextprotocol/client";
import { createClientTransport } from "../../../src/client/transports/index.js";
import { isMcpSseError } from "../../../src/errors.js";
import { withTimeout } from "../../helpers/wait-for.js";
import {
  listen,
  serverConfig,
  startEverything,
  startV1SseServer,
  startV2StreamableServer,
} from "./helpers.js";

async function callEcho(url: string) {
  const transport = createClientTransport({ server: serverConfig({ transport: "auto", url }) });
  assert.equal(transport.kind, "streamable-http", "before the first send");
  const client = new Client({ name: "t", version: "0" });
  await withTimeout(client.connect(transport), 10_000, "connect");
  try {
    const tools = await client.listTools();
    assert.ok(tools.tools.some((t) => t.name === "echo"));
    return { kind: transport.kind, transport };
  } finally {
    await client.close();
  }
}

test("auto against a legacy-only server (SDK v1 SSEServerTransport, POST → 405) falls back to SSE", async () => {
  const server = await startV1SseServer();
  try {
    const { kind } = await callEcho(server.url);
    assert.equal(kind, "sse");
    const first = server.seen[0];
    assert.equal(first?.method, "POST", "Streamable HTTP was tried first");
    assert.equal(server.seen[1]?.method, "GET", "then the legacy GET stream");
  } finally {
    await server.close();
  }
});

test("auto against server-everything sse (express 404 for POST /sse) falls back to SSE", async () => {
  const server = await startEverything("sse");
  try {
    const { kind } = await callEcho(server.url);
    assert.equal(kind, "sse");
  } finally {
    await server.close();
  }
});

test("auto against a Streamable HTTP server (SDK v2) does not fall back", async () => {
  const server = await startV2StreamableServer();
  try {
    const { kind } = await callEcho(server.url);
    assert.equal(kind, "streamable-http");
    assert.ok(
      !server.seen.some((r) => r.method === "GET" && !r.headers["mcp-session-id"]),
      "no legacy GET without a session",
    );
  } finally {
    await server.close();
  }
});

for (const status of [401, 403]) {
  test(`auto never falls back on ${status}`, async () => {
    const server = await listen((_req, res) => void res.writeHead(status).end("no"));
    const transport = createClientTransport({
      server: serverConfig({ transport: "auto", url: `${server.origin}/mcp` }),
    });
    const client = new Client({ name: "t", version: "0" });
    try {
      const error = await withTimeout(
        client.connect(transport).then(
          () => undefined,
          (e: unknown) => e,
        ),
        5_000,
        "connect",
      );
      const code = status === 401 ? "CLIENT_UNAUTHORIZED" : "CLIENT_FORBIDDEN";
      assert.ok(isMcpSseError(error, code), String(error));
      assert.equal(error.details["status"], status);
      assert.deepEqual(
        server.seen.map((r) => r.method),
        ["POST"],
        "no legacy GET was tried",
      );
    } finally {
      await client.close();
      await server.close();
    }
  });
}
