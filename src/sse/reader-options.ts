import { McpSseError } from "../errors.js";
import {
  backoffDelay,
  DEFAULT_MAX_RETRY_DELAY_MS,
  DEFAULT_MIN_RETRY_DELAY_MS,
  DEFAULT_RETRY_JITTER,
  timerMs,
} from "./backoff.js";
import type { HttpResponse } from "./http-response.js";
import type { ReaderState, SseEvent } from "./types.js";

export { MAX_TIMER_MS, timerMs } from "./backoff.js";

/**
 * The event-stream reader's public option and handle types, its defaults (one named
 * constant each), and the check that turns options into settings, failing at once on a
 * value no timer or request could use.
 */

export { DEFAULT_MAX_RETRY_DELAY_MS, DEFAULT_MIN_RETRY_DELAY_MS, DEFAULT_RETRY_JITTER };
/** Time allowed from sending the request to the response headers. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Silence (no byte, not even a keep-alive comment) after which a connection is dead. */
export const DEFAULT_IDLE_TIMEOUT_MS = 45_000;
/** Consecutive failed reconnect attempts before giving up: never give up, like EventSource. */
export const DEFAULT_MAX_RECONNECT_ATTEMPTS = Number.POSITIVE_INFINITY;
/**
 * A connection that ends sooner than this after opening counts as a failed attempt for the
 * backoff: a server that closes every stream at once (with `retry: 0`) would otherwise be
 * reconnected to in a tight loop, since every open resets the count.
 */
export const DEFAULT_STABLE_CONNECTION_MS = 1_000;

export interface StreamStateChange {
  state: ReaderState;
  /** Consecutive failed attempts so far (`reconnecting`: the attempt about to be made). */
  attempt?: number;
  /** `reconnecting`: the wait before the attempt. */
  delayMs?: number;
  /** `reconnecting`: why the connection was lost; `closed`: why the reader gave up. */
  error?: McpSseError;
}

export interface RequestContext {
  /** 0 = the first connect; n = the n-th consecutive reconnect attempt. */
  attempt: number;
  /** The `Last-Event-ID` this request carries (`""`: none). */
  lastEventId: string;
}

type Awaitable<T> = T | Promise<T>;

export interface EventStreamReaderOptions {
  url: string | URL;
  /** Default `"GET"`. A function is evaluated before every attempt. */
  method?: string | ((ctx: RequestContext) => string);
  /** Extra headers, evaluated before EVERY attempt (e.g. to refresh a token). */
  headers?: Record<string, string> | ((ctx: RequestContext) => Awaitable<Record<string, string>>);
  /** Request body (Streamable HTTP opens streams with POST). */
  body?: string | ((ctx: RequestContext) => string | undefined);
  /**
   * An already-fetched response to read as attempt 0 instead of fetching (a POST answered
   * with `text/event-stream`). Reconnects then use `method`/`headers`/`body`.
   */
  initialResponse?: HttpResponse;
  /** Default `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch;
  /** Extra `RequestInit` fields, e.g. `{ dispatcher }` for undici. */
  fetchOptions?: Record<string, unknown>;
  /** Initial `Last-Event-ID` (resume a stream seen before). Default `""`. */
  lastEventId?: string;
  /** Reconnect after a lost connection. Default `true`. */
  reconnect?: boolean;
  /**
   * Consecutive failed reconnect attempts before giving up with
   * `SSE_RECONNECTS_EXHAUSTED`; any connection that opens resets this count (one that ends
   * within `stableConnectionMs` still counts for the backoff). Default
   * `DEFAULT_MAX_RECONNECT_ATTEMPTS` (Infinity). `0` = never reconnect.
   */
  maxAttempts?: number;
  /** Base of the backoff (replaced by the server's `retry:`). Default `DEFAULT_MIN_RETRY_DELAY_MS`. */
  minDelayMs?: number;
  /** Cap of the backoff, and of the server's `retry:`. Default `DEFAULT_MAX_RETRY_DELAY_MS`. */
  maxDelayMs?: number;
  /**
   * A connection that ends sooner than this after opening is a failed attempt (the backoff
   * keeps growing). Default `DEFAULT_STABLE_CONNECTION_MS`; `0` = every open resets the count.
   */
  stableConnectionMs?: number;
  /** Random share of each delay, 0..1 (0.5 equal jitter, 1 full jitter). Default `DEFAULT_RETRY_JITTER`. */
  jitter?: number;
  /** Random source for the jitter (tests). Default `Math.random`. */
  random?: () => number;
  /** Until response headers. Default `DEFAULT_CONNECT_TIMEOUT_MS`; `0` disables. */
  connectTimeoutMs?: number;
  /** No byte for this long = dead connection, reconnect. Default `DEFAULT_IDLE_TIMEOUT_MS`; `0` disables. */
  idleTimeoutMs?: number;
  /** Passed to the parser (largest event in bytes). */
  maxEventSize?: number;
  /** Abort = close for good. */
  signal?: AbortSignal;
  /** After status and content type were accepted, before the first byte is read. A throw is fatal. */
  onOpen?: (response: HttpResponse) => void | Promise<void>;
  onEvent: (event: SseEvent) => void;
  onComment?: (text: string) => void;
  onRetry?: (ms: number) => void;
  onStateChange?: (change: StreamStateChange) => void;
  /** Every failure: the ones about to be retried, the fatal one, and handler errors. */
  onError?: (error: McpSseError) => void;
  /** Veto a reconnect (e.g. 404 on a lost session). Only asked for retryable failures. */
  shouldReconnect?: (error: McpSseError) => boolean;
}

