/**
 * The guide's error events, for event feeds and MCP servers alike: an event whose data is
 * `{ event: "error", error: { code, message, retry_after? } }` (on MCP servers, a logging
 * notification carrying that object). Each connection kind reports the events its server
 * sends to one `ErrorEventPolicy`, which decides; the connection only carries it out
 * (`ErrorEventTarget`):
 * - `AUTHENTICATION_FAILED`: refresh the credentials (`refreshToken`) and reconnect with them
 *   — one refresh at a time, and each such event also counts as a failure (below), so a
 *   server that keeps refusing ends `failed` instead of looping;
 * - `RATE_LIMITED`: pause the server's calls and reconnects for `retry_after` seconds (else
 *   `rate_limit_backoff`); a call that would outlast its timeout waiting fails at once with
 *   `CLIENT_RATE_LIMITED`;
 * - any other code: one failure toward `max_reconnects`; reaching it → `failed`
 *   (`CLIENT_ERROR_EVENTS`). Failures count in a row: any other event from the server resets
 *   the count (the server works again), like a successful reconnect resets the reconnect count.
 * Every one is also delivered to the agent as an `error` event (by the connection, as is).
 */
import type { ServerConfig } from "../config/types.js";
import { McpSseError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { CallOptions } from "./connection.js";
import type { McpsEvent } from "./events.js";

export const AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED";
export const RATE_LIMITED = "RATE_LIMITED";
/** A call during a `RATE_LIMITED` pause that would end after its timeout (`details.retryAfterMs`). */
export const CLIENT_RATE_LIMITED = "CLIENT_RATE_LIMITED";
/** The cause of the reconnect after an `AUTHENTICATION_FAILED` event (credentials refreshed). */
export const CLIENT_AUTH_EVENT = "CLIENT_AUTH_EVENT";
/** The server sent `max_reconnects` error events in a row: it is `failed`. */
export const CLIENT_ERROR_EVENTS = "CLIENT_ERROR_EVENTS";

export interface ServerErrorEvent {
  code: string;
  message: string;
  /** `retry_after` (seconds in the event), in ms. */
  retryAfterMs?: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The error an event's data describes, when it is one of the guide's error events. */
export function serverErrorOf(data: unknown): ServerErrorEvent | undefined {
  if (!isRecord(data) || data["event"] !== "error" || !isRecord(data["error"])) return undefined;
  const error = data["error"];
  const code = error["code"];
  const message = error["message"];
  const out: ServerErrorEvent = {
    code: typeof code === "string" || typeof code === "number" ? String(code) : "UNKNOWN",
    message: typeof message === "string" ? message : "",
  };
  const retryAfter = Number(error["retry_after"]);
  if (error["retry_after"] !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0)
    out.retryAfterMs = Math.round(retryAfter * 1000);
  return out;
}

/** What a connection does on the policy's word. */
export interface ErrorEventTarget {
  /** Refresh the credentials and reconnect with them; rejects when the refresh fails. */
  reauthenticate(): Promise<void>;
  /** Enter (`true`) or leave (`false`) the `paused` state. */
  setPaused(paused: boolean): void;
  /** Give up: state `failed` with this error. */
  fail(error: McpSseError): void;
  /** Report a failure as an `error` event (a refresh that failed). */
  report(error: unknown): void;
}

export class ErrorEventPolicy {
  private failures = 0;
  private pausedUntil = 0;
  private pauseTimer: ReturnType<typeof setTimeout> | undefined;
  private reauthenticating = false;
  /** Woken when the pause ends (or the policy closes). */
  private readonly resumed = new Set<() => void>();

  constructor(
    private readonly server: ServerConfig,
    private readonly target: ErrorEventTarget,
    private readonly log: Logger,
    private readonly canRefresh: boolean,
  ) {}

  get paused(): boolean {
    return this.pauseTimer !== undefined;
  }

  /** Look at one event the server sent (never the connection's own `state`/`error` events). */
  observe(event: McpsEvent): void {
    const error = event.type === "error" ? serverErrorOf(event.data) : undefined;
    if (error === undefined) {
      this.failures = 0;
      return;
    }
    this.log.warn({ code: error.code, message: error.message }, "server error event");
    if (error.code === RATE_LIMITED) {
      this.pause(error.retryAfterMs ?? this.server.rateLimitBackoffMs);
      return;
    }
    if (error.code === AUTHENTICATION_FAILED) this.reauthenticate();
    this.countFailure(error);
  }

  private reauthenticate(): void {
    if (!this.canRefresh || this.reauthenticating) return;
    this.reauthenticating = true;
    this.target
      .reauthenticate()
      .catch((cause: unknown) => this.target.report(cause))
      .finally(() => {
        this.reauthenticating = false;
      });
  }

  private countFailure(error: ServerErrorEvent): void {
    this.failures += 1;
    if (this.failures < this.server.maxReconnects) return;
    const name = this.server.name;
    this.target.fail(
      new McpSseError(
        CLIENT_ERROR_EVENTS,
        `Server "${name}" sent ${this.failures} error event(s) in a row (last: ${error.code}${error.message ? `: ${error.message}` : ""}); max_reconnects is ${this.server.maxReconnects}, giving up.`,
        { details: { server: name, count: this.failures, lastCode: error.code } },
      ),
    );
  }

  /** Pause calls and reconnects for `ms` (a longer pause already running is kept). */
  private pause(ms: number): void {
    const until = Date.now() + ms;
    if (this.paused && until <= this.pausedUntil) return;
    this.pausedUntil = until;
    if (this.pauseTimer !== undefined) clearTimeout(this.pauseTimer);
    this.pauseTimer = setTimeout(() => this.resume(), ms);
    this.log.info({ pauseMs: ms }, "rate limited: pausing calls and reconnects");
    this.target.setPaused(true);
  }

  private resume(): void {
    this.pauseTimer = undefined;
    this.target.setPaused(false);
    for (const wake of [...this.resumed]) wake();
  }

  /** Resolves once no pause is running (at once when none), or when `signal` aborts. */
  async untilResumed(signal: AbortSignal): Promise<void> {
    await this.resumedWithin(Number.POSITIVE_INFINITY, signal);
  }

  /** True once the pause ended (or `signal` aborted) within `ms`; false when `ms` passed first. */
  private resumedWithin(ms: number, signal: AbortSignal): Promise<boolean> {
    if (!this.paused || signal.aborted) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (resumed: boolean) => {
        this.resumed.delete(done);
        signal.removeEventListener("abort", done);
        if (timer !== undefined) clearTimeout(timer);
        resolve(resumed);
      };
      const done = () => settle(true);
      this.resumed.add(done);
      signal.addEventListener("abort", done, { once: true });
      if (Number.isFinite(ms)) timer = setTimeout(() => settle(false), ms);
    });
  }

  /**
   * Before a call: during a pause that ends within the call's timeout, wait for it and
   * return the options with the time left; a longer pause fails at once with
   * `CLIENT_RATE_LIMITED` (`details.retryAfterMs`).
   */
  async admitCall(tool: string, options: CallOptions, lifetime: AbortSignal): Promise<CallOptions> {
    if (!this.paused) return options;
    const timeoutMs = options.timeout ?? this.server.timeoutMs;
    const started = Date.now();
    if (this.pausedUntil - started >= timeoutMs) throw this.rateLimited(tool, timeoutMs);
    const signals = [lifetime, options.signal].filter((s): s is AbortSignal => s !== undefined);
    // A pause extended while waiting (another RATE_LIMITED) still ends the wait at the timeout.
    if (!(await this.resumedWithin(timeoutMs, AbortSignal.any(signals))))
      throw this.rateLimited(tool, timeoutMs);
    const left = Math.max(1, timeoutMs - (Date.now() - started));
    return { ...options, timeout: left };
  }

  private rateLimited(tool: string, timeoutMs: number): McpSseError {
    const retryAfterMs = Math.max(0, this.pausedUntil - Date.now());
    return new McpSseError(
      CLIENT_RATE_LIMITED,
      `Server "${this.server.name}" is rate limited for ${Math.ceil(retryAfterMs / 1000)} s more, longer than the ${timeoutMs} ms timeout of the call to tool "${tool}"; retry later.`,
      { details: { server: this.server.name, tool, retryAfterMs } },
    );
  }

  /** Stop the pause timer and release every waiter (the connection is closing). */
  close(): void {
    if (this.pauseTimer !== undefined) clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    for (const wake of [...this.resumed]) wake();
  }
}
