import { isMcpSseError, McpSseError } from "../errors.js";
import type { HttpResponse } from "./http-response.js";
import {
  closedReason,
  connectTimeoutError,
  handlerFailedError,
  idleTimeoutError,
  networkError,
  reconnectsExhaustedError,
  streamEndedError,
} from "./reader-errors.js";
import {
  asReaderError,
  badContentTypeError,
  httpStatusError,
  ignoreCancelFailure,
  isEventStreamType,
  isRetryableStatus,
  readBodySnippet,
  scrubValues,
} from "./reader-http.js";
import {
  type EventStreamReader,
  type EventStreamReaderOptions,
  type ReaderSettings,
  type RequestContext,
  reconnectDelayMs,
  resolveSettings,
  type StreamStateChange,
} from "./reader-options.js";
import { createConnectionParser } from "./reader-parser.js";
import { prepareAttempt } from "./reader-request.js";
import { type IdleWatch, untilAborted, wakeableSleep, watchIdle } from "./reader-timers.js";
import type { ReaderState } from "./types.js";

/**
 * A reconnecting event-stream reader over `fetch`, like the browser's `EventSource` but
 * with any method, headers and body, timeouts, and a bounded retry policy. It follows the
 * HTML spec's "server-sent events" processing model: `Last-Event-ID` on reconnect,
 * `retry:` sets the reconnection time, 204 stops for good, a wrong content type fails.
 * Runtime-agnostic: no `node:` imports (the Node client passes undici's fetch).
 */

/** How one connection attempt ended. */
type Outcome =
  | { kind: "stop" }
  | { kind: "fatal"; error: McpSseError }
  | { kind: "retry"; error: McpSseError; delayMs?: number };
const STOP: Outcome = { kind: "stop" };

/** One connection attempt: its abort controller, its body once open, the timer that cut it. */
interface AttemptState {
  controller: AbortController;
  /** Set by the connect or idle timer that aborted the attempt: it is then retried. */
  timedOut: McpSseError | undefined;
  body?: ReadableStreamDefaultReader<Uint8Array>;
}

export function openEventStream(options: EventStreamReaderOptions): EventStreamReader {
  return new Reader(options).handle;
}

