/** Wait for a real event: poll `predicate` until it returns something truthy, or time out. */
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
      throw new Error(`waitFor timed out after ${timeout} ms: ${message ?? "condition not met"}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}
