import type { Transport } from "@modelcontextprotocol/server";
import type { Logger } from "../logger.js";
import type { ServerBackend } from "./backends/types.js";

/**
 * Anything that can serve one MCP session over a transport: an SDK v2 `McpServer` or
 * `Server`, or an adapter such as the stdio bridge.
 */
export interface ServerLike {
  connect(transport: Transport): Promise<void>;
  close(): Promise<void>;
}

/** Who made a request, as decided by the auth hook. Sessions are bound to `id`. */
export interface Principal {
  /** Stable identity (never the secret itself). */
  id: string;
  /** Passed to the MCP server as `authInfo.scopes`. */
  scopes?: string[];
  /** Passed to the MCP server as `authInfo.extra`. */
  extra?: Record<string, unknown>;
}

export type AuthOptions =
  /** Static bearer tokens (e.g. read by the CLI from an env var). */
  | { tokens: readonly string[] }
  /** Your own check: return a principal, or `null` to answer 401. */
  | { verify(request: Request): Promise<Principal | null> };

/** Default bind host: loopback only. */
export const DEFAULT_HOST = "127.0.0.1";
/** Default port for `serve()` (use `0` for a free port). */
export const DEFAULT_PORT = 8000;
/** Largest POST body read (bytes) before answering 413. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Sessions open at once before answering 503. `0` disables the cap. */
export const DEFAULT_MAX_SESSIONS = 1000;
/** A session with no open stream and no request for this long is closed. `0` disables. */
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60 * 1000;
/**
 * A session whose client stalls its handshake this long is closed: nothing sent since the
 * session opened (a legacy `GET /sse` left open or closed), or nothing since the server
 * answered `initialize`. `0` disables. See `HandshakeWatch`.
 */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long `close()` waits for sessions and connections to drain. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;
/**
 * How long `serve()` keeps an idle client connection open for its next request (sent to
 * clients as `Keep-Alive: timeout=`). Node's own 5 s closed an agent's pool between two bursts
 * of tool calls (a model's turn takes longer), so each burst opened its connections again
 * (and on TLS, handshakes); 65 s also outlasts the usual 60 s idle timeout of load balancers,
 * which must never reuse a connection the host is closing.
 */
