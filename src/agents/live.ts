/**
 * Live collections: an object or array that frameworks hold on to (the AI SDK's `tools`, an
 * OpenAI Agents `Agent`'s `tools`) and read again before each step. Every read first brings the
 * underlying target up to date with the catalog, then answers from it, so the usual object and
 * array behaviour (`Object.entries`, `for…of`, `Array.isArray`, spreading) holds unchanged.
 * The refresh is done at most once per synchronous run of code (one `Object.entries` does not
 * list the manager's tools once per key).
 */

function throttled(refresh: () => void): () => void {
  let fresh = false;
  return () => {
    if (fresh) return;
    refresh();
    fresh = true;
    queueMicrotask(() => {
      fresh = false;
    });
  };
}

function readOnly(what: string): never {
  throw new TypeError(`${what} follows the MCP servers and cannot be changed; copy it first.`);
}

const READ_TRAPS = ["get", "has", "ownKeys", "getOwnPropertyDescriptor"] as const;

function liveProxy<T extends object>(target: T, sync: () => void, what: string): T {
  const handler: ProxyHandler<T> = {
    set: () => readOnly(what),
    defineProperty: () => readOnly(what),
    deleteProperty: () => readOnly(what),
  };
  for (const trap of READ_TRAPS) {
    // Reflect's traps have the same signatures as the handler's.
    (handler as Record<string, unknown>)[trap] = (...args: unknown[]) => {
      sync();
      return (Reflect[trap] as (...a: unknown[]) => unknown)(...args);
    };
  }
  return new Proxy(target, handler);
}

/** A read-only record whose keys and values are `read()`'s, as of each access. */
export function liveRecord<T>(read: () => Record<string, T>, what: string): Record<string, T> {
  const target: Record<string, T> = {};
  const sync = throttled(() => {
    const now = read();
    for (const key of Object.keys(target)) if (!(key in now)) delete target[key];
    Object.assign(target, now);
  });
  return liveProxy(target, sync, what);
}

/** A read-only array whose items are `read()`'s, as of each access. */
export function liveArray<T>(read: () => readonly T[], what: string): T[] {
  const target: T[] = [];
  const sync = throttled(() => {
    target.length = 0;
    target.push(...read());
  });
  return liveProxy(target, sync, what);
}
