/**
 * The normalized configuration that `loadConfig` produces from a YAML/JSON file or object.
 * Times are converted from the file's seconds to milliseconds here, once, so nothing
 * downstream has to remember the unit.
 */

export type TransportKind = "sse" | "streamable-http" | "stdio" | "auto";

/**
 * What the server is: an MCP server, a plain SSE event feed (unnamed `data:` JSON events,
 * tools over `POST …/rpc`), or `auto`: an MCP server unless its legacy SSE stream opens with
 * something other than an `endpoint` event (see docs/event-feeds.md).
 */
export type ServerKind = "auto" | "mcp" | "feed";

export interface TlsConfig {
  /** PEM text of extra CA certificates (read from the file the config names). */
  ca?: string;
  /** PEM client certificate and key for mutual TLS. */
  cert?: string;
  key?: string;
  /** Skip certificate verification. Dangerous: the loader logs a loud warning. */
  insecure: boolean;
}

export interface ServerConfig {
  /** Unique name; used in qualified tool names and every message about this server. */
  name: string;
  /** `http` in a file is normalized to `streamable-http`. */
  transport: TransportKind;
  /** http(s) URL, for every transport but stdio. */
  url?: string;
  /** stdio: program, arguments, extra environment and working directory. */
  command?: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Sent on every HTTP request (GET stream and every POST). Values are secrets: never log. */
  headers: Record<string, string>;
  /**
   * Request timeout for each call, ms (file: `timeout`, seconds). Always > 0: the schema
   * refuses `timeout: 0` (no request may hang), and the client has no "0 disables" path.
   */
  timeoutMs: number;
  /** Base delay between reconnect attempts, ms (file: `reconnect_interval`, seconds). */
  reconnectIntervalMs: number;
  /** Reconnect attempts before the server is `failed` (file: `max_reconnects`); 0 = never reconnect. */
  maxReconnects: number;
  /** Send an MCP ping this often, ms (file: `ping_interval`, seconds); 0 disables. */
  pingIntervalMs: number;
  enabled: boolean;
  tools: { allow?: string[]; deny?: string[] };
  tls?: TlsConfig;
  /** Fernet key (url-safe base64) to decrypt `encrypted_payload` in events. A secret. */
  encryptionKey?: string;
  /** Extra header names (lower case) to redact in logs, beyond the built-in list. */
  secretHeaders: string[];
  /**
   * Longest total time of a call, ms, whatever progress arrives (file: `max_call_time`,
   * seconds). Unset: `DEFAULT_MAX_CALL_TIME_FACTOR` × the call's timeout.
   */
  maxCallTimeMs?: number;
  /** MCP server, event feed, or detect (file: `kind`, default `auto`). */
  kind: ServerKind;
  /** An event feed's RPC URL (file: `rpc_url`); default: `…/rpc` beside a `…/sse` url. */
  rpcUrl?: string;
  /** Pause after a `RATE_LIMITED` error event without `retry_after`, ms (file: `rate_limit_backoff`, seconds). */
  rateLimitBackoffMs: number;
  /** OAuth client credentials (file: `auth:`); an `authProvider` option for the server wins. */
  auth?: OAuthConfig;
  /** Warn about an event handler slower than this, ms (file: `slow_handler_ms`); 0 = never. */
  slowHandlerMs: number;
}

/**
 * OAuth 2.1 client credentials for a server (file: `auth:`), for an agent that runs with no
 * user at hand. Secrets: never logged.
 */
export interface OAuthConfig {
  /** The grant (file: `grant`, default and only value `client_credentials`). */
  grant: "client_credentials";
  /** file: `client_id`. */
  clientId: string;
  /** file: `client_secret` (`client_secret_basic`); exactly one of it and `privateKey`. */
  clientSecret?: string;
  /** file: `private_key`, PEM (PKCS#8): a signed client assertion (`private_key_jwt`). */
  privateKey?: string;
  /** Signing algorithm of `privateKey` (file: `algorithm`, default `DEFAULT_AUTH_ALGORITHM`). */
  algorithm: string;
  /** Scopes to ask for, space-separated (file: `scope`). */
  scope?: string;
  /** The authorization server's issuer URL the credentials belong to (file: `issuer`). */
  issuer?: string;
  /** The token endpoint, skipping discovery (file: `token_endpoint`). */
  tokenEndpoint?: string;
}

/** The HTTP connection pool every server of a manager shares (file: top-level `pool:`). */
export interface PoolConfig {
  /** Requests in flight at once over all servers (file: `connections`). Event streams are not counted. */
  connections: number;
  /** The same bound per origin; 0 = only the total (file: `connections_per_host`). */
  connectionsPerHost: number;
  /** Reuse a resolved host name this long, ms; 0 disables the cache (file: `dns_cache_ttl`, seconds). */
  dnsCacheTtlMs: number;
}

export interface McpsConfig {
  servers: ServerConfig[];
  /**
   * The shared HTTP pool. `loadConfig` always sets it (defaults from `config/defaults.ts`);
   * optional so that configs built by hand for tests stay valid (the defaults apply).
   */
  pool?: PoolConfig;
  /** Separator in qualified tool names (`server__tool`). */
  toolSeparator: string;
  /** Where the config came from (a path, or "<object>"), for messages. */
  source: string;
}
