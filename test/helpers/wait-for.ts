/** Wait for a real event: poll `predicate` until it returns a truthy value, or fail at `timeout`. */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  {
    timeout = 5000,
    interval = 10,
    message,
  }: { timeout?: number; interval?: number; message?: string } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline)
      throw new Error(
        `waitFor: timed out after ${timeout} ms waiting for ${message ?? "a condition"}`,
      );
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
