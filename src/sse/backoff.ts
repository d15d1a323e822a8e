/**
 * Reconnection delays for the event-stream reader: exponential backoff with jitter, and
 * the HTTP `Retry-After` header. Pure functions (the random source and the clock are
 * parameters) so the schedule is testable without timers.
 */

/**
 * Largest delay `setTimeout` honours (2^31 − 1 ms, about 24.8 days): browsers and Node fire
 * a longer one at once, which would turn a long `Retry-After` into a reconnect storm.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** A delay safe to pass to `setTimeout`. */
export function timerMs(ms: number): number {
  return Math.min(MAX_TIMER_MS, Math.max(0, ms));
}

/** Base delay before the first reconnect, when the server sent no `retry:` field. */
export const DEFAULT_MIN_RETRY_DELAY_MS = 1_000;
/** Cap of the exponential backoff. */
export const DEFAULT_MAX_RETRY_DELAY_MS = 30_000;
/**
 * Fraction of each delay that is random: 0.5 is "equal jitter" (half fixed, half random),
 * 1 is "full jitter", 0 disables jitter.
 */
export const DEFAULT_RETRY_JITTER = 0.5;

export interface BackoffOptions {
  /** Base delay of attempt 1, in ms: the server's `retry:` value, else `minDelayMs`. */
  baseMs: number;
  /** Cap, in ms. */
  maxDelayMs: number;
  /** Random fraction in [0, 1]. */
  jitter: number;
  /** Random source in [0, 1); `Math.random` by default. */
  random?: () => number;
}

/**
 * Delay before reconnect attempt `attempt` (1 = first reconnect after a failure):
 * `ceiling = min(maxDelayMs, baseMs * 2^(attempt-1))`, then a random share `jitter` of it
 * is taken off, so the delay lies in `[ceiling * (1 - jitter), ceiling]`. Jittering
 * downward keeps the cap a true maximum and spreads even the first reconnect of many
 * clients that lost the same server at once.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const base = Math.max(0, options.baseMs);
  const cap = Math.max(0, options.maxDelayMs);
  const jitter = Math.min(1, Math.max(0, options.jitter));
  // Bounded exponent: 2^1024 is Infinity, and 0 × Infinity would be NaN.
  const exponent = Math.min(64, Math.max(0, Math.floor(attempt) - 1));
  const ceiling = Math.min(cap, base * 2 ** exponent);
  if (jitter === 0 || ceiling === 0) return Math.round(ceiling);
  const r = Math.min(1, Math.max(0, (options.random ?? Math.random)()));
  return Math.round(ceiling * (1 - jitter * r));
}

const DELAY_SECONDS = /^\s*(\d+)\s*$/;
/**
 * The three HTTP-date forms (IMF-fixdate, RFC 850, asctime) all have a weekday or month name
 * and an hh:mm:ss time. Checked first because `Date.parse` alone is lenient ("-5" is a year).
 */
const HTTP_DATE_SHAPE = /^\s*[A-Za-z]{3,9},?\s.*\b\d{2}:\d{2}:\d{2}\b/;

/**
 * RFC 9110 §10.2.3 `Retry-After`: either delay-seconds or an HTTP-date. Returns the wait
 * in ms (a date in the past gives 0), or `undefined` when the header is absent or invalid.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const seconds = DELAY_SECONDS.exec(value);
  if (seconds) return Number(seconds[1]) * 1000;
  if (!HTTP_DATE_SHAPE.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * Wait `ms` (capped at the timer limit) unless `signal` aborts first. Resolves `true` when
 * the time passed and `false` when aborted — never rejects, so a backoff loop just checks it.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, timerMs(ms));
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
