/**
 * The public shapes of the manager (`connectMcps`): its options, what it reports about tools
 * and servers, and the `McpsManager` interface. The implementation is manager.ts.
 */
import type { CallToolResult } from "@modelcontextprotocol/client";
import type { McpsConfig } from "../config/types.js";
import type { Logger } from "../logger.js";
import type { AuthProviderOption } from "./auth/providers.js";
import type { CallOptions, RefreshToken, TransportFactory } from "./connection.js";
import type { BatchOptions, EventHandler, SubscribeOptions } from "./event-queue.js";
import type { McpsEvent } from "./events.js";
import type { Clock, ServerMetricsSnapshot } from "./metrics.js";
import type { ResourceSubscriptionsApi } from "./resource-subscriptions.js";
import type { ServerContentApi } from "./server-content.js";
import type { ServerRequestHandlers } from "./server-requests.js";
import type { ConnectionState } from "./state.js";

export interface ConnectMcpsOptions {
  /** Default: silent. Header values and encryption keys are never logged. */
  logger?: Logger;
  /** Aborting it closes the manager. */
  signal?: AbortSignal;
  /** Variables for `${VAR}` in the config. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Directory a relative config path is resolved against. Default: `process.cwd()`. */
  cwd?: string;
  /** On HTTP 401: new headers for the server (e.g. a fresh `Authorization`), then reconnect. */
  refreshToken?: RefreshToken;
  /**
   * OAuth 2.1 per server (the SDK's `OAuthClientProvider`): a map by server name, or a
   * function of the name. Every HTTP request of that server carries the provider's bearer
   * token; a 401 runs the authorization flow (discovery, registration, PKCE, refresh) and the
   * request is sent once more. Wins over the server's config `auth:` block. See docs/client.md.
   */
  authProvider?: AuthProviderOption;
  /** Receives every event (off the read loop, like `on("*")`). */
  onEvent?: EventHandler;
  /**
   * Events kept while servers are still connecting, for subscribers created right after
   * `connectMcps` resolves (see docs/client.md, "No event lost at start-up"); the oldest
   * beyond it are dropped and counted in `startupDropped`. 0 disables. Default
   * `DEFAULT_STARTUP_BUFFER_SIZE` (1000).
   */
  startupBufferSize?: number;
  /**
   * Monotonic ms clock for handler times and connection durations in `metrics()`. Default
   * `performance.now`; tests pass a clock they drive.
   */
  clock?: Clock;
  /** Transport seam for tests and custom transports. Default `createClientTransport`. */
  createTransport?: TransportFactory;
  /**
   * Answers to requests servers send to the client (elicitation, sampling, roots), each called
   * with the asking server's name. Only the handlers given are declared as client
   * capabilities; without any, servers are told the client offers none.
   */
  handlers?: ServerRequestHandlers;
}

export interface QualifiedTool {
  server: string;
  name: string;
  /** `server` + separator + `name` (separator from the config, default `__`). */
  qualifiedName: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  /** The server's display title and behaviour hints (`readOnlyHint`, `destructiveHint`, …). */
  title?: string;
  annotations?: Record<string, unknown>;
  /**
   * The JSON Schema of the tool's `structuredContent`, when the server declares one; the SDK
   * client checks each result against it (a mismatch fails the call with `CLIENT_TOOL_ERROR`).
   */
  outputSchema?: Record<string, unknown>;
}

export interface ServerStatus {
  name: string;
  state: ConnectionState | "disabled";
  error?: { code: string; message: string };
  /** ISO time the current connection became ready. */
  connectedSince?: string;
  toolCount: number;
}

export interface EventsOptions extends SubscribeOptions {
  batch?: BatchOptions;
}

/**
 * With `listResources`, `listResourceTemplates`, `readResource`, `listPrompts`, `getPrompt`,
 * `complete` (server-content.ts) and `subscribeResource`, `unsubscribeResource`,
 * `resourceSubscriptions` (resource-subscriptions.ts).
 */
export interface McpsManager extends ServerContentApi, ResourceSubscriptionsApi {
  readonly config: McpsConfig;
  tools(): QualifiedTool[];
  call(
    server: string,
    tool: string,
    args?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<CallToolResult>;
  callQualified(
    qualifiedName: string,
    args?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<CallToolResult>;
  events(options: EventsOptions & { batch: BatchOptions }): AsyncIterableIterator<McpsEvent[]>;
  events(options?: EventsOptions): AsyncIterableIterator<McpsEvent>;
  /** Run `handler` for events of `type` (or `"*"` for all); returns the unsubscribe function. */
  on(type: string, handler: EventHandler, options?: SubscribeOptions): () => void;
  metrics(): { servers: Record<string, ServerMetricsSnapshot> };
  servers(): ServerStatus[];
  /**
   * Tell every ready server (or only `server`) that the roots of `handlers.roots` changed
   * (`notifications/roots/list_changed`). Throws `CLIENT_NO_ROOTS_HANDLER` without a roots
   * handler; a server that cannot be notified gets an `error` event.
   */
  notifyRootsChanged(server?: string): Promise<void>;
  /**
   * Complete the OAuth authorization `server` waited for (it failed with
   * `CLIENT_AUTH_REQUIRED` after its provider's `redirectToAuthorization`): exchange the
   * `authorizationCode` from the redirect (and its `iss` parameter, if any) for tokens, then
   * reconnect the server. Rejects typed (`CLIENT_AUTH_FAILED`, `CLIENT_INVALID_OPTION`, …).
   */
  finishAuth(server: string, authorizationCode: string, iss?: string): Promise<void>;
  close(): Promise<void>;
}
