/**
 * OAuth 2.1 for one server's HTTP requests (MCP authorization, 2025-06-18 and later), as a
 * wrapper around a fetch (STYLE.md #4): every request carries `Authorization: Bearer <access
 * token>` from the `OAuthClientProvider`; a 401 runs the SDK's `auth()` (protected-resource and
 * authorization-server discovery from the `WWW-Authenticate` challenge, dynamic client
 * registration, PKCE, refresh) and the request is sent once more; a 403 `insufficient_scope`
 * asks for the union of the scopes (step-up) and is sent once more. One `auth()` runs at a time
 * per server: concurrent 401s wait for it instead of starting their own.
 *
 * A request that needs the user (`CLIENT_AUTH_REQUIRED`) fails alone: the session stays, and
 * once `finishAuth` stored the tokens the next request carries them (an MCP session is not
 * bound to a token). An event stream that needs the user ends (its reader does not retry it).
 *
 * The protocol work is the SDK's; this module owns where it happens (below the transports, so
 * POST, DELETE and every event stream GET are covered), its bounds (each request keeps its
 * signal and timeout, at most one retry, no loop), the typed errors and the secrets it must
 * keep out of every message.
 */
import {
  auth,
  computeScopeUnion,
  extractWWWAuthenticateParams,
  isStrictScopeSuperset,
  type OAuthClientProvider,
} from "@modelcontextprotocol/client";
import { isMcpSseError, McpSseError, redactUrl } from "../../errors.js";
import { scrub } from "../transports/request.js";

/** The user must authorize in a browser; then `finishAuth(server, code)`. */
export const CLIENT_AUTH_REQUIRED = "CLIENT_AUTH_REQUIRED";
/** Discovery, registration or the token endpoint failed (wrong client secret, unreachable AS). */
export const CLIENT_AUTH_FAILED = "CLIENT_AUTH_FAILED";

export interface ServerOAuthOptions {
  /** For messages and `details.server`. */
  serverName: string;
  /** The MCP endpoint: the protected resource the tokens are for. */
  serverUrl: string;
  /**
   * Timeout of each request of the flow (discovery, registration, token), ms; 0: only the
   * signal of the request that needed the flow bounds it. Default 0; connections pass the
   * server's `timeout`.
   */
  timeoutMs?: number;
  /** Secrets known in advance (a configured client secret or private key), scrubbed too. */
  secrets?: readonly string[];
}

type Fetch = typeof globalThis.fetch;

/**
 * Tokens and codes remembered for scrubbing, newest kept: a long-running agent refreshes its
 * token every hour or so, and the one in use (and those just before it) are what a server
 * may echo. Configured secrets (`options.secrets`) are always kept.
 */
export const MAX_REMEMBERED_OAUTH_SECRETS = 32;

/**
 * The `ServerOAuth` of a transport's options: `oauth` as given, else one made from
 * `authProvider` (undefined without either).
 */
export function oauthOf(options: {
  server: {
    name: string;
    url?: string;
    timeoutMs: number;
    auth?: { clientSecret?: string; privateKey?: string };
  };
  authProvider?: OAuthClientProvider;
  oauth?: ServerOAuth;
}): ServerOAuth | undefined {
  if (options.oauth !== undefined) return options.oauth;
  if (options.authProvider === undefined) return undefined;
  const { server } = options;
  return new ServerOAuth(options.authProvider, {
    serverName: server.name,
    serverUrl: server.url ?? "",
    timeoutMs: server.timeoutMs,
    secrets: [server.auth?.clientSecret, server.auth?.privateKey].filter(
      (s): s is string => s !== undefined,
    ),
  });
}

