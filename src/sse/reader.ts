import { isMcpSseError, McpSseError, redactUrl } from "../errors.js";
import { backoffDelay } from "./backoff.js";
import {
  asReaderError,
  badContentTypeError,
  buildHeaders,
  describeCause,
  httpStatusError,
  ignoreCancelFailure,
  isEventStreamType,
  isRetryableStatus,
  readBodySnippet,
  scrubValues,
  secretValuesOf,
} from "./reader-http.js";
import {
  type EventStreamReader,
  type EventStreamReaderOptions,
  type ReaderSettings,
  type RequestContext,
  resolveSettings,
  type StreamStateChange,
  timerMs,
} from "./reader-options.js";
import { createConnectionParser } from "./reader-parser.js";
import { type IdleWatch, untilAborted, watchIdle } from "./reader-timers.js";
import type { ReaderState } from "./types.js";

/**
 * A reconnecting event-stream reader over `fetch`, like the browser's `EventSource` but
 * with any method, headers and body, timeouts, and a bounded retry policy. It follows the
 * HTML spec's "server-sent events" processing model: `Last-Event-ID` on reconnect,
 * `retry:` sets the reconnection time, 204 stops for good, a wrong content type fails.
 * Runtime-agnostic: no `node:` imports (the Node client passes undici's fetch).
 */

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
} from "./reader-options.js";

/**
 * The abort reason of an attempt closed by `close()`: built once, on first use, and shared.
 * A fresh error (with its stack trace) on every normal end of a stream showed up in the
 * profile; the reason never reaches a caller (a closed reader reports `stop`), so one will do.
 */
let sharedClosedReason: McpSseError | undefined;
function closedReason(): McpSseError {
  sharedClosedReason ??= new McpSseError("SSE_CLOSED", "Event stream reader closed");
  return sharedClosedReason;
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
  /** Header values of the latest request, scrubbed from error bodies that echo them. */
  private sentSecrets: string[] = [];
  /** The server's `retry:` value: replaces `minDelayMs` as the backoff base. */
  private serverRetryMs: number | undefined;
  /** Aborts the current attempt (fetch + body) when closing. */
  private abortAttempt: ((reason: McpSseError | undefined) => void) | undefined;
  /** Wakes the backoff sleep when closing. */
  private wake: (() => void) | undefined;
  private readonly settings: ReaderSettings;

  constructor(private readonly options: EventStreamReaderOptions) {
    this.settings = resolveSettings(options);
    this.lastEventId = this.settings.lastEventId;
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
    done = this.run()
      .catch((cause: unknown) => {
        // A bug in the loop itself: close with it rather than reject `done` (documented as
        // never rejecting) or hang.
        const error = asReaderError(cause, "SSE_INTERNAL", options.url);
        this.report(error);
        this.finish(error);
      })
      .finally(() => signal?.removeEventListener("abort", onAbort));
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
    const o = this.options;
    if (this.closed) {
      // Closed before the first attempt: release a response handed to us.
      o.initialResponse?.body?.cancel().catch(ignoreCancelFailure);
      return;
    }
    const { reconnect, maxAttempts } = this.settings;
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
      // Retry-After (outcome.delayMs) is the server's word: used as is, not capped. A
      // `retry:` field is the server's reconnection time (WHATWG): jitter may lengthen the
      // wait after repeated failures, never shorten it below what the server asked for.
      const backoff = backoffDelay(attempt, {
        baseMs: this.serverRetryMs ?? this.settings.minDelayMs,
        maxDelayMs: this.settings.maxDelayMs,
        jitter: this.settings.jitter,
        ...(o.random ? { random: o.random } : {}),
      });
      const delayMs = timerMs(outcome.delayMs ?? Math.max(backoff, this.serverRetryMs ?? 0));
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
      controller.abort(reason ?? closedReason());
      // Cancelling ends a pending read() also for `initialResponse`, fetched elsewhere.
      body?.cancel(reason).catch(ignoreCancelFailure);
    };
    this.abortAttempt = abort;
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    let idle: IdleWatch | undefined;
    const { connectTimeoutMs } = this.settings;
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
        const error = httpStatusError(o.url, response, scrubValues(snippet, this.sentSecrets));
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
      if (o.onOpen) {
        // Still under the connect timeout, and abortable: a hung onOpen must not hang close().
        try {
          await untilAborted(Promise.resolve(o.onOpen(response)), controller.signal);
        } catch (cause) {
          response.body?.cancel().catch(ignoreCancelFailure);
          if (this.closed) return { kind: "stop" };
          if (timedOut) return { kind: "retry", error: timedOut };
          return { kind: "fatal", error: asReaderError(cause, "SSE_OPEN_REJECTED", o.url) };
        }
      }
      clearTimeout(connectTimer);
      if (this.closed) {
        response.body?.cancel().catch(ignoreCancelFailure);
        return { kind: "stop" };
      }
      this.openCount += 1;
      this.setState({ state: "open" });
      if (response.body === null) return this.ended();
      body = response.body.getReader();
      const parser = this.createConnectionParser();
      const { idleTimeoutMs } = this.settings;
      idle = watchIdle(idleTimeoutMs, () =>
        abort(
          new McpSseError(
            "SSE_IDLE_TIMEOUT",
            `Event stream ${redactUrl(o.url)}: no data for ${idleTimeoutMs} ms, reconnecting (a server should send a keep-alive comment more often)`,
            { details: { timeoutMs: idleTimeoutMs } },
          ),
        ),
      );
      for (;;) {
        const { done, value } = await body.read();
        if (done || this.closed || timedOut) break;
        idle.touch();
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
      if (isMcpSseError(cause, "SSE_INVALID_OPTION")) return { kind: "fatal", error: cause };
      if (cause instanceof McpSseError) return { kind: "retry", error: cause };
      return {
        kind: "retry",
        error: new McpSseError(
          "SSE_NETWORK",
          `Event stream ${redactUrl(o.url)}: network error: ${describeCause(cause)} (will retry)`,
          { cause },
        ),
      };
    } finally {
      clearTimeout(connectTimer);
      idle?.stop();
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
      // Abortable: a token refresh that hangs is cut by the connect timeout or close().
      const custom =
        typeof o.headers === "function"
          ? await untilAborted(Promise.resolve(o.headers(ctx)), signal)
          : o.headers;
      const body = typeof o.body === "function" ? o.body(ctx) : o.body;
      if (body !== undefined && /^(GET|HEAD)$/i.test(method)) {
        // fetch would throw a TypeError that looks like a network failure, forever.
        throw new McpSseError(
          "SSE_INVALID_OPTION",
          `Event stream ${redactUrl(o.url)}: a ${method} request cannot have a body (attempt ${attempt})`,
          { details: { option: "body" } },
        );
      }
      this.sentSecrets = secretValuesOf(custom);
      init = {
        // A redirect is not followed: fetch would carry every custom header (an API key)
        // to wherever it points, stripping only Authorization across origins.
        redirect: "manual",
        ...o.fetchOptions,
        method,
        headers: buildHeaders(custom, this.lastEventId),
        signal,
        ...(body === undefined ? {} : { body }),
      };
    } catch (cause) {
      throw asReaderError(cause, "SSE_REQUEST_SETUP", o.url);
    }
    return await this.settings.fetch(o.url, init);
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
          `Event stream ${redactUrl(this.options.url)}: ${name} handler threw: ${describeCause(cause)}`,
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
          `Event stream ${redactUrl(this.options.url)}: shouldReconnect threw: ${describeCause(cause)}; not reconnecting`,
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
