/**
 * Timer helpers of the event-stream reader. Browser-safe: global `setTimeout` and
 * `performance.now()` only.
 */

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

export interface IdleWatch {
  /** A byte arrived. */
  touch(): void;
  stop(): void;
}

/**
 * Calls `onIdle` once after `timeoutMs` without a `touch()`; `0` disables. One timer,
 * re-armed lazily when it fires early: far cheaper than resetting a timer per chunk. The
 * clock is monotonic, so a wall-clock step (NTP) can neither fake nor hide silence.
 */
export function watchIdle(timeoutMs: number, onIdle: () => void): IdleWatch {
  if (timeoutMs <= 0) return { touch() {}, stop() {} };
  let last = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    const silentMs = performance.now() - last;
    if (silentMs < timeoutMs) {
      timer = setTimeout(check, timeoutMs - silentMs);
      return;
    }
    timer = undefined;
    onIdle();
  };
  timer = setTimeout(check, timeoutMs);
  return {
    touch() {
      last = performance.now();
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** A sleep that `wake()` ends early (the reader's backoff wait, cut short by `close()`). */
export function wakeableSleep(ms: number): { done: Promise<void>; wake: () => void } {
  let wake = () => {};
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, wake };
}
