import { McpSseError, redactUrl } from "../errors.js";
import {
  backoffDelay,
  DEFAULT_MAX_RETRY_DELAY_MS,
  DEFAULT_MIN_RETRY_DELAY_MS,
  DEFAULT_RETRY_JITTER,
} from "./backoff.js";
import {
  badContentTypeError,
  buildHeaders,
  httpStatusError,
  ignoreCancelFailure,
  isEventStreamType,
  isRetryableStatus,
  readBodySnippet,
} from "./reader-http.js";
import { createConnectionParser } from "./reader-parser.js";
import type { ReaderState, SseEvent } from "./types.js";

/**
 * A reconnecting event-stream reader over `fetch`, like the browser's `EventSource` but
 * with any method, headers and body, timeouts, and a bounded retry policy. It follows the
 * HTML spec's "server-sent events" processing model: `Last-Event-ID` on reconnect,
 * `retry:` sets the reconnection time, 204 stops for good, a wrong content type fails.
 * Runtime-agnostic: no `node:` imports (the Node client passes undici's fetch).
 */

export { DEFAULT_MAX_RETRY_DELAY_MS, DEFAULT_MIN_RETRY_DELAY_MS, DEFAULT_RETRY_JITTER };
/** Time allowed from sending the request to the response headers. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Silence (no byte, not even a keep-alive comment) after which a connection is dead. */
export const DEFAULT_IDLE_TIMEOUT_MS = 45_000;
/** Consecutive failed reconnect attempts before giving up: never give up, like EventSource. */
export const DEFAULT_MAX_RECONNECT_ATTEMPTS = Number.POSITIVE_INFINITY;

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
  initialResponse?: Response;
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
   * `SSE_RECONNECTS_EXHAUSTED`; a successful open resets the count. Default
   * `DEFAULT_MAX_RECONNECT_ATTEMPTS` (Infinity). `0` = never reconnect.
   */
  maxAttempts?: number;
  /** Base of the backoff (replaced by the server's `retry:`). Default `DEFAULT_MIN_RETRY_DELAY_MS`. */
  minDelayMs?: number;
  /** Cap of the backoff. Default `DEFAULT_MAX_RETRY_DELAY_MS`. */
  maxDelayMs?: number;
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
  onOpen?: (response: Response) => void | Promise<void>;
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
}

/** How one connection attempt ended. */
type Outcome =
  | { kind: "stop" }
  | { kind: "fatal"; error: McpSseError }
  | { kind: "retry"; error: McpSseError; delayMs?: number };

export function openEventStream(options: EventStreamReaderOptions): EventStreamReader {
  return new Reader(options).handle;
}

class Reader {
  readonly handle: EventStreamReader;
  private state: ReaderState = "connecting";
  private lastEventId: string;
  private openCount = 0;
  private error: McpSseError | undefined;
  private closed = false;
  /** The server's `retry:` value: replaces `minDelayMs` as the backoff base. */
  private serverRetryMs: number | undefined;
  /** Aborts the current attempt (fetch + body) when closing. */
  private abortAttempt: ((reason: McpSseError | undefined) => void) | undefined;
  /** Wakes the backoff sleep when closing. */
  private wake: (() => void) | undefined;
  private readonly fetchFn: typeof globalThis.fetch;

  constructor(private readonly options: EventStreamReaderOptions) {
    checkUrl(options.url);
    this.lastEventId = checkedEventId(options.lastEventId ?? "");
    const fetchFn = options.fetch ?? globalThis.fetch;
    if (typeof fetchFn !== "function") {
      throw new McpSseError(
        "SSE_NO_FETCH",
        "No fetch implementation: pass options.fetch (e.g. undici's fetch) on this runtime",
      );
    }
    this.fetchFn = fetchFn;
    const self = this;
    let done: Promise<void>;
    this.handle = {
      get state() {
        return self.state;
      },
      get lastEventId() {
        return self.lastEventId;
      },
      get openCount() {
        return self.openCount;
      },
      get error() {
        return self.error;
      },
      get done() {
        return done;
      },
      close: () => this.close(),
    };
    const signal = options.signal;
    const onAbort = () => this.close();
    signal?.addEventListener("abort", onAbort, { once: true });
    done = this.run().finally(() => signal?.removeEventListener("abort", onAbort));
    if (signal?.aborted) this.close();
  }

