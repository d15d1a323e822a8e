import assert from "node:assert/strict";
import { test } from "node:test";
import { createClientTransport } from "../../../src/client/transports/index.js";
import { isMcpSseError } from "../../../src/errors.js";
import { unusedPort } from "../../helpers/ports.js";
import { serverConfig } from "./helpers.js";

const INITIALIZE = {
  jsonrpc: "2.0" as const,
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "t", version: "1" },
  },
};

async function networkError(url: string): Promise<string> {
  const transport = createClientTransport({
    server: serverConfig({ transport: "streamable-http", url, timeoutMs: 5_000 }),
  });
  await transport.start();
  try {
    await transport.send(INITIALIZE);
    assert.fail("send should have failed");
  } catch (error) {
    assert.ok(isMcpSseError(error, "CLIENT_NETWORK"), String(error));
    return error.message;
  } finally {
    await transport.close();
  }
}

test("a network failure names its reason, not only undici's 'fetch failed'", async () => {
  const port = await unusedPort();
  assert.match(await networkError(`http://127.0.0.1:${port}/mcp`), /fetch failed \(ECONNREFUSED\)/);
  // Port 1 is one fetch refuses to use: its cause has a message but no code.
  assert.match(await networkError("http://127.0.0.1:1/mcp"), /fetch failed \(bad port\)/);
});
