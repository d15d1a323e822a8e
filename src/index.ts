/**
 * `mcp-sse`: connect an agent to many MCP servers from one config file.
 * Runtime-agnostic at import time: Node-only pieces (file reading, undici pools, stdio)
 * are loaded lazily when a config asks for them.
 */

export {
  type BridgeEnd,
  type BridgeStdioOptions,
  bridgeStdio,
  JSONRPC_PARSE_ERROR,
  PROXY_SEND_FAILED,
} from "./client/bridge/bridge.js";
export {
  CERT_WARN_DAYS,
  type Check,
  type CheckStatus,
  DEFAULT_DIAGNOSE_TIMEOUT_MS,
  DEFAULT_STREAM_WAIT_MS,
  type DiagnoseOptions,
  type DiagnoseTlsOptions,
  diagnose,
} from "./client/diagnose/index.js";
export {
  type CallOptions,
  CLIENT_ABORTED,
  CLIENT_CLOSED,
  CLIENT_CONNECTION_LOST,
  CLIENT_ERROR_EVENTS,
  CLIENT_EVENT_DECRYPT,
  CLIENT_INVALID_OPTION,
  CLIENT_NO_ROOTS_HANDLER,
  CLIENT_NOT_READY,
  CLIENT_RATE_LIMITED,
  CLIENT_REFRESH_FAILED,
  CLIENT_RPC_INVALID,
  CLIENT_TIMEOUT,
  CLIENT_TOOL_ERROR,
  CLIENT_UNKNOWN_SERVER,
  CLIENT_UNKNOWN_TOOL,
  type ConnectionState,
  type ConnectMcpsOptions,
  connectMcps,
  type EventFilter,
  type EventHandler,
  type EventsOptions,
  LOG_LEVELS,
  type LogLevel,
  type McpsEvent,
  type McpsManager,
  type QualifiedTool,
  type RefreshToken,
  type ServerConnection,
  type ServerMetricsSnapshot,
  type ServerRequestContext,
  type ServerRequestHandlers,
  type ServerStatus,
} from "./client/index.js";
export {
  CONFIG_INVALID,
  CONFIG_NOT_FOUND,
  CONFIG_PARSE,
  CONFIG_READ_FAILED,
  type ConfigProblem,
  DEFAULT_DNS_CACHE_TTL_S,
  DEFAULT_MAX_RECONNECTS,
  DEFAULT_PING_INTERVAL_S,
  DEFAULT_POOL_CONNECTIONS,
  DEFAULT_POOL_CONNECTIONS_PER_HOST,
  DEFAULT_RATE_LIMIT_BACKOFF_S,
  DEFAULT_RECONNECT_INTERVAL_S,
  DEFAULT_SERVER_KIND,
  DEFAULT_TIMEOUT_S,
  DEFAULT_TOOL_SEPARATOR,
  isToolAllowed,
  loadConfig,
  type McpsConfig,
  type PoolConfig,
  parseConfig,
  type ServerConfig,
  type ServerKind,
  type TlsConfig,
  type TransportKind,
} from "./config/index.js";
export { isMcpSseError, McpSseError, redactUrl } from "./errors.js";
export { createJsonLogger, type Logger, redactHeaders, silentLogger } from "./logger.js";
export { MAX_TIMER_MS } from "./sse/backoff.js";
