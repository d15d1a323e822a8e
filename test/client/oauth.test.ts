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
import { startGuideFeed } from "../fixtures/guide-feed-server.js";
import { authorizeInBrowser, MemoryOAuthProvider } from "../helpers/oauth-client.js";
import { type OAuthTestServer, startOAuthServer } from "../helpers/oauth-server.js";
import { listen } from "./transports/helpers.js";

function status(manager: McpsManager) {
  const s = manager.servers()[0];
  assert.ok(s);
  return s;
}

/**
 * `body` with an OAuth-protected server, a manager on it ("secure", over `transport`) and the
 * user's first authorization done; both closed after.
 */
async function withAuthorized(
  transport: "streamable-http" | "sse",
  body: (ctx: {
    server: OAuthTestServer;
    provider: MemoryOAuthProvider;
    manager: McpsManager;
  }) => Promise<void>,
): Promise<void> {
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
    await body({ server, provider, manager });
  } finally {
    await manager.close();
    await server.close();
  }
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
    await withAuthorized(transport, async ({ server, provider, manager }) => {
      const before = provider.stored?.access_token;
      server.auth.expireAccessTokens();
      const result = await manager.call("secure", "echo", { text: "again" });
      assert.deepEqual(result.content, [{ type: "text", text: "again" }]);
      assert.deepEqual(server.auth.grants, ["code", "refresh"]);
      assert.notEqual(provider.stored?.access_token, before, "a new access token");
      assert.equal(provider.authorizationUrls.length, 1, "no new authorization for a refresh");
    });
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

test("an event feed: its stream and its RPC carry the provider's bearer token", async () => {
  const token = "feed-access-token-0001";
  const feed = await startGuideFeed({ intervalMs: 0, token });
  // A provider that already holds a token (obtained earlier, or by client credentials).
  const provider = new MemoryOAuthProvider();
  provider.stored = { access_token: token, token_type: "bearer" };
  const manager = await connectMcps(
    { mcps: [{ name: "feed", url: feed.url, transport: "sse", kind: "feed", timeout: 5 }] },
    { authProvider: { feed: provider } },
  );
  try {
    assert.equal(status(manager).state, "ready");
    const result = await manager.call("feed", "realtime_monitor", { stream_id: "s1" });
    assert.notEqual(result.isError, true);
    assert.equal(feed.stats.rejected401, 0, "no request went without the token");
    assert.ok(feed.stats.gets >= 1 && feed.stats.posts >= 1, "stream and RPC both reached it");
    await assert.rejects(manager.finishAuth("feed", "code"), /event feed/);
  } finally {
    await manager.close();
    await feed.close();
  }
});

test("a 401 that persists after the flow: one refresh, one retry, then CLIENT_UNAUTHORIZED", async () => {
  await withAuthorized("streamable-http", async ({ server, manager }) => {
    server.auth.rejectAll = true;
    const before = server.seen.length;
    await assert.rejects(manager.call("secure", "echo", { text: "x" }), (error) => {
      assert.ok(isMcpSseError(error, "CLIENT_UNAUTHORIZED"), String(error));
      return true;
    });
    const during = server.seen.slice(before);
    const posts = during.filter((r) => r.method === "POST" && r.path === "/mcp");
    assert.equal(posts.length, 2, "the call's POST, and one retry after the refresh");
    assert.deepEqual(server.auth.grants, ["code", "refresh"], "one refresh, no loop");
  });
});

test("403 insufficient_scope: step-up to the union of scopes, the user authorizes, the call works", async () => {
  const server = await startOAuthServer();
  const provider = new MemoryOAuthProvider();
  const manager = await connectMcps(
    { mcps: [{ name: "secure", transport: "streamable-http", url: server.mcpUrl, timeout: 10 }] },
    { authProvider: { secure: provider } },
  );
  try {
    const first = provider.authorizationUrls[0];
    assert.ok(first);
    await manager.finishAuth("secure", await authorizeInBrowser(first));
    server.auth.requiredScopes = ["mcp:tools", "mcp:admin"];
    await assert.rejects(manager.call("secure", "echo", { text: "x" }), (error) => {
      assert.ok(isMcpSseError(error, CLIENT_AUTH_REQUIRED), String(error));
      return true;
    });
    const stepUp = provider.authorizationUrls[1];
    assert.ok(stepUp, "the user was sent to authorize again");
    assert.deepEqual(stepUp.searchParams.get("scope")?.split(" ").sort(), [
      "mcp:admin",
      "mcp:tools",
    ]);
    assert.equal(status(manager).state, "ready", "the session stays");
    await manager.finishAuth("secure", await authorizeInBrowser(stepUp));
    const result = await manager.call("secure", "echo", { text: "admin" });
    assert.deepEqual(result.content, [{ type: "text", text: "admin" }]);
  } finally {
    await manager.close();
    await server.close();
  }
});

test("an authorization server that never answers: the request's timeout bounds the flow", async () => {
  // 401 naming metadata whose URL never answers: discovery must not hang the connect.
  const hang = await listen((req, res) => {
    if (req.method === "POST")
      res
        .writeHead(401, {
          "WWW-Authenticate": `Bearer resource_metadata="http://${req.headers.host}/hang"`,
        })
        .end();
  });
  const provider = new MemoryOAuthProvider();
  const manager = await connectMcps(
    {
      mcps: [
        { name: "slow", transport: "streamable-http", url: `${hang.origin}/mcp`, timeout: 0.5 },
      ],
    },
    { authProvider: { slow: provider } },
  );
  try {
    const s = status(manager);
    assert.equal(s.state, "failed");
    // The initialize's own timeout (the server's `timeout`) ends it, discovery included.
    assert.equal(s.error?.code, "CLIENT_CONNECT_FAILED", s.error?.message);
    assert.match(s.error?.message ?? "", /no answer within 500 ms/);
    assert.ok(
      hang.seen.some((r) => r.path === "/hang"),
      "discovery asked the metadata URL",
    );
    assert.equal(provider.authorizationUrls.length, 0);
  } finally {
    await manager.close();
    await hang.close();
  }
});

test("concurrent calls that all meet the expired token share one refresh", async () => {
  await withAuthorized("streamable-http", async ({ server, manager }) => {
    server.auth.expireAccessTokens();
    const texts = ["a", "b", "c", "d"];
    const results = await Promise.all(
      texts.map((text) => manager.call("secure", "echo", { text })),
    );
    assert.deepEqual(
      results.map((r) => r.content),
      texts.map((text) => [{ type: "text", text }]),
    );
    assert.deepEqual(server.auth.grants, ["code", "refresh"], "one refresh for all of them");
  });
});
