/** Wait for a real event in tests: poll `predicate` until it gives a truthy value, bounded. */
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
      throw new Error(`waitFor: ${message ?? "condition"} not reached within ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
