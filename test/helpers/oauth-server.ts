/**
 * A real OAuth-protected MCP server on 127.0.0.1 for the client's OAuth tests, built from the
 * SDK's own server auth pieces: `mcpAuthRouter` (authorization-server metadata, dynamic
 * registration, authorize with PKCE, token with refresh) and `requireBearerAuth` (401 with a
 * `WWW-Authenticate` that names the protected-resource metadata) in front of SDK v1 MCP
 * servers on both transports (`/mcp` Streamable HTTP, `/sse` + `/messages` legacy SSE).
 *
 * The SDK's token route refuses `client_credentials` ("will not be added on the server side of
 * the SDK"), so that one grant is answered by a small handler of our own mounted before it.
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders, Server, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import type { OAuthRegisteredClientsStore } from "@modelcontextprotocol/sdk/server/auth/clients.js";
import { InvalidTokenError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
import type {
  AuthorizationParams,
  OAuthServerProvider,
} from "@modelcontextprotocol/sdk/server/auth/provider.js";
import { mcpAuthRouter } from "@modelcontextprotocol/sdk/server/auth/router.js";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type {
  OAuthClientInformationFull,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import { z } from "zod";

// express (the SDK's server auth pieces are express routers) ships no types and
// @types/express is not installed: the few calls used here, typed by hand.
interface Req {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body?: Record<string, unknown>;
  query: Record<string, unknown>;
}
interface Res extends ServerResponse {
  status(code: number): Res;
  json(body: unknown): void;
  redirect(url: string): void;
}
type Handler = (req: Req, res: Res, next: () => void) => unknown;
interface App {
  use(...handlers: unknown[]): void;
  all(path: string, ...handlers: unknown[]): void;
  get(path: string, ...handlers: unknown[]): void;
  post(path: string, ...handlers: unknown[]): void;
  listen(port: number, host: string): Server;
}
const express = createRequire(import.meta.url)("express") as (() => App) & {
  json(): Handler;
  urlencoded(options: { extended: boolean }): Handler;
};

/** Lifetime of the access tokens the server issues, s. */
const TOKEN_LIFETIME_S = 3600;

interface Grant {
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

/** In-memory authorization server state (what a test inspects and changes). */
class MemoryAuthServer implements OAuthServerProvider {
  readonly clients = new Map<string, OAuthClientInformationFull>();
  readonly codes = new Map<string, { client: string; params: AuthorizationParams }>();
  readonly access = new Map<string, Grant>();
  readonly refresh = new Map<string, Grant>();
  /** When true, every access token is refused (a server that never accepts the client). */
  rejectAll = false;
  /** Scopes the MCP endpoints require (a 403 insufficient_scope without them). */
  requiredScopes: string[] = [];
  /** What the token endpoint did, in order: "code", "refresh", "client_credentials". */
  readonly grants: string[] = [];
  readonly clientsStore: OAuthRegisteredClientsStore = {
    getClient: (id) => this.clients.get(id),
    registerClient: (client) => {
      const full = client as OAuthClientInformationFull;
      this.clients.set(full.client_id, full);
      return full;
    },
  };

  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: never) {
    const code = randomUUID();
    this.codes.set(code, { client: client.client_id, params });
    const target = new URL(params.redirectUri);
    target.searchParams.set("code", code);
    if (params.state !== undefined) target.searchParams.set("state", params.state);
    (res as unknown as Res).redirect(target.href);
  }

  async challengeForAuthorizationCode(_client: OAuthClientInformationFull, code: string) {
    const entry = this.codes.get(code);
    if (entry === undefined) throw new InvalidTokenError("unknown code");
    return entry.params.codeChallenge;
  }

  async exchangeAuthorizationCode(client: OAuthClientInformationFull, code: string) {
    const entry = this.codes.get(code);
    if (entry === undefined || entry.client !== client.client_id)
      throw new InvalidTokenError("unknown code");
    this.codes.delete(code);
    this.grants.push("code");
    return this.issue(client.client_id, entry.params.scopes ?? [], true);
  }

  async exchangeRefreshToken(client: OAuthClientInformationFull, token: string) {
    const grant = this.refresh.get(token);
    if (grant === undefined || grant.clientId !== client.client_id)
      throw new InvalidTokenError("unknown refresh token");
    this.refresh.delete(token);
    this.grants.push("refresh");
    return this.issue(client.client_id, grant.scopes, true);
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const grant = this.access.get(token);
    if (grant === undefined || this.rejectAll) throw new InvalidTokenError("unknown token");
    return { token, clientId: grant.clientId, scopes: grant.scopes, expiresAt: grant.expiresAt };
  }

  issue(clientId: string, scopes: string[], withRefresh: boolean): OAuthTokens {
    const expiresAt = Math.floor(Date.now() / 1000) + TOKEN_LIFETIME_S;
    const access_token = randomUUID();
    this.access.set(access_token, { clientId, scopes, expiresAt });
    const tokens: OAuthTokens = {
      access_token,
      token_type: "bearer",
      expires_in: TOKEN_LIFETIME_S,
      scope: scopes.join(" "),
    };
    if (withRefresh) {
      tokens.refresh_token = randomUUID();
      this.refresh.set(tokens.refresh_token, { clientId, scopes, expiresAt });
    }
    return tokens;
  }

