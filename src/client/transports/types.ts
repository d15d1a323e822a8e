/**
 * The contract between the client transports and the connection manager (agreed; add
 * fields freely, never rename). Kept apart from the implementations so that importing the
 * types loads no transport.
 */
import type { OAuthClientProvider, Transport } from "@modelcontextprotocol/client";
import type { ServerConfig } from "../../config/types.js";
import type { Logger } from "../../logger.js";
import type { ReaderState, SseEvent } from "../../sse/types.js";
import type { ServerOAuth } from "../auth/server-oauth.js";
import type { FeedHandoff } from "./handoff.js";

/** Which event stream a state change is about. */
export type StreamName =
  /** Legacy SSE: the one `GET` stream that carries the endpoint and every message. */
  | "sse"
  /** Streamable HTTP: the standalone `GET` stream for server-initiated messages. */
  | "standalone"
  /** Streamable HTTP: the SSE answer to one POST (resumed by `GET` + `Last-Event-ID`). */
  | "request";

export interface StreamStateChange {
  server: string;
  stream: StreamName;
  state: ReaderState;
  attempt?: number;
  delayMs?: number;
  error?: Error;
}

export interface ClientTransportOptions {
  /** name, transport, url, headers, timeoutMs, reconnectIntervalMs, maxReconnects, tls, command/args/env/cwd. */
  server: ServerConfig;
  /** Never receives header values (they are redacted before logging). Default: silent. */
  logger?: Logger;
  /**
   * The fetch every HTTP request goes through. Default: a pool of the transport's own
   * (`createFetchPool(server)` from `src/client/http.ts`: undici with the server's TLS
   * options), opened at the first request and closed when the transport ends; loaded lazily
   * so this module stays runtime-agnostic. Pass one explicitly outside Node (the transport
   * then closes nothing: the caller owns it).
   */
  fetch?: typeof globalThis.fetch;
  /**
   * Called before EVERY HTTP request (GET stream, each reconnect, each POST, DELETE), so a
   * refreshed token is used at once. Default: `() => server.headers`.
   */
  getHeaders?: () => Record<string, string> | Promise<Record<string, string>>;
  /**
   * OAuth 2.1 (the SDK's `OAuthClientProvider`): every HTTP request carries its bearer token;
   * a 401 runs the authorization flow and the request is sent once more (see
   * `src/client/auth/server-oauth.ts`). Its token wins over an `Authorization` header.
   */
  authProvider?: OAuthClientProvider;
  /**
   * The same, with state shared across transports (the connection's: what the last
   * challenge said, the flow in progress). Wins over `authProvider`.
   */
  oauth?: ServerOAuth;
  /** Stream-level state: connecting / open / reconnecting / closed. */
  onStreamState?: (change: StreamStateChange) => void;
  /**
   * SSE events of a type other than `message` (and, for legacy SSE, `endpoint`): e.g. a
   * server's `data_update` events. JSON-RPC messages never come here.
   */
  onStreamEvent?: (event: SseEvent) => void;
  /**
   * Reconnect a stream that has been silent this long, ms. Default
   * `DEFAULT_STREAM_IDLE_TIMEOUT_MS` (0: disabled — servers need not send keep-alives; the
   * manager's ping finds dead connections).
   */
  idleTimeoutMs?: number;
  /** Longest delay between reconnect attempts, ms. Default `DEFAULT_MAX_RETRY_DELAY_MS` (30 s, the SSE backoff cap). */
  maxReconnectDelayMs?: number;
  /**
   * Legacy SSE (also after `auto` falls back to it): when the stream's first event is not
   * `endpoint`, hand the open stream to this callback (an event feed) and reject `start()`
   * with the internal `CLIENT_FEED_DETECTED`. Without it, the stream is read as MCP.
   */
  onFeedDetected?: (handoff: FeedHandoff) => void;
}

/** An SDK `Transport` that also says what it is. */
export type McpSseClientTransport = Transport & {
  /** For `auto`: the transport chosen (`streamable-http` until the first send decides). */
  readonly kind: "sse" | "streamable-http" | "stdio";
  readonly sessionId?: string | undefined;
};
