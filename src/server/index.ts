/** `mcp-sse/server`: host any MCP server over legacy SSE and Streamable HTTP. */

export { isMcpSseError, McpSseError } from "../errors.js";

export type { MemoryBackendOptions } from "./backends/memory.js";
export {
  createMemoryBackend,
  DEFAULT_EVENT_LOG_BYTES,
  DEFAULT_EVENT_LOG_SIZE,
  MEMORY_REPLICA_ID,
} from "./backends/memory.js";
export type {
  EventLogEntry,
  ReadAfterResult,
  ServerBackend,
  SessionRecord,
  SessionTransportKind,
} from "./backends/types.js";
export { formatEventId, parseEventId } from "./backends/types.js";
export { DEFAULT_FORWARD_TIMEOUT_MS, DEFAULT_OWNER_CHECK_MS } from "./cluster.js";
export {
  createDemoServer,
  DATA_UPDATE_EVENT,
  type DataUpdateEvent,
  DEFAULT_DATA_UPDATE_INTERVAL_MS,
  type DemoServerOptions,
} from "./demo.js";
export {
  DEFAULT_FEED_LOG_BYTES,
  DEFAULT_FEED_LOG_SIZE,
  DEFAULT_MAX_FEED_SUBSCRIBERS,
  EventFeed,
  type EventFeedOptions,
  FEED_REPLAY_GAP_CODE,
} from "./feed.js";
export { DEFAULT_RPC_TIMEOUT_MS } from "./feed-rpc.js";
export type { McpHttpHandler } from "./handler.js";
export { createMcpHttpHandler } from "./handler.js";
export type { ServerMetrics } from "./metrics.js";
export {
  type NodeHandler,
  type NodeListenerOptions,
  toMiddleware,
  toNodeListener,
} from "./node.js";
export type { ServeHandle, ServeOptions } from "./serve.js";
export { serve } from "./serve.js";
export { DEFAULT_KEEPALIVE_MS, DEFAULT_MAX_BUFFERED_BYTES } from "./sse-stream.js";
export {
  createStdioServerFactory,
  DEFAULT_STDIO_KILL_GRACE_MS,
  type StdioServerOptions,
  type StdioSessionServer,
} from "./stdio-bridge.js";
export { REPLAY_GAP_CODE } from "./stream-slot.js";
export { DEFAULT_POLL_RETRY_MS, MAX_UNDELIVERED_STANDALONE } from "./streamable-transport.js";
export type {
  AuthOptions,
  FeedOptions,
  McpHttpHandlerOptions,
  Principal,
  ServerLike,
} from "./types.js";
export {
  DEFAULT_FEED_PATH,
  DEFAULT_FEED_RPC_PATH,
  DEFAULT_GZIP_MIN_BYTES,
  DEFAULT_HOST,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_PORT,
  DEFAULT_RETRY_AFTER_SECONDS,
  DEFAULT_SERVER_KEEP_ALIVE_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
} from "./types.js";
