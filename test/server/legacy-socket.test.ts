/**
 * A legacy SSE stream under `node:http`: each frame of the session (endpoint, answers,
 * notifications, keep-alives) is written as text, one HTTP/1.1 chunk straight to the socket
 * (`ResponseSink.writeText`). Read here as raw bytes from `node:net`, so the chunk framing
 * (sizes in bytes, not chars) is checked, not what an HTTP client makes of it.
 */
import assert from "node:assert/strict";
import { after, before, describe, mock, test } from "node:test";
import { McpServer } from "@modelcontextprotocol/server";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { encodeComment } from "../../src/sse/index.js";
import { waitFor } from "../helpers/wait-for.js";
import { INIT_PARAMS, postJson } from "./helpers.js";
import { bodyOf, dechunk, type RawGet, rawGet } from "./raw-http.js";

const KEEPALIVE_MS = 1000;
/** Multi-byte UTF-8 (2, 3 and 4 bytes a char): a chunk size in chars would be wrong. */
const WIDE = "é ✓ 😀";

const INITIALIZE = { jsonrpc: "2.0", id: 1, method: "initialize", params: INIT_PARAMS };

function wideServer(servers: McpServer[]): McpServer {
  const server = new McpServer(
    { name: "wide", version: "1.0.0" },
    { capabilities: { logging: {} }, instructions: WIDE },
  );
  servers.push(server);
  return server;
}

/** The session's endpoint (from the first event), once it has come. */
async function endpointOf(read: () => string): Promise<string> {
  await waitFor(() => /event: endpoint\ndata: [^\n]+\n\n/.test(read()), {
    message: () => `the endpoint event, got ${JSON.stringify(read())}`,
  });
  return /event: endpoint\ndata: ([^\n]+)\n/.exec(read())?.[1] ?? "";
}

/** Initialize the session whose stream `read` shows; resolves once the answer came on it. */
async function initialize(url: string, read: () => string): Promise<string> {
  const endpoint = await endpointOf(read);
  const accepted = await postJson(`${url}${endpoint}`, INITIALIZE);
  assert.equal(accepted.status, 202);
  await accepted.body?.cancel();
  await waitFor(() => read().includes('"id":1'), { message: "the initialize answer" });
  return endpoint;
}

describe("a legacy SSE stream written straight to its socket (node adapter)", () => {
  let server: ServeHandle;
  const servers: McpServer[] = [];
  before(async () => {
    mock.timers.enable({ apis: ["setInterval"] }); // the streams' keep-alive timer
    server = await serve({
      createServer: () => wideServer(servers),
      port: 0,
      keepAliveMs: KEEPALIVE_MS,
    });
  });
  after(async () => {
    mock.timers.reset();
    await server.close();
  });

  test("HTTP/1.1: each frame one well-formed chunk sized in bytes, keep-alives too", async () => {
    const sub: RawGet = rawGet(server.url, "/sse", "1.1");
    const text = () => dechunk(bodyOf(sub.raw())).text;
    try {
      await initialize(server.url, text);
      assert.match(text(), new RegExp(`"instructions":"${WIDE}"`), "the answer, decoded whole");
      const session = servers.at(-1);
      assert.ok(session);
      await session.sendLoggingMessage({ level: "info", data: `note ${WIDE}` });
      await waitFor(() => text().includes(`note ${WIDE}`), { message: "the notification" });
      mock.timers.tick(KEEPALIVE_MS);
      await waitFor(() => text().endsWith(encodeComment("keepalive")), {
        message: () => `a keep-alive, got ${JSON.stringify(text())}`,
      });
      const events = text()
        .split("\n\n")
        .filter((e) => e.startsWith("id: "));
      assert.equal(events.length, 3, "endpoint, answer, notification");
      for (const event of events) assert.match(event, /^id: [^\n]+:\d+\n/, "every event has an id");
      assert.match(sub.raw().toString("latin1"), /\r\ntransfer-encoding: chunked\r\n/i);
    } finally {
      sub.socket.destroy();
    }
  });

  test("HTTP/1.0: the frames unframed (no chunks), same text", async () => {
    const sub = rawGet(server.url, "/sse", "1.0");
    const text = () => bodyOf(sub.raw()).toString("utf8");
    try {
      await initialize(server.url, text);
      assert.doesNotMatch(sub.raw().toString("latin1"), /transfer-encoding/i);
      assert.match(text(), new RegExp(`"instructions":"${WIDE}"`));
    } finally {
      sub.socket.destroy();
    }
  });
});