export class ServerOAuth {
  readonly provider: OAuthClientProvider;
  private readonly serverName: string;
  private readonly serverUrl: string;
  private readonly timeoutMs: number;
  /** From the last `WWW-Authenticate` challenge: where the protected-resource metadata is. */
  private resourceMetadataUrl: URL | undefined;
  /** The scopes asked for so far (challenges and step-ups add to it, never remove). */
  private scope: string | undefined;
  /** The `auth()` in progress: concurrent 401s share it. */
  private running: Promise<void> | undefined;
  /** Tokens and codes seen (newest last, bounded): scrubbed from every message. */
  private readonly seen = new Set<string>();
  /** Secrets given in the options (a configured client secret or key): never dropped. */
  private readonly fixed: readonly string[];

  constructor(provider: OAuthClientProvider, options: ServerOAuthOptions) {
    this.provider = provider;
    this.serverName = options.serverName;
    this.serverUrl = options.serverUrl;
    this.timeoutMs = options.timeoutMs ?? 0;
    this.fixed = [...(options.secrets ?? [])];
  }

  /**
   * The values that must never be shown: the access and refresh tokens seen, the client
   * secret, and the authorization codes passed to `finishAuth`.
   */
  secretValues(): string[] {
    return [...this.fixed, ...this.seen];
  }

