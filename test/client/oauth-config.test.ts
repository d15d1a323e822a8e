/**
 * OAuth client credentials from a config file (`auth:` with `${VAR}`), for an agent with no
 * user at hand, against a real OAuth-protected MCP server; a wrong secret is a typed error
 * naming the server; and no token, client secret or authorization code reaches any log line,
 * event, error or status.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  CLIENT_AUTH_FAILED,
  connectMcps,
  type McpsEvent,
  type McpsManager,
} from "../../src/client/index.js";
import { loadConfig } from "../../src/config/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { authorizeInBrowser, MemoryOAuthProvider } from "../helpers/oauth-client.js";
import { startOAuthServer } from "../helpers/oauth-server.js";
import { recordingLogger } from "../helpers/recording-logger.js";

const SECRET = "s3cret-client-credential-value";

async function withConfig<T>(yaml: string, run: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "mcp-sse-oauth-"));
  try {
    const path = join(dir, "mcps.yaml");
    await writeFile(path, yaml);
    return await run(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function yamlFor(url: string, transport: string, extra = "") {
  const issuer = new URL(url).origin;
  return `mcps:
  - name: agent-api
    transport: ${transport}
    url: ${url}
    timeout: 10
    max_reconnects: 1
    auth:
      client_id: agent
      client_secret: \${AGENT_SECRET}
      scope: mcp:tools
      issuer: ${issuer}
${extra}`;
}

/** Everything the client showed: log lines, events, statuses, as one string. */
function shown(logger: ReturnType<typeof recordingLogger>, events: McpsEvent[], m: McpsManager) {
  return JSON.stringify({ lines: logger.lines, events, servers: m.servers() });
}

for (const transport of ["streamable-http", "sse"] as const) {
  test(`${transport}: client credentials from the config (\${VAR}) → token → tools`, async () => {
    const server = await startOAuthServer();
    server.addClient("agent", SECRET, "mcp:tools");
    const url = transport === "sse" ? server.sseUrl : server.mcpUrl;
    const logger = recordingLogger();
    const events: McpsEvent[] = [];
    await withConfig(yamlFor(url, transport), async (path) => {
      const manager = await connectMcps(path, {
        env: { AGENT_SECRET: SECRET },
        logger,
        onEvent: (e) => void events.push(e),
      });
      try {
        assert.equal(manager.servers()[0]?.state, "ready");
        const result = await manager.call("agent-api", "echo", { text: "m2m" });
        assert.deepEqual(result.content, [{ type: "text", text: "m2m" }]);
        assert.deepEqual(server.auth.grants, ["client_credentials"]);
        const tokens = [...server.auth.access.keys()];
        assert.equal(tokens.length, 1);
        const out = shown(logger, events, manager);
        for (const secret of [SECRET, ...tokens])
          assert.ok(!out.includes(secret), "no secret shown");
      } finally {
        await manager.close();
        await server.close();
      }
    });
  });
}

test("token_endpoint in the config: no authorization-server discovery, the token still works", async () => {
  const server = await startOAuthServer();
  server.addClient("agent", SECRET, "mcp:tools");
  const extra = `      token_endpoint: ${server.origin}/token\n`;
  await withConfig(yamlFor(server.mcpUrl, "streamable-http", extra), async (path) => {
    const manager = await connectMcps(path, { env: { AGENT_SECRET: SECRET } });
    try {
      assert.equal(manager.servers()[0]?.state, "ready", manager.servers()[0]?.error?.message);
      assert.deepEqual(server.auth.grants, ["client_credentials"]);
      const asked = server.seen.map((r) => r.path);
      assert.ok(!asked.includes("/.well-known/oauth-authorization-server"), asked.join(" "));
    } finally {
      await manager.close();
      await server.close();
    }
  });
});

