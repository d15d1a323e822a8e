/**
 * Regression (found by `npm run fuzz`): a POST /mcp whose request was cancelled
 * (`notifications/cancelled`, in the same batch or in a later POST) never ended. The SDK
 * sends no response for a cancelled request (as the spec asks), and the POST's stream waited
 * for one forever. Now a cancelled request counts as settled for its stream.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { McpServer } from "@modelcontextprotocol/server";
import { serve } from "../../src/server/index.js";
import { INIT_PARAMS, postJson } from "./helpers.js";

function hangingServer(): McpServer {
  const server = new McpServer({ name: "hang", version: "1.0.0" });
  server.registerTool("hang", { description: "answers only when cancelled" }, (ctx) => {
    return new Promise((_resolve, reject) =>
      ctx.mcpReq.signal.addEventListener("abort", () => reject(new Error("cancelled"))),
    );
  });
  return server;
}

let host: Awaited<ReturnType<typeof serve>>;
let url: string;
let session: Record<string, string>;

before(async () => {
  host = await serve({ createServer: hangingServer, port: 0 });
  url = `${host.url}/mcp`;
  const init = await postJson(url, {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: INIT_PARAMS,
  });
  await init.text();
  session = {
    "mcp-session-id": init.headers.get("mcp-session-id") ?? "",
    "mcp-protocol-version": "2025-11-25",
  };
  const ready = await postJson(
    url,
    { jsonrpc: "2.0", method: "notifications/initialized" },
    session,
  );
  await ready.text();
});
after(() => host.close());

/** The whole body, or a rejection when it does not end within 5 s (a hang, not a slow machine). */
function bodyOf(response: Response): Promise<string> {
  return Promise.race([
    response.text(),
    new Promise<string>((_, reject) =>
      setTimeout(() => reject(new Error("the POST stream did not end")), 5_000).unref(),
    ),
  ]);
}

describe("POST /mcp with a cancelled request", () => {
  it("a request cancelled in the same batch ends the stream, with no response for it", async () => {
    const response = await postJson(
      url,
      [
        { jsonrpc: "2.0", id: 6, method: "tools/call", params: { name: "hang", arguments: {} } },
        { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 6 } },
      ],
      session,
    );
    assert.equal(response.status, 200);
    const body = await bodyOf(response);
    assert.doesNotMatch(body, /"id":6/);
  });

  it("a request cancelled by a later POST ends its stream", async () => {
    const call = await postJson(
      url,
      { jsonrpc: "2.0", id: 7, method: "tools/call", params: { name: "hang", arguments: {} } },
      session,
    );
    assert.equal(call.status, 200);
    const cancel = await postJson(
      url,
      {
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: 7, reason: "test" },
      },
      session,
    );
    assert.equal(cancel.status, 202);
    await cancel.text();
    assert.doesNotMatch(await bodyOf(call), /"id":7/);
  });

  it("a cancel for an unknown id changes nothing (the other request is still answered)", async () => {
    const response = await postJson(
      url,
      [
        { jsonrpc: "2.0", id: 8, method: "ping" },
        { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 999 } },
      ],
      session,
    );
    assert.match(await bodyOf(response), /"id":8/);
  });
});