class Reader {
  readonly handle: EventStreamReader;
  private state: ReaderState = "connecting";
  private lastEventId: string;
  private openCount = 0;
  /** `performance.now()` when the latest connection opened. */
  private openedAt = 0;
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
  /** `closeAtEnd`: the end of the current response closes the reader; the grace timer. */
  private endTimer: ReturnType<typeof setTimeout> | undefined;
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
      closeAtEnd: (graceMs) => {
        if (self.closed || self.endTimer !== undefined) return;
        self.endTimer = setTimeout(() => self.close(), graceMs);
      },
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
    clearTimeout(this.endTimer);
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
    // `attempt` drives the backoff; `failures` (attempts in a row that never opened) the
    // give-up count: a server that ends every stream at once is paced, not given up on.
    let attempt = 0;
    let failures = 0;
    let initial = o.initialResponse;
    while (!this.closed) {
      const openedBefore = this.openCount;
      const outcome = await this.connect(attempt, initial);
      initial = undefined;
      if (this.closed) return;
      // A connection that stayed open resets the count of consecutive failures; one that
      // ended at once (a server closing every stream) does not, so the backoff still grows.
      if (this.openCount > openedBefore) {
        failures = 0;
        if (this.stayedOpen()) attempt = 0;
      }
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
      failures += 1;
      if (failures > maxAttempts) {
        const exhausted = reconnectsExhaustedError(o.url, maxAttempts, error);
        this.report(exhausted);
        return this.finish(exhausted);
      }
      const delayMs = reconnectDelayMs(this.settings, attempt, {
        serverRetryMs: this.serverRetryMs,
        retryAfterMs: outcome.delayMs,
        random: o.random,
      });
      this.setState({ state: "reconnecting", attempt, delayMs, error });
      await this.sleep(delayMs);
    }
  }

  private stayedOpen(): boolean {
    return performance.now() - this.openedAt >= this.settings.stableConnectionMs;
  }

  /** Wait `ms`, or less when closing (`finish` calls `wake`). */
  private async sleep(ms: number): Promise<void> {
    if (this.closed) return;
    const nap = wakeableSleep(ms);
    this.wake = nap.wake;
    await nap.done;
    this.wake = undefined;
  }

  /** One attempt: request, check the answer, read the stream until it ends or fails. */
  private async connect(attempt: number, initial: HttpResponse | undefined): Promise<Outcome> {
    const o = this.options;
    const run: AttemptState = { controller: new AbortController(), timedOut: undefined };
    const abort = (reason: McpSseError | undefined) => {
      run.timedOut ??= reason;
      run.controller.abort(reason ?? closedReason());
      // Cancelling ends a pending read() also for `initialResponse`, fetched elsewhere.
      run.body?.cancel(reason).catch(ignoreCancelFailure);
    };
    this.abortAttempt = abort;
    const { connectTimeoutMs, idleTimeoutMs } = this.settings;
    const connectTimer =
      connectTimeoutMs > 0 && initial === undefined
        ? setTimeout(() => abort(connectTimeoutError(o.url, connectTimeoutMs)), connectTimeoutMs)
        : undefined;
    let idle: IdleWatch | undefined;
    try {
      const response = initial ?? (await this.request(attempt, run.controller.signal));
      const refused = await this.accept(response, run);
      if (refused !== undefined) return refused;
      clearTimeout(connectTimer);
      if (this.closed) {
        response.body?.cancel().catch(ignoreCancelFailure);
        return STOP;
      }
      this.openCount += 1;
      this.openedAt = performance.now();
      this.setState({ state: "open" });
      if (response.body === null) return this.ended();
      run.body = response.body.getReader();
      idle = watchIdle(idleTimeoutMs, () => abort(idleTimeoutError(o.url, idleTimeoutMs)));
      await this.readBody(run, idle);
      return this.interrupted(run) ?? (this.endTimer !== undefined ? STOP : this.ended());
    } catch (cause) {
      return this.interrupted(run) ?? this.failed(cause);
    } finally {
      clearTimeout(connectTimer);
      idle?.stop();
      if (this.abortAttempt === abort) this.abortAttempt = undefined;
      // Release the connection when we stopped reading before the end (idle, close).
      run.body?.cancel().catch(ignoreCancelFailure);
    }
  }

  /**
   * Whether a response opens the stream (undefined) or ends the attempt: 204 stops for good
   * (HTML spec), a retryable status retries (after Retry-After when given), a wrong content
   * type or a rejecting `onOpen` is fatal.
   */
  private async accept(response: HttpResponse, run: AttemptState): Promise<Outcome | undefined> {
    const o = this.options;
    if (response.status === 204) {
      response.body?.cancel().catch(ignoreCancelFailure);
      return STOP;
    }
    if (!response.ok) {
      const snippet = await readBodySnippet(response, run.controller.signal);
      const interrupted = this.interrupted(run);
      if (interrupted !== undefined) return interrupted;
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
    if (o.onOpen === undefined) return undefined;
    // Still under the connect timeout, and abortable: a hung onOpen must not hang close().
    try {
      await untilAborted(Promise.resolve(o.onOpen(response)), run.controller.signal);
      return undefined;
    } catch (cause) {
      response.body?.cancel().catch(ignoreCancelFailure);
      return (
        this.interrupted(run) ?? {
          kind: "fatal",
          error: asReaderError(cause, "SSE_OPEN_REJECTED", o.url),
        }
      );
    }
  }

  /** Feed the body to this connection's parser until it ends, closes or times out. */
  private async readBody(run: AttemptState, idle: IdleWatch): Promise<void> {
    const body = run.body;
    if (body === undefined) return;
    const parser = this.createConnectionParser();
    for (;;) {
      const { done, value } = await body.read();
      if (done || this.closed || run.timedOut) return;
      idle.touch();
      parser.feed(value);
      this.lastEventId = parser.committedId;
      if (this.closed) return;
    }
  }

  /** `stop` once closed, `retry` when a timer cut the attempt; undefined otherwise. */
  private interrupted(run: AttemptState): Outcome | undefined {
    if (this.closed) return STOP;
    if (run.timedOut) return { kind: "retry", error: run.timedOut };
    return undefined;
  }

  /** What a thrown error means: a bad option is fatal; anything else is retried. */
  private failed(cause: unknown): Outcome {
    if (isMcpSseError(cause, "SSE_INVALID_OPTION")) return { kind: "fatal", error: cause };
    if (cause instanceof McpSseError) return { kind: "retry", error: cause };
    return { kind: "retry", error: networkError(this.options.url, cause) };
  }

  private ended(): Outcome {
    return { kind: "retry", error: streamEndedError(this.options.url) };
  }

  /** Send the request of one attempt (see reader-request.ts). */
  private async request(attempt: number, signal: AbortSignal): Promise<HttpResponse> {
    const ctx: RequestContext = { attempt, lastEventId: this.lastEventId };
    const { init, sentSecrets } = await prepareAttempt(this.options, ctx, signal);
    this.sentSecrets = sentSecrets;
    return await this.settings.fetch(this.options.url, init);
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
        // Clamped to the backoff cap: a huge `retry:` would stop reconnection for days.
        this.serverRetryMs = Math.min(ms, this.settings.maxDelayMs);
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
      this.report(handlerFailedError(this.options.url, name, cause));
    }
  }

  private ask(fn: (error: McpSseError) => boolean, error: McpSseError): boolean {
    try {
      return fn(error);
    } catch (cause) {
      this.report(
        handlerFailedError(this.options.url, "shouldReconnect", cause, {
          what: "shouldReconnect",
          consequence: "; not reconnecting",
        }),
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