test("a wrong client secret: CLIENT_AUTH_FAILED naming the server, never the secret", async () => {
  const server = await startOAuthServer();
  server.addClient("agent", SECRET);
  const wrong = "wrong-secret-value-1234";
  const logger = recordingLogger();
  await withConfig(yamlFor(server.mcpUrl, "streamable-http"), async (path) => {
    const manager = await connectMcps(path, { env: { AGENT_SECRET: wrong }, logger });
    try {
      const status = manager.servers()[0];
      assert.equal(status?.state, "failed");
      assert.equal(status?.error?.code, CLIENT_AUTH_FAILED);
      assert.match(status?.error?.message ?? "", /server "agent-api"/);
      const out = shown(logger, [], manager);
      assert.ok(!out.includes(wrong), "the secret is in no log line or status");
      await assert.rejects(manager.call("agent-api", "echo", { text: "x" }), (error) => {
        assert.ok(isMcpSseError(error));
        assert.ok(!JSON.stringify({ m: error.message, d: error.details }).includes(wrong));
        return true;
      });
      assert.equal(server.auth.grants.length, 0, "no token was issued");
    } finally {
      await manager.close();
      await server.close();
    }
  });
});

test("interactive flow: no token or authorization code in logs, events or statuses", async () => {
  const server = await startOAuthServer();
  const provider = new MemoryOAuthProvider();
  const logger = recordingLogger();
  const events: McpsEvent[] = [];
  const manager = await connectMcps(
    { mcps: [{ name: "secure", transport: "streamable-http", url: server.mcpUrl, timeout: 10 }] },
    { authProvider: { secure: provider }, logger, onEvent: (e) => void events.push(e) },
  );
  try {
    const authUrl = provider.authorizationUrls[0];
    assert.ok(authUrl);
    const code = await authorizeInBrowser(authUrl);
    await manager.finishAuth("secure", code);
    server.auth.expireAccessTokens();
    await manager.call("secure", "echo", { text: "x" });
    const secrets = [code, ...server.auth.access.keys(), ...server.auth.refresh.keys()];
    assert.ok(secrets.length >= 4, "code, two access tokens, a refresh token");
    assert.ok(logger.lines.length > 0, "the client logged");
    const out = shown(logger, events, manager);
    for (const secret of secrets) assert.ok(!out.includes(secret), "no token or code shown");
  } finally {
    await manager.close();
    await server.close();
  }
});

test("config auth: is validated with paths; the secret is never echoed", async () => {
  const bad = `mcps:
  - name: a
    url: http://127.0.0.1:1/mcp
    headers: { Authorization: "Bearer x-static-token" }
    auth: { client_id: agent, client_secret: "${SECRET}", private_key: "${SECRET}", algorithm: RS256, colour: red }
  - name: b
    command: node
    auth: { client_secret: "${SECRET}" }
`;
  await withConfig(bad, async (path) => {
    await assert.rejects(loadConfig(path), (error) => {
      assert.ok(isMcpSseError(error, "CONFIG_INVALID"));
      const text = error.message;
      assert.match(text, /mcps\[0\]\.auth\.private_key.*only one of client_secret and private_key/);
      assert.match(text, /mcps\[0\]\.auth\.colour.*unknown key/);
      assert.match(text, /mcps\[0\]\.headers\.Authorization.*cannot be combined with auth/);
      assert.match(text, /mcps\[1\]\.auth\.client_id.*required/);
      assert.match(text, /mcps\[1\]\.auth.*only used by HTTP transports/);
      assert.ok(!text.includes(SECRET), "no secret in the message");
      assert.ok(!JSON.stringify(error.details).includes(SECRET), "no secret in the details");
      return true;
    });
  });
  const good = `${yamlFor("http://127.0.0.1:1/mcp", "streamable-http")}      token_endpoint: http://127.0.0.1:1/oauth/token\n`;
  await withConfig(good, async (path) => {
    const config = await loadConfig(path, { env: { AGENT_SECRET: SECRET } });
    const auth = config.servers[0]?.auth;
    assert.deepEqual(auth, {
      grant: "client_credentials",
      clientId: "agent",
      clientSecret: SECRET,
      algorithm: "RS256",
      scope: "mcp:tools",
      issuer: "http://127.0.0.1:1",
      tokenEndpoint: "http://127.0.0.1:1/oauth/token",
    });
  });
});
