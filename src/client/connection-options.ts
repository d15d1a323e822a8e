/**
 * What a `Connection` is made with and promises: its options, the call options, the client's
 * `initialize` identity, the manager's reconnect schedule and the typed error of a failed
 * initialize. Kept apart from the class so that the state machine reads on its own.
 */
import {
  type Client,
  type OAuthClientProvider,
  SdkError,
  SdkErrorCode,
} from "@modelcontextprotocol/client";
import type { ServerConfig } from "../config/types.js";
import { McpSseError, redactUrl } from "../errors.js";
import type { Logger } from "../logger.js";
import { backoffDelay, DEFAULT_MAX_RETRY_DELAY_MS } from "../sse/backoff.js";
import { VERSION } from "../version.js";
import { CLIENT_CONNECT_FAILED, describe } from "./call-errors.js";
import type { McpsEvent } from "./events.js";
import type { ServerRequestHandlers } from "./server-requests.js";
import type { FeedHandoff } from "./transports/handoff.js";
import type { ClientTransportOptions, McpSseClientTransport } from "./transports/types.js";

/** Jitter: each delay is reduced by a random share of at most J (see `backoffDelay`). */
export const DEFAULT_BACKOFF_JITTER = 0.2;
/** How the client names itself in `initialize`. */
export const CLIENT_INFO = { name: "mcp-sse", version: VERSION } as const;

export type TransportFactory = (options: ClientTransportOptions) => McpSseClientTransport;
export type RefreshToken = (server: string) => Promise<Record<string, string>>;

export interface CallOptions {
  /**
   * Per-call timeout, ms, > 0 and at most `MAX_TIMER_MS` (default: the server's
   * `timeoutMs`); progress notifications extend it. There is no "no timeout": anything else
   * is `CLIENT_INVALID_OPTION`.
   */
  timeout?: number;
  /**
   * Total time of the call, ms, whatever progress arrives (like the SDK's `maxTotalTimeout`);
   * default the server's `max_call_time`, else `DEFAULT_MAX_CALL_TIME_FACTOR` × the timeout.
   * Past it the call fails with `CLIENT_TIMEOUT`. > 0 and at most `MAX_TIMER_MS`.
   */
  maxCallTime?: number;
  /** Cancels the call: it rejects with `CLIENT_ABORTED`. */
  signal?: AbortSignal;
  /**
   * HTTP headers for this call only, on the POST that carries it (legacy SSE, Streamable HTTP,
   * an event feed's RPC), over a configured header of the same name. Secret-looking values are
   * scrubbed like configured ones. Reserved names (`RESERVED_CALL_HEADERS`), invalid names or
   * values, and any header for a stdio server are `CLIENT_INVALID_OPTION`.
   */
  headers?: Record<string, string>;
}

export interface ConnectionOptions {
  server: ServerConfig;
  logger: Logger;
  createTransport: TransportFactory;
  /**
   * The fetch of an event feed's stream and RPC (the manager's shared pool). MCP connections
   * get theirs through `createTransport`. Default: a pool of the feed's own.
   */
  fetch?: typeof globalThis.fetch;
  /** Receives every event of this connection (notifications, state, error), in order. */
  emit: (event: McpsEvent) => void;
  refreshToken?: RefreshToken;
  /**
   * OAuth 2.1 for this server's HTTP requests (the SDK's `OAuthClientProvider`): bearer token
   * on every request, the authorization flow on 401 (see `src/client/auth/server-oauth.ts`).
   */
  authProvider?: OAuthClientProvider;
  /** Random source for jitter (tests pass their own). Default `Math.random`. */
  random?: () => number;
  /** Called on every reconnect attempt (for metrics). */
  onReconnectAttempt?: () => void;
  /** Called when the transport resumes a dropped event stream inside the session (for metrics). */
  onStreamReconnect?: () => void;
  /** Answers to server → client requests; each one given declares its capability. */
  handlers?: ServerRequestHandlers;
  /**
   * `kind: auto`: on the first connect, a legacy SSE stream that opens with something other
   * than `endpoint` is handed here (an event feed); `start()` then resolves still
   * `connecting`, without reporting anything, for the caller to continue as a feed.
   */
  onFeedDetected?: (handoff: FeedHandoff) => void;
  /**
   * Each new session, once initialized and its tools listed, just before it is `ready`: the
   * manager renews its resource subscriptions on it (resource-subscriptions.ts).
   */
  onSessionReady?: (client: Client) => void;
}

/**
 * Delay before reconnect attempt `attempt` (1-based): the first is immediate (the server may
 * just have restarted), then the shared SSE backoff from `baseMs`, capped and jittered.
 */
export function reconnectDelay(attempt: number, baseMs: number, random: () => number): number {
  if (attempt <= 1) return 0;
  return backoffDelay(attempt - 1, {
    baseMs,
    maxDelayMs: DEFAULT_MAX_RETRY_DELAY_MS,
    jitter: DEFAULT_BACKOFF_JITTER,
    random,
  });
}

/** An SDK error during initialize or the first tools/list, as a typed error naming the server. */
export function connectFailed(server: ServerConfig, cause: unknown): McpSseError {
  const where = server.url === undefined ? (server.command ?? "") : redactUrl(server.url);
  const timedOut = cause instanceof SdkError && cause.code === SdkErrorCode.RequestTimeout;
  const why = timedOut ? `no answer within ${server.timeoutMs} ms` : describe(cause).message;
  return new McpSseError(
    CLIENT_CONNECT_FAILED,
    `Could not initialize an MCP session with server "${server.name}" (${where}): ${why}. Check the URL and transport, or run 'mcp-sse doctor'.`,
    { details: { server: server.name, timedOut }, cause },
  );
}
