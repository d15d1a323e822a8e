/** JSON-RPC messages are told apart by shape, and an initialize must say its protocol version. */
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { isInitializeMessage, isRequestMessage, isResponseMessage } from "../../src/server/body.js";
import { createMcpHttpHandler } from "../../src/server/handler.js";
import { createTestServer } from "./helpers.js";

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe("structural message checks on the hot path", () => {
  test("isRequestMessage / isResponseMessage / isInitializeMessage tell messages apart by shape", () => {
    const request = { jsonrpc: "2.0" as const, id: 1, method: "tools/list" };
    const notification = { jsonrpc: "2.0" as const, method: "notifications/initialized" };
    const result = { jsonrpc: "2.0" as const, id: 1, result: {} };
    const error = { jsonrpc: "2.0" as const, id: 2, error: { code: -1, message: "x" } };
    const init = { jsonrpc: "2.0" as const, id: 0, method: "initialize", params: {} };
    assert.deepEqual(
      [request, notification, result, error, init].map((m) => [
        isRequestMessage(m),
        isResponseMessage(m),
        isInitializeMessage(m),
      ]),
      [
        [true, false, false],
        [false, false, false],
        [false, true, false],
        [false, true, false],
        [true, false, true],
      ],
    );
  });

  test("an initialize without params.protocolVersion gets 400 SERVER_INVALID_INITIALIZE and opens no session", async () => {
    let made = 0;
    const handler = createMcpHttpHandler({
      stateless: false,
      createServer: () => {
        made++;
        return createTestServer();
      },
    });
    cleanups.push(() => handler.close());
    const response = await handler.fetch(
      new Request("http://localhost/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize" }),
      }),
    );
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { data: { code: string } } };
    assert.equal(body.error.data.code, "SERVER_INVALID_INITIALIZE");
    assert.equal(made, 0);
    assert.equal(handler.sessionCount, 0);
  });
});
