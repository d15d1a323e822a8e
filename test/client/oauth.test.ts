/**
 * The client's OAuth 2.1 flow (`authProvider`) against a real OAuth-protected MCP server
 * (test/helpers/oauth-server.ts: the SDK's mcpAuthRouter + requireBearerAuth), on both HTTP
 * transports: 401 → discovery → dynamic registration → authorization (the user's part:
 * CLIENT_AUTH_REQUIRED) → finishAuth → tools; an expired token refreshed on the next 401.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  OAuthTokens,
} from "@modelcontextprotocol/client";
import { CLIENT_AUTH_REQUIRED, connectMcps, type McpsManager } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { startOAuthServer } from "../helpers/oauth-server.js";

/** Where the authorization server sends the browser back (never fetched: the test reads it). */
const REDIRECT_URL = "http://127.0.0.1:1/callback";

/** An interactive provider, as an app would write it: in memory, the browser played by fetch. */
export class MemoryOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  stored: OAuthTokens | undefined;
  verifier = "";
  discovery: OAuthDiscoveryState | undefined;
  /** Every authorization URL the user was sent to. */
  readonly authorizationUrls: URL[] = [];

  get redirectUrl() {
    return REDIRECT_URL;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "oauth-test",
      redirect_uris: [REDIRECT_URL],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: OAuthTokens) {
    this.stored = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

/** The user's browser: open the authorization URL; the server redirects back with a code. */
export async function authorizeInBrowser(url: URL): Promise<string> {
  const response = await fetch(url, { redirect: "manual" });
  const location = response.headers.get("location");
  assert.equal(response.status, 302, "the authorization endpoint redirects back");
  const code = new URL(location ?? "").searchParams.get("code");
  assert.ok(code, "the redirect carries a code");
  return code;
}

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