export const DEFAULT_SERVER_KEEP_ALIVE_MS = 65_000;
/** `Retry-After` (seconds) sent with 503 when the session cap is reached or shutting down. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

export interface McpHttpHandlerOptions {
  /** Makes one server per session. */
  createServer: () => ServerLike | Promise<ServerLike>;
  /**
   * Host names (no port) a request's `Host` may name, in addition to loopback names
   * (`localhost`, `127.0.0.1`, `[::1]`). Default: loopback only (DNS-rebinding protection).
   * `["*"]` disables the check.
   */
  allowedHosts?: readonly string[];
  /**
   * Origins (`scheme://host[:port]`) allowed to call, and answered with CORS headers. Without
   * it, a request carrying `Origin` must be same-origin on a loopback host.
   */
  allowedOrigins?: readonly string[];
  /** Bearer tokens or a verify hook; omitted = no auth (fine on loopback only). */
  auth?: AuthOptions;
  /** Default `DEFAULT_KEEPALIVE_MS`; `0` disables keep-alive comments. */
  keepAliveMs?: number;
  /** Default `DEFAULT_MAX_BODY_BYTES`. */
  maxBodyBytes?: number;
  /**
   * JSON answers of at least this many bytes are gzipped when the request's `Accept-Encoding`
   * allows it (never event streams), by the `node:http` adapter (`serve()`, `toNodeListener`,
   * `toMiddleware`). Default `DEFAULT_GZIP_MIN_BYTES` (1 KiB); `0` disables.
   */
  gzipMinBytes?: number;
  /** Deepest JSON nesting a POST body may have (else 400). Default `DEFAULT_MAX_JSON_DEPTH`; `0` disables. */
  maxJsonDepth?: number;
  /** Default `DEFAULT_MAX_SESSIONS`; `0` disables. */
  maxSessions?: number;
  /** Default `DEFAULT_IDLE_TIMEOUT_MS`; `0` disables reaping. */
  idleTimeoutMs?: number;
  /**
   * Close a session whose client stalls its handshake this many ms (nothing after the session
   * opened, or after the server answered `initialize`). Default `DEFAULT_HANDSHAKE_TIMEOUT_MS`;
   * `0` disables.
   */
  handshakeTimeoutMs?: number;
  /** Per-stream bound on unread bytes before a slow client is disconnected. Default `DEFAULT_MAX_BUFFERED_BYTES`. */
  maxBufferedBytes?: number;
  /** Events kept per session for `Last-Event-ID` replay. Default `DEFAULT_EVENT_LOG_SIZE`. */
  eventLogSize?: number;
  /**
   * Bytes (UTF-8, event data plus id) kept per session for replay; oldest evicted first, and a
   * resumption asking for an evicted event gets the replay-gap signal. Default
   * `DEFAULT_EVENT_LOG_BYTES` (8 MiB); `0` disables this bound (the count bound still applies).
   */
  eventLogBytes?: number;
  /**
   * Default: an in-memory backend (one process). A shared one (`createRedisBackend` from
   * `mcp-sse/redis`) lets several replicas serve the same sessions; its event log bounds are
   * its own options, so `eventLogSize`/`eventLogBytes` are refused with it
   * (`SERVER_INVALID_OPTIONS`).
   */
  backend?: ServerBackend;
  /**
   * With a shared backend: how long a replica waits for a session's owner to take a request
   * forwarded to it, ms (then 504 `SERVER_OWNER_TIMEOUT`). Default `DEFAULT_FORWARD_TIMEOUT_MS`.
   */
  forwardTimeoutMs?: number;
  /** Default: silent. `Authorization` and other secrets are redacted. */
  logger?: Logger;
  /** Path of the Streamable HTTP endpoint. Default `/mcp`. */
  mcpPath?: string;
  /** Path of the legacy SSE endpoint. Default `/sse`; messages go to `/messages`. */
  ssePath?: string;
  messagesPath?: string;
  /**
   * Serve stateless 2026-07-28 requests (per-request envelope, no session) on `/mcp` through
   * the SDK's `createMcpHandler`; needs `createServer` to return an SDK `McpServer`/`Server`.
   * Default `true`.
   */
  stateless?: boolean;
  /** `retry:` (ms) advertised to SSE clients (legacy endpoint event, /mcp priming events). Default none. */
  retryMs?: number;
  /**
   * Serve a plain event feed (the guide's `GET /mcp/sse`) and its RPC URL (`POST /mcp/rpc`,
   * answered from `createServer()`'s tools). Off unless given; publish with `handler.publish`.
   */
  feed?: FeedOptions;
}

/**
 * `gzipMinBytes`: JSON bodies smaller than this are sent as they are: below ~1 KiB gzip's
 * header and the CPU buy nothing (nginx and most CDNs use a similar floor).
 */
export const DEFAULT_GZIP_MIN_BYTES = 1024;

/** Path of the plain event feed when `feed` is given without one (the guide's). */
export const DEFAULT_FEED_PATH = "/mcp/sse";
/** Path of the feed's RPC URL when `feed` is given without one (the guide's). */
export const DEFAULT_FEED_RPC_PATH = "/mcp/rpc";

export interface FeedOptions {
  /** Default `DEFAULT_FEED_PATH`. */
  path?: string;
  /** Default `DEFAULT_FEED_RPC_PATH`; `false`: no RPC endpoint. */
  rpcPath?: string | false;
  /** Events kept for `Last-Event-ID` replay. Default `DEFAULT_FEED_LOG_SIZE`. */
  logSize?: number;
  /** Bytes kept for replay. Default `DEFAULT_FEED_LOG_BYTES`; `0` disables the byte bound. */
  logBytes?: number;
  /** Subscribers at once before 503. Default `DEFAULT_MAX_FEED_SUBSCRIBERS`; `0` disables. */
  maxSubscribers?: number;
  /** Bound on one RPC call, ms. Default `DEFAULT_RPC_TIMEOUT_MS`. */
  rpcTimeoutMs?: number;
}