  close(): void {
    this.finish(undefined);
  }

  /** Enter `closed` once: abort what is in flight and report the final change. */
  private finish(error: McpSseError | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.error = error;
    this.abortAttempt?.(undefined);
    this.wake?.();
    this.setState(error === undefined ? { state: "closed" } : { state: "closed", error });
  }

  private setState(change: StreamStateChange): void {
    this.state = change.state;
    this.call("onStateChange", () => this.options.onStateChange?.(change));
  }

  private async run(): Promise<void> {
    // Let openEventStream return before the first callback runs.
    await Promise.resolve();
    if (this.closed) return;
    const o = this.options;
    const reconnect = o.reconnect !== false && (o.maxAttempts ?? 1) > 0;
    const maxAttempts = o.maxAttempts ?? DEFAULT_MAX_RECONNECT_ATTEMPTS;
    this.setState({ state: "connecting", attempt: 0 });
    let attempt = 0;
    let initial = o.initialResponse;
    while (!this.closed) {
      const openedBefore = this.openCount;
      const outcome = await this.connect(attempt, initial);
      initial = undefined;
      if (this.closed) return;
      // A connection that opened resets the count of consecutive failures.
      if (this.openCount > openedBefore) attempt = 0;
      if (outcome.kind === "stop") return this.finish(undefined);
      const error = outcome.error;
      if (outcome.kind === "fatal") {
        this.report(error);
        return this.finish(error);
      }
      if (!reconnect) {
        // Without reconnection a stream that simply ended is a normal close.
        if (error.code === "SSE_STREAM_ENDED") return this.finish(undefined);
        this.report(error);
        return this.finish(error);
      }
      this.report(error);
      if (this.closed) return;
      if (o.shouldReconnect && !this.ask(o.shouldReconnect, error)) return this.finish(error);
      attempt += 1;
      if (attempt > maxAttempts) {
        const exhausted = new McpSseError(
          "SSE_RECONNECTS_EXHAUSTED",
          `Event stream ${redactUrl(o.url)}: gave up after ${maxAttempts} failed reconnect attempt(s); last error: ${error.message}`,
          { cause: error, details: { attempts: maxAttempts, lastCode: error.code } },
        );
        this.report(exhausted);
        return this.finish(exhausted);
      }
      const delayMs =
        outcome.delayMs ??
        backoffDelay(attempt, {
          baseMs: this.serverRetryMs ?? o.minDelayMs ?? DEFAULT_MIN_RETRY_DELAY_MS,
          maxDelayMs: o.maxDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS,
          jitter: o.jitter ?? DEFAULT_RETRY_JITTER,
          ...(o.random ? { random: o.random } : {}),
        });
      this.setState({ state: "reconnecting", attempt, delayMs, error });
      await this.sleep(delayMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** One attempt: request, check the answer, read the stream until it ends or fails. */
  private async connect(attempt: number, initial: Response | undefined): Promise<Outcome> {
    const o = this.options;
    const controller = new AbortController();
    let timedOut: McpSseError | undefined;
    let body: ReadableStreamDefaultReader<Uint8Array> | undefined;
    const abort = (reason: McpSseError | undefined) => {
      timedOut ??= reason;
      controller.abort(reason ?? new McpSseError("SSE_CLOSED", "Event stream reader closed"));
      // Cancelling ends a pending read() also for `initialResponse`, fetched elsewhere.
      body?.cancel(reason).catch(ignoreCancelFailure);
    };
    this.abortAttempt = abort;
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const connectTimeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    if (connectTimeoutMs > 0 && initial === undefined) {
      connectTimer = setTimeout(() => {
        abort(
          new McpSseError(
            "SSE_CONNECT_TIMEOUT",
            `Event stream ${redactUrl(o.url)}: no response headers within ${connectTimeoutMs} ms (will retry)`,
            { details: { timeoutMs: connectTimeoutMs } },
          ),
        );
      }, connectTimeoutMs);
    }
    try {
      const response = initial ?? (await this.request(attempt, controller.signal));
      if (response.status === 204) {
        // HTML spec: 204 No Content tells the client to stop reconnecting.
        response.body?.cancel().catch(ignoreCancelFailure);
        return { kind: "stop" };
      }
      if (!response.ok) {
        const snippet = await readBodySnippet(response, controller.signal);
        if (this.closed) return { kind: "stop" };
        if (timedOut) return { kind: "retry", error: timedOut };
        const error = httpStatusError(o.url, response, snippet);
        if (!isRetryableStatus(response.status)) return { kind: "fatal", error };
        const retryAfterMs = error.details.retryAfterMs;
        return typeof retryAfterMs === "number"
          ? { kind: "retry", error, delayMs: retryAfterMs }
          : { kind: "retry", error };
      }
      if (!isEventStreamType(response.headers.get("content-type"))) {
        response.body?.cancel().catch(ignoreCancelFailure);
        return { kind: "fatal", error: badContentTypeError(o.url, response) };
      }
      clearTimeout(connectTimer);
      if (o.onOpen) {
        try {
          await o.onOpen(response);
        } catch (cause) {
          response.body?.cancel().catch(ignoreCancelFailure);
          return { kind: "fatal", error: asReaderError(cause, "SSE_OPEN_REJECTED", o.url) };
        }
      }
      if (this.closed) {
        response.body?.cancel().catch(ignoreCancelFailure);
        return { kind: "stop" };
      }
      this.openCount += 1;
      this.setState({ state: "open" });
      if (response.body === null) return this.ended();
      body = response.body.getReader();
      const parser = this.createConnectionParser();
      const idleTimeoutMs = o.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
      let lastByteAt = Date.now();
      if (idleTimeoutMs > 0) {
        // One timer per connection, re-armed lazily: cheaper than resetting it per chunk.
        const check = () => {
          const silentMs = Date.now() - lastByteAt;
          if (silentMs < idleTimeoutMs) {
            idleTimer = setTimeout(check, idleTimeoutMs - silentMs);
            return;
          }
          abort(
            new McpSseError(
              "SSE_IDLE_TIMEOUT",
              `Event stream ${redactUrl(o.url)}: no data for ${idleTimeoutMs} ms, reconnecting (a server should send a keep-alive comment more often)`,
              { details: { timeoutMs: idleTimeoutMs } },
            ),
          );
        };
        idleTimer = setTimeout(check, idleTimeoutMs);
      }
      for (;;) {
        const { done, value } = await body.read();
        if (done || this.closed || timedOut) break;
        lastByteAt = Date.now();
        parser.feed(value);
        this.lastEventId = parser.committedId;
        if (this.closed) break;
      }
      if (this.closed) return { kind: "stop" };
      if (timedOut) return { kind: "retry", error: timedOut };
      return this.ended();
    } catch (cause) {
      if (this.closed) return { kind: "stop" };
      if (timedOut) return { kind: "retry", error: timedOut };
      if (cause instanceof McpSseError) return { kind: "retry", error: cause };
      return {
        kind: "retry",
        error: new McpSseError(
          "SSE_NETWORK",
          `Event stream ${redactUrl(o.url)}: network error: ${describe(cause)} (will retry)`,
          { cause },
        ),
      };
    } finally {
      clearTimeout(connectTimer);
      clearTimeout(idleTimer);
      if (this.abortAttempt === abort) this.abortAttempt = undefined;
      // Release the connection when we stopped reading before the end (idle, close).
      body?.cancel().catch(ignoreCancelFailure);
    }
  }

  private ended(): Outcome {
    return {
      kind: "retry",
      error: new McpSseError(
        "SSE_STREAM_ENDED",
        `Event stream ${redactUrl(this.options.url)}: the server ended the stream`,
      ),
    };
  }

  /** Build and send the request of one attempt. */
  private async request(attempt: number, signal: AbortSignal): Promise<Response> {
    const o = this.options;
    const ctx: RequestContext = { attempt, lastEventId: this.lastEventId };
    let init: RequestInit;
    try {
      const method = typeof o.method === "function" ? o.method(ctx) : (o.method ?? "GET");
      const custom = typeof o.headers === "function" ? await o.headers(ctx) : o.headers;
      const body = typeof o.body === "function" ? o.body(ctx) : o.body;
      init = {
        ...o.fetchOptions,
        method,
        headers: buildHeaders(custom, this.lastEventId),
        signal,
        ...(body === undefined ? {} : { body }),
      };
    } catch (cause) {
      throw asReaderError(cause, "SSE_REQUEST_SETUP", o.url);
    }
    return await this.fetchFn(o.url, init);
  }

  /** The parser of one connection (see reader-parser.ts for how IDs persist). */
  private createConnectionParser() {
    const o = this.options;
    return createConnectionParser(this.lastEventId, {
      onEvent: (event) => {
        // close() from a handler stops the events still queued in the same chunk.
        if (this.closed) return;
        this.lastEventId = event.lastEventId;
        this.call("onEvent", () => o.onEvent(event));
      },
      onRetry: (ms) => {
        if (this.closed) return;
        this.serverRetryMs = ms;
        this.call("onRetry", () => o.onRetry?.(ms));
      },
      onComment: (text) => {
        if (!this.closed) this.call("onComment", () => o.onComment?.(text));
      },
      onError: (error) => this.report(asReaderError(error, "SSE_PARSE", o.url)),
      ...(o.maxEventSize === undefined ? {} : { maxEventSize: o.maxEventSize }),
    });
  }

  /** Run a user callback; a throw is reported (`SSE_HANDLER_FAILED`), never breaks the stream. */
  private call(name: string, fn: () => void): void {
    try {
      fn();
    } catch (cause) {
      this.report(
        new McpSseError(
          "SSE_HANDLER_FAILED",
          `Event stream ${redactUrl(this.options.url)}: ${name} handler threw: ${describe(cause)}`,
          { cause, details: { handler: name } },
        ),
      );
    }
  }

  private ask(fn: (error: McpSseError) => boolean, error: McpSseError): boolean {
    try {
      return fn(error);
    } catch (cause) {
      this.report(
        new McpSseError(
          "SSE_HANDLER_FAILED",
          `Event stream ${redactUrl(this.options.url)}: shouldReconnect threw: ${describe(cause)}; not reconnecting`,
          { cause, details: { handler: "shouldReconnect" } },
        ),
      );
      return false;
    }
  }

  private report(error: McpSseError): void {
    const onError = this.options.onError;
    if (!onError) return;
    try {
      onError(error);
    } catch (thrown) {
      // The error handler itself failed: surface it like an uncaught exception instead of
      // losing it, without breaking the read loop.
      queueMicrotask(() => {
        throw thrown;
      });
    }
  }
}

function asReaderError(cause: unknown, code: string, url: string | URL): McpSseError {
  if (cause instanceof McpSseError) return cause;
  return new McpSseError(code, `Event stream ${redactUrl(url)}: ${describe(cause)}`, { cause });
}

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  // undici's "fetch failed" TypeError hides the useful part (ECONNREFUSED, …) in `cause`.
  const inner = (cause as { cause?: unknown }).cause;
  return inner instanceof Error ? `${cause.message} (${inner.message})` : cause.message;
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