export interface EventStreamReader {
  readonly state: ReaderState;
  /** The last event ID string (also from blocks without data); sent as `Last-Event-ID`. */
  readonly lastEventId: string;
  /** Connections opened so far (status and content type accepted). */
  readonly openCount: number;
  /** Why the reader closed, when it closed on a failure. */
  readonly error: McpSseError | undefined;
  /** Resolves (never rejects) once closed and every timer and request is released. */
  readonly done: Promise<void>;
  close(): void;
  /**
   * Close once the current response ends on its own (no reconnect, nothing reported), or
   * after `graceMs` if it does not: for a stream that delivered what it was opened for.
   * Read to its end, the connection goes back to the pool; closed mid-body, it is aborted.
   */
  closeAtEnd(graceMs: number): void;
}

/** Options with every default applied and every number checked. */
export interface ReaderSettings {
  lastEventId: string;
  fetch: typeof globalThis.fetch;
  /** False when `reconnect: false` or `maxAttempts: 0`. */
  reconnect: boolean;
  maxAttempts: number;
  minDelayMs: number;
  maxDelayMs: number;
  stableConnectionMs: number;
  jitter: number;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
}

export function resolveSettings(options: EventStreamReaderOptions): ReaderSettings {
  checkUrl(options.url);
  const fetchFn = options.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== "function") {
    throw new McpSseError(
      "SSE_NO_FETCH",
      "No fetch implementation: pass options.fetch (e.g. undici's fetch) on this runtime",
    );
  }
  const maxAttempts = count("maxAttempts", options.maxAttempts, DEFAULT_MAX_RECONNECT_ATTEMPTS);
  return {
    lastEventId: checkedEventId(options.lastEventId ?? ""),
    fetch: fetchFn,
    reconnect: options.reconnect !== false && maxAttempts > 0,
    maxAttempts,
    minDelayMs: ms("minDelayMs", options.minDelayMs, DEFAULT_MIN_RETRY_DELAY_MS),
    maxDelayMs: ms("maxDelayMs", options.maxDelayMs, DEFAULT_MAX_RETRY_DELAY_MS),
    stableConnectionMs: ms(
      "stableConnectionMs",
      options.stableConnectionMs,
      DEFAULT_STABLE_CONNECTION_MS,
    ),
    jitter: fraction("jitter", options.jitter, DEFAULT_RETRY_JITTER),
    connectTimeoutMs: ms("connectTimeoutMs", options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    idleTimeoutMs: ms("idleTimeoutMs", options.idleTimeoutMs, DEFAULT_IDLE_TIMEOUT_MS),
  };
}

/**
 * The wait before reconnect attempt `attempt`. Retry-After (`retryAfterMs`) is the server's
 * word: used as is, not capped. A `retry:` field (`serverRetryMs`) is the server's
 * reconnection time (WHATWG): jitter may lengthen the wait after repeated failures, never
 * shorten it below what the server asked for. `retry: 0` is honoured for the first reconnect
 * only: later ones grow from at least minDelayMs, since 0 × 2^n stays 0 (a reconnect loop as
 * fast as the server answers).
 */
export function reconnectDelayMs(
  settings: Pick<ReaderSettings, "minDelayMs" | "maxDelayMs" | "jitter">,
  attempt: number,
  server: {
    serverRetryMs?: number | undefined;
    retryAfterMs?: number | undefined;
    random?: (() => number) | undefined;
  },
): number {
  const { serverRetryMs, retryAfterMs, random } = server;
  const base = serverRetryMs ?? settings.minDelayMs;
  const backoff = backoffDelay(attempt, {
    baseMs: attempt > 1 ? Math.max(base, settings.minDelayMs) : base,
    maxDelayMs: settings.maxDelayMs,
    jitter: settings.jitter,
    ...(random ? { random } : {}),
  });
  return timerMs(retryAfterMs ?? Math.max(backoff, serverRetryMs ?? 0));
}

function invalid(option: string, value: unknown, expected: string): McpSseError {
  return new McpSseError(
    "SSE_INVALID_OPTION",
    `options.${option} must be ${expected} (got ${String(value)})`,
    { details: { option } },
  );
}

/** A time in ms: finite and >= 0; longer than a timer can wait is capped at `MAX_TIMER_MS`. */
function ms(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw invalid(option, value, "a time in ms >= 0");
  return timerMs(value);
}

/** A count: an integer >= 0 or Infinity. */
function count(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (Number.isNaN(value) || value < 0 || (Number.isFinite(value) && !Number.isInteger(value)))
    throw invalid(option, value, "an integer >= 0 or Infinity");
  return value;
}

function fraction(option: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value >= 0 && value <= 1)) throw invalid(option, value, "a number from 0 to 1");
  return value;
}

/** Fail at once on a URL fetch can never take (relative URLs resolve against the page). */
function checkUrl(url: string | URL): void {
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  try {
    new URL(String(url), base);
  } catch (cause) {
    // The text is not echoed: a malformed URL may still carry a credential.
    throw new McpSseError("SSE_INVALID_OPTION", "options.url is not a valid URL", {
      cause,
      details: { option: "url" },
    });
  }
}

/** An ID with CR, LF or NUL can never come from a stream and cannot go in a header. */
function checkedEventId(id: string): string {
  if (/[\r\n\0]/.test(id)) {
    throw new McpSseError(
      "SSE_INVALID_OPTION",
      "options.lastEventId must not contain CR, LF or NUL",
      { details: { option: "lastEventId" } },
    );
  }
  return id;
}
