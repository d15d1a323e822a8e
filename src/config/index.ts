/** The config layer: load, interpolate, validate and normalize `mcps` files and objects. */
export {
  DEFAULT_DNS_CACHE_TTL_S,
  DEFAULT_ENABLED,
  DEFAULT_MAX_CALL_TIME_FACTOR,
  DEFAULT_MAX_RECONNECTS,
  DEFAULT_PING_INTERVAL_S,
  DEFAULT_POOL_CONNECTIONS,
  DEFAULT_POOL_CONNECTIONS_PER_HOST,
  DEFAULT_RATE_LIMIT_BACKOFF_S,
  DEFAULT_RECONNECT_INTERVAL_S,
  DEFAULT_SERVER_KIND,
  DEFAULT_TIMEOUT_S,
  DEFAULT_TLS_INSECURE,
  DEFAULT_TOOL_SEPARATOR,
  MAX_TIMER_S,
  OBJECT_SOURCE,
  SERVER_NAME_PATTERN,
} from "./defaults.js";
export { type Env, interpolateString } from "./interpolate.js";
export {
  type ConfigFormat,
  type LoadConfigOptions,
  loadConfig,
  type ParseConfigOptions,
  parseConfig,
} from "./load.js";
export {
  CONFIG_INVALID,
  CONFIG_NOT_FOUND,
  CONFIG_PARSE,
  CONFIG_READ_FAILED,
  type ConfigProblem,
} from "./problems.js";
export { isToolAllowed, matchesToolPattern } from "./tools.js";
export type {
  McpsConfig,
  PoolConfig,
  ServerConfig,
  ServerKind,
  TlsConfig,
  TransportKind,
} from "./types.js";