  /** Every access token issued so far now reads as expired (refresh tokens stay valid). */
  expireAccessTokens(): void {
    for (const grant of this.access.values()) grant.expiresAt = Math.floor(Date.now() / 1000) - 1;
  }
}

function mcpServer(): McpServer {
  const server = new McpServer({ name: "oauth-test", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echo the text", inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  return server;
}

export interface OAuthTestServer {
  origin: string;
  /** Streamable HTTP endpoint. */
  mcpUrl: string;
  /** Legacy SSE endpoint. */
  sseUrl: string;
  auth: MemoryAuthServer;
  /** Every request: method, path and whether it carried a bearer token. */
  seen: { method: string; path: string; bearer: string | undefined }[];
  /** Register a confidential client for the client-credentials grant. */
  addClient(clientId: string, clientSecret: string, scope?: string): void;
  close(): Promise<void>;
}

/** `client_credentials` (RFC 6749 §4.4), before the SDK's route. */
function clientCredentials(auth: MemoryAuthServer): Handler {
  return (req, res, next) => {
    if (req.body?.["grant_type"] !== "client_credentials") return next();
    // client_secret_basic, or client_secret_post (what this server's metadata offers).
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const [id, secret] =
      basic === undefined
        ? [String(req.body["client_id"] ?? ""), String(req.body["client_secret"] ?? "")]
        : Buffer.from(basic, "base64")
            .toString()
            .split(":")
            .map((part) => decodeURIComponent(part));
    const client = id === undefined ? undefined : auth.clients.get(id);
    if (client === undefined || client.client_secret !== secret) {
      res
        .status(401)
        .json({ error: "invalid_client", error_description: "bad client credentials" });
      return;
    }
    auth.grants.push("client_credentials");
    const scope = typeof req.body["scope"] === "string" ? req.body["scope"].split(" ") : [];
    res.json(auth.issue(client.client_id, scope, false));
  };
}

export async function startOAuthServer(): Promise<OAuthTestServer> {
  const auth = new MemoryAuthServer();
  const seen: OAuthTestServer["seen"] = [];
  const app = express();
  const server = app.listen(0, "127.0.0.1");
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app.use((req: Req, _res: Res, next: () => void) => {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    seen.push({ method: req.method, path: req.path, bearer });
    next();
  });
  app.post("/token", express.urlencoded({ extended: false }), clientCredentials(auth));
  app.use(
    mcpAuthRouter({
      provider: auth,
      issuerUrl: new URL(origin),
      // The resource is the whole origin: both /mcp and /sse are covered by its tokens.
      resourceServerUrl: new URL(`${origin}/`),
      scopesSupported: ["mcp:tools"],
    }),
  );
  // Made per request: a test changes `auth.requiredScopes` between calls.
  const bearer: Handler = (req, res, next) =>
    requireBearerAuth({
      verifier: auth,
      requiredScopes: auth.requiredScopes,
      resourceMetadataUrl: `${origin}/.well-known/oauth-protected-resource`,
    })(req as never, res as never, next);
  const streams = new Map<string, StreamableHTTPServerTransport>();
  app.all("/mcp", express.json(), bearer, async (req: Req, res: Res) => {
    const sid = req.headers["mcp-session-id"];
    let transport = typeof sid === "string" ? streams.get(sid) : undefined;
    if (transport === undefined) {
      if (typeof sid === "string") return void res.status(404).end("unknown session");
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void streams.set(id, created),
      });
      transport = created;
      await mcpServer().connect(created);
    }
    await transport.handleRequest(req as never, res, req.body);
  });
  const legacy = new Map<string, SSEServerTransport>();
  app.get("/sse", bearer, async (_req: Req, res: Res) => {
    const transport = new SSEServerTransport("/messages", res);
    legacy.set(transport.sessionId, transport);
    res.on("close", () => legacy.delete(transport.sessionId));
    await mcpServer().connect(transport);
  });
  app.post("/messages", bearer, async (req: Req, res: Res) => {
    const transport = legacy.get(String(req.query["sessionId"] ?? ""));
    if (transport === undefined) return void res.status(404).end("unknown session");
    await transport.handlePostMessage(req as never, res);
  });
  return {
    origin,
    mcpUrl: `${origin}/mcp`,
    sseUrl: `${origin}/sse`,
    auth,
    seen,
    addClient(clientId, clientSecret, scope) {
      auth.clients.set(clientId, {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [],
        grant_types: ["client_credentials"],
        token_endpoint_auth_method: "client_secret_basic",
        ...(scope === undefined ? {} : { scope }),
      });
    },
    async close() {
      for (const t of streams.values()) await t.close().catch(() => undefined);
      for (const t of legacy.values()) await t.close().catch(() => undefined);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
