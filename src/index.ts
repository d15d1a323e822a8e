/**
 * `mcp-sse`: connect an agent to many MCP servers from one config file.
 * Runtime-agnostic at import time: Node-only pieces (file reading, undici pools, stdio)
 * are loaded lazily when a config asks for them.
 */
export {
  type CallOptions,
  CLIENT_ABORTED,
  CLIENT_CLOSED,
  CLIENT_CONNECTION_LOST,
  CLIENT_EVENT_DECRYPT,
  CLIENT_INVALID_OPTION,
  CLIENT_NO_ROOTS_HANDLER,
  CLIENT_NOT_READY,
  CLIENT_REFRESH_FAILED,
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
  MAX_CALL_TIMEOUT_MS,
  type McpsEvent,
  type McpsManager,
  type QualifiedTool,
  type RefreshToken,
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
  DEFAULT_MAX_RECONNECTS,
  DEFAULT_PING_INTERVAL_S,
  DEFAULT_RECONNECT_INTERVAL_S,
  DEFAULT_TIMEOUT_S,
  DEFAULT_TOOL_SEPARATOR,
  isToolAllowed,
  loadConfig,
  type McpsConfig,
  parseConfig,
  type ServerConfig,
  type TlsConfig,
  type TransportKind,
} from "./config/index.js";
export { isMcpSseError, McpSseError, redactUrl } from "./errors.js";
export { createJsonLogger, type Logger, redactHeaders, silentLogger } from "./logger.js";
