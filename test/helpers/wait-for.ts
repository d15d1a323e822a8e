/**
 * Captured when this module loads, before any test fakes time with `mock.timers`: waitFor
 * polls on the real timer and measures its bound on the real clock (`performance.now()`,
 * which `mock.timers` never fakes), so a test may tick fake time and then wait here for the
 * real I/O that follows.
 */
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Wait for a real event: poll `predicate` until it returns something truthy, or time out. */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  {
    timeout = 5000,
    interval = 10,
    message,
  }: { timeout?: number; interval?: number; message?: string | (() => string) } = {},
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (performance.now() >= deadline) {
      const what = typeof message === "function" ? message() : message;
      throw new Error(`waitFor timed out after ${timeout} ms: ${what ?? "condition not met"}`);
    }
    await new Promise((resolve) => realSetTimeout(resolve, interval));
  }
}

/**
 * `promise`, or a rejection naming `what` once `timeout` ms of real time have passed: a
 * bound on a wait that would otherwise hang a failing test, never a timing check.
 */
export async function withTimeout<T>(
  promise: Promise<T>,
  timeout: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = realSetTimeout(
          () => reject(new Error(`${what}: not within ${timeout} ms`)),
          timeout,
        );
      }),
    ]);
  } finally {
    realClearTimeout(timer);
  }
}

/**
 * Let work already queued run (promise callbacks, I/O callbacks, `setImmediate`s) for a
 * bounded number of event-loop turns, with no timer: after a fake-time tick, before a check
 * that something did NOT happen. A positive check waits with `waitFor` instead.
 */
export async function flushQueuedWork(turns = 50): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}
