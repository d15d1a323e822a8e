/**
 * The client's OAuth 2.1 flow (`authProvider`) against a real OAuth-protected MCP server
 * (test/helpers/oauth-server.ts: the SDK's mcpAuthRouter + requireBearerAuth), on both HTTP
 * transports: 401 → discovery → dynamic registration → authorization (the user's part:
 * CLIENT_AUTH_REQUIRED) → finishAuth → tools; an expired token refreshed on the next 401.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CLIENT_AUTH_REQUIRED, connectMcps, type McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { authorizeInBrowser, MemoryOAuthProvider } from "../helpers/oauth-client.js";
import { startOAuthServer } from "../helpers/oauth-server.js";

function status(manager: McpsManager) {
  const s = manager.servers()[0];
  assert.ok(s);
  return s;
}

for (const transport of ["streamable-http", "sse"] as const) {
  test(`${transport}: 401 → discovery → registration → CLIENT_AUTH_REQUIRED → finishAuth → tools`, async () => {
    const server = await startOAuthServer();
    const provider = new MemoryOAuthProvider();
    const url = transport === "sse" ? server.sseUrl : server.mcpUrl;
    const manager = await connectMcps(
      { mcps: [{ name: "secure", transport, url, timeout: 10, max_reconnects: 2 }] },
      { authProvider: { secure: provider } },
    );
    try {
      const first = status(manager);
      assert.equal(first.state, "failed");
      assert.equal(first.error?.code, CLIENT_AUTH_REQUIRED);
      assert.match(first.error?.message ?? "", /"secure".*finishAuth/);
      assert.equal(provider.authorizationUrls.length, 1, "the user was sent to authorize once");
      assert.ok(provider.client?.client_id, "dynamic client registration ran");
      const authUrl = provider.authorizationUrls[0];
      assert.ok(authUrl);
      assert.equal(authUrl.searchParams.get("code_challenge_method"), "S256", "PKCE");

      const code = await authorizeInBrowser(authUrl);
      await manager.finishAuth("secure", code);
      assert.equal(status(manager).state, "ready");
      const result = await manager.call("secure", "echo", { text: "hi" });
      assert.deepEqual(result.content, [{ type: "text", text: "hi" }]);
      assert.deepEqual(server.auth.grants, ["code"]);
      const token = provider.stored?.access_token;
      assert.ok(token);
      const mcp = server.seen.filter((r) => ["/mcp", "/sse", "/messages"].includes(r.path));
      assert.ok(
        mcp.slice(-2).every((r) => r.bearer === token),
        "the last requests carried the bearer token",
      );
    } finally {
      await manager.close();
      await server.close();
    }
  });

  test(`${transport}: an expired access token is refreshed on the 401 and the call goes through`, async () => {
    const server = await startOAuthServer();
    const provider = new MemoryOAuthProvider();
    const url = transport === "sse" ? server.sseUrl : server.mcpUrl;
    const manager = await connectMcps(
      { mcps: [{ name: "secure", transport, url, timeout: 10 }] },
      { authProvider: () => provider },
    );
    try {
      const authUrl = provider.authorizationUrls[0];
      assert.ok(authUrl);
      await manager.finishAuth("secure", await authorizeInBrowser(authUrl));
      const before = provider.stored?.access_token;
      server.auth.expireAccessTokens();
      const result = await manager.call("secure", "echo", { text: "again" });
      assert.deepEqual(result.content, [{ type: "text", text: "again" }]);
      assert.deepEqual(server.auth.grants, ["code", "refresh"]);
      assert.notEqual(provider.stored?.access_token, before, "a new access token");
      assert.equal(provider.authorizationUrls.length, 1, "no new authorization for a refresh");
    } finally {
      await manager.close();
      await server.close();
    }
  });
}

test("finishAuth on a server without a provider is CLIENT_INVALID_OPTION naming it", async () => {
  const server = await startOAuthServer();
  const manager = await connectMcps({
    mcps: [{ name: "plain", transport: "streamable-http", url: server.mcpUrl, max_reconnects: 0 }],
  });
  try {
    await assert.rejects(manager.finishAuth("plain", "code"), (error) => {
      assert.ok(isMcpSseError(error, "CLIENT_INVALID_OPTION"));
      assert.match(error.message, /"plain"/);
      return true;
    });
    assert.equal(status(manager).error?.code, "CLIENT_UNAUTHORIZED", "no provider: a plain 401");
  } finally {
    await manager.close();
    await server.close();
  }
});
