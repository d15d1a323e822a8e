/**
 * Public types of the SSE wire layer (`mcp-sse/sse`). This layer knows nothing of MCP,
 * sockets or Node: it must run in a browser too (no `node:` imports).
 */

/** One dispatched event, with WHATWG semantics. */
export interface SseEvent {
  /** The `event:` field, or `"message"` when the stream gave none. */
  type: string;
  data: string;
  /** The last event ID at dispatch time (persists across events; `""` when none). */
  lastEventId: string;
}

export interface ParserCallbacks {
  onEvent: (event: SseEvent) => void;
  /** A valid `retry:` field (digits only), in milliseconds. */
  onRetry?: (ms: number) => void;
  /** A comment line (`: text`), without the colon and one leading space. */
  onComment?: (comment: string) => void;
  /** A typed error (`McpSseError`, e.g. code `SSE_EVENT_TOO_LARGE`); the parser keeps going. */
  onError?: (error: Error) => void;
  /**
   * Largest event (its data, type and id fields, in UTF-8 bytes) to buffer. An event over
   * it is reported once to `onError` and dropped; memory stays bounded. Default
   * `DEFAULT_MAX_EVENT_SIZE`; `0` disables the limit.
   */
  maxEventSize?: number;
}

export interface EventStreamParser {
  /** Feed text or UTF-8 bytes; events are dispatched synchronously as their blank line arrives. */
  feed(chunk: string | Uint8Array): void;
  /** Forget all state (pending event, partial line, decoder, BOM) as at a new connection. */
  reset(): void;
}

/** What the encoder writes. */
export interface SseFrame {
  /** Event type; `undefined` writes no `event:` line. Must not contain CR, LF or NUL. */
  event?: string;
  /** Data; multi-line data becomes several `data:` lines. `undefined` writes no data line. */
  data?: string;
  /** Event id; must not contain CR, LF or NUL. */
  id?: string;
  /** Reconnection time in ms (a non-negative integer). */
  retry?: number;
}

/** Reader connection states, in the order a caller sees them. */
export type ReaderState = "connecting" | "open" | "reconnecting" | "closed";
