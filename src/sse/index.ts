/**
 * `mcp-sse/sse`: the Server-Sent Events wire layer — a streaming parser, the encoder that
 * writes every frame, and a reconnecting event-stream reader over `fetch`. Runtime-agnostic
 * (no `node:` imports). Explicit exports only.
 */
export { MAX_TIMER_MS } from "./backoff.js";
export { encodeComment, encodeEvent } from "./encoder.js";
export type { HttpFetch, HttpResponse } from "./http-response.js";
export type { SseParser } from "./parser.js";
export { createParser, DEFAULT_MAX_EVENT_SIZE } from "./parser.js";
export { openEventStream } from "./reader.js";
export type {
  EventStreamReader,
  EventStreamReaderOptions,
  RequestContext,
  StreamStateChange,
} from "./reader-options.js";
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_RECONNECT_ATTEMPTS,
  DEFAULT_MAX_RETRY_DELAY_MS,
  DEFAULT_MIN_RETRY_DELAY_MS,
  DEFAULT_RETRY_JITTER,
  DEFAULT_STABLE_CONNECTION_MS,
} from "./reader-options.js";
export type {
  EventStreamParser,
  ParserCallbacks,
  ReaderState,
  SseEvent,
  SseFrame,
} from "./types.js";
