/** The agent-facing client: `connectMcps` and the types of its tools, events and metrics. */
export {
  type AuthProviderOption,
  clientCredentialsProvider,
  OAUTH_CLIENT_NAME,
} from "./auth/providers.js";
export {
  CLIENT_AUTH_FAILED,
  CLIENT_AUTH_REQUIRED,
  ServerOAuth,
  type ServerOAuthOptions,
} from "./auth/server-oauth.js";
export {
  CLIENT_ABORTED,
  CLIENT_CLOSED,
  CLIENT_CONNECTION_LOST,
  CLIENT_EVENT_DECRYPT,
  CLIENT_INVALID_OPTION,
  CLIENT_NOT_READY,
  CLIENT_REFRESH_FAILED,
  CLIENT_TIMEOUT,
  CLIENT_TOOL_ERROR,
  CLIENT_UNKNOWN_SERVER,
  CLIENT_UNKNOWN_TOOL,
} from "./call-errors.js";
export {
  type CallOptions,
  CLIENT_INFO,
  DEFAULT_BACKOFF_JITTER,
  type RefreshToken,
  reconnectDelay,
  type TransportFactory,
} from "./connection.js";
export {
  AUTHENTICATION_FAILED,
  CLIENT_AUTH_EVENT,
  CLIENT_ERROR_EVENTS,
  CLIENT_RATE_LIMITED,
  RATE_LIMITED,
  type ServerErrorEvent,
  serverErrorOf,
} from "./error-events.js";
export {
  type BatchOptions,
  DEFAULT_EVENT_QUEUE_SIZE,
  DEFAULT_STARTUP_BUFFER_SIZE,
  type EventHandler,
  type SubscribeOptions,
} from "./event-queue.js";
export {
  type BuiltinEventType,
  type EventFilter,
  LOG_LEVELS,
  type LogLevel,
  type McpsEvent,
  matchesFilter,
  notificationToEvent,
} from "./events.js";
export { CLIENT_RPC_INVALID, rpcUrlOf } from "./feed/rpc.js";
export {
  type ConnectMcpsOptions,
  connectMcps,
  type EventsOptions,
  type McpsManager,
  type QualifiedTool,
  type ServerStatus,
} from "./manager.js";
export {
  type Clock,
  DEFAULT_LATENCY_SAMPLES,
  type HandlerSnapshot,
  type LatencySnapshot,
  type ServerMetricsSnapshot,
} from "./metrics.js";
export {
  CLIENT_RESUBSCRIBE_FAILED,
  type ResourceSubscriptionsApi,
} from "./resource-subscriptions.js";
export type { ServerConnection } from "./server-connection.js";
export {
  CLIENT_NOT_SUPPORTED,
  CLIENT_REQUEST_FAILED,
  type CompleteOptions,
  type Completion,
  type CompletionRef,
  type ContentRequestOptions,
  expandUriTemplate,
  type QualifiedPrompt,
  type QualifiedResource,
  type QualifiedResourceTemplate,
} from "./server-content.js";
export {
  CLIENT_NO_ROOTS_HANDLER,
  type ServerRequestContext,
  type ServerRequestHandlers,
} from "./server-requests.js";
export { type ConnectionState, canTransition, TRANSITIONS } from "./state.js";