  private remember(value: string): void {
    if (this.seen.has(value)) return;
    this.seen.add(value);
    if (this.seen.size > MAX_REMEMBERED_OAUTH_SECRETS) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  /**
   * `fetch` with the bearer token on every request and the 401/403 handling above. The
   * token wins over an `Authorization` header the caller set (configured headers). `onSent`
   * receives each token sent, so the transport scrubs it from its errors.
   */
  wrap(fetch: Fetch, onSent: (values: string[]) => void = () => undefined): Fetch {
    return async (input, init) => {
      const send = async () => {
        const token = await this.accessToken();
        const headers = new Headers(init?.headers);
        if (token !== undefined) {
          headers.set("Authorization", `Bearer ${token}`);
          onSent([token]);
        }
        return { token, response: await fetch(input, { ...init, headers }) };
      };
      const signal = init?.signal ?? undefined;
      const first = await send();
      const status = first.response.status;
      if (status === 401) {
        this.learn(first.response);
        await discard(first.response);
        // Another request may have renewed the token meanwhile: then only retry.
        if ((await this.accessToken()) === first.token) await this.authorize(fetch, signal);
        return (await send()).response;
      }
      if (status === 403 && this.isInsufficientScope(first.response)) {
        await discard(first.response);
        await this.authorize(fetch, signal, { stepUp: true });
        return (await send()).response;
      }
      return first.response;
    };
  }

  /**
   * Exchange the authorization code the user's browser brought back (after
   * `CLIENT_AUTH_REQUIRED`) for tokens. `iss`: the callback's `iss` parameter, if any (RFC 9207).
   */
  async finishAuth(fetch: Fetch, authorizationCode: string, iss?: string): Promise<void> {
    this.remember(authorizationCode);
    const result = await this.run(fetch, undefined, {
      authorizationCode,
      ...(iss === undefined ? {} : { iss }),
    });
    if (result !== "AUTHORIZED") throw this.authRequired();
  }

  /** The provider's access token (remembered as a secret), if any. */
  private async accessToken(): Promise<string | undefined> {
    const tokens = await this.provider.tokens();
    if (tokens?.access_token) this.remember(tokens.access_token);
    if (tokens?.refresh_token) this.remember(tokens.refresh_token);
    return tokens?.access_token || undefined;
  }

  /** After a flow: the new tokens, and the client secret a registration may have brought. */
  private async collectSecrets(): Promise<void> {
    await this.accessToken();
    const info = await this.provider.clientInformation();
    if (info?.client_secret) this.remember(info.client_secret);
  }

  /** Keep what a 401 challenge says: the metadata URL and the scope it wants. */
  private learn(response: Response): void {
    const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(response);
    if (resourceMetadataUrl !== undefined) this.resourceMetadataUrl = resourceMetadataUrl;
    this.scope = computeScopeUnion(this.scope, scope);
  }

  private isInsufficientScope(response: Response): boolean {
    const challenge = extractWWWAuthenticateParams(response);
    if (challenge.error !== "insufficient_scope") return false;
    if (challenge.resourceMetadataUrl !== undefined)
      this.resourceMetadataUrl = challenge.resourceMetadataUrl;
    this.scope = computeScopeUnion(this.scope, challenge.scope);
    return true;
  }

  /** One `auth()` per server at a time; REDIRECT becomes `CLIENT_AUTH_REQUIRED`. */
  private authorize(fetch: Fetch, signal: AbortSignal | undefined, o: { stepUp?: boolean } = {}) {
    this.running ??= (async () => {
      try {
        let forceReauthorization = false;
        if (o.stepUp === true) {
          // Step-up (SEP-2350): a refresh cannot widen the scopes; ask the user again.
          const granted = (await this.provider.tokens())?.scope;
          forceReauthorization = isStrictScopeSuperset(this.scope, granted);
        }
        const result = await this.run(fetch, signal, { forceReauthorization });
        if (result !== "AUTHORIZED") throw this.authRequired();
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** `auth()` with this server's state, each of its requests under `signal` and the timeout. */
  private async run(
    fetch: Fetch,
    signal: AbortSignal | undefined,
    extra: { authorizationCode?: string; iss?: string; forceReauthorization?: boolean },
  ) {
    const timeoutMs = this.timeoutMs;
    // Before the flow too: its first failure may quote a secret it was given.
    await this.collectSecrets().catch(() => undefined);
    const fetchFn: Fetch = (url, init) => {
      const signals = [init?.signal, signal].filter((s): s is AbortSignal => !!s);
      if (timeoutMs > 0) signals.push(AbortSignal.timeout(timeoutMs));
      return fetch(
        url,
        signals.length === 0 ? init : { ...init, signal: AbortSignal.any(signals) },
      );
    };
    try {
      return await auth(this.provider, {
        serverUrl: this.serverUrl,
        ...(this.resourceMetadataUrl === undefined
          ? {}
          : { resourceMetadataUrl: this.resourceMetadataUrl }),
        ...(this.scope === undefined ? {} : { scope: this.scope }),
        fetchFn,
        ...extra,
      });
    } catch (cause) {
      throw this.failed(cause);
    } finally {
      // A provider that fails here fails the next request too, where it is reported.
      await this.collectSecrets().catch(() => undefined);
    }
  }

  private authRequired(): McpSseError {
    const server = this.serverName;
    return new McpSseError(
      CLIENT_AUTH_REQUIRED,
      `Server "${server}" (${redactUrl(this.serverUrl)}) needs the user to authorize this client: the OAuth provider was sent to the authorization page (redirectToAuthorization); call finishAuth("${server}", code) with the code it returns.`,
      { details: { server, url: redactUrl(this.serverUrl) } },
    );
  }

  /** `auth()` threw: a typed error naming the server, never a token or secret. */
  private failed(cause: unknown): McpSseError {
    if (isMcpSseError(cause)) return cause;
    const server = this.serverName;
    const why = scrub(cause instanceof Error ? cause.message : String(cause), this.secretValues());
    // The OAuth error code (`invalid_client`, `invalid_grant`, …) when the server sent one.
    const oauthError = (cause as { code?: unknown } | undefined)?.code;
    // No `cause`: the SDK's errors may quote a token endpoint's answer verbatim.
    return new McpSseError(
      CLIENT_AUTH_FAILED,
      `OAuth authorization for server "${server}" (${redactUrl(this.serverUrl)}) failed: ${why}. Check its client credentials and the authorization server.`,
      {
        details: {
          server,
          url: redactUrl(this.serverUrl),
          ...(typeof oauthError === "string" ? { oauthError } : {}),
        },
      },
    );
  }
}

/** Read and drop a body we will not use (frees the connection for the retry). */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
