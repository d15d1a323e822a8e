/**
 * One request's abort source, in place of an `AbortController` on the POST path. undici's
 * `request()` takes it as its `signal` (an object with `on`/`once`/`removeListener`, `aborted`
 * and `reason`, as an `EventEmitter` would have). In Node 20 an `AbortController`'s signal,
 * with the listener undici adds to it, cost ~10 µs per request (docs/performance.md, "Client
 * and wire, checked again (session 7)"); this costs one small object. Only a fetch that says
 * it takes one (`takesRequestAbort`, dispatch-mark.ts) is given one; before any other fetch
 * it becomes a real `AbortSignal` (`abortSignalOf`).
 */

type Listener = () => void;

export class RequestAbort {
  aborted = false;
  reason: unknown = undefined;
  #listeners: Listener[] = [];

  /** Abort once: every listener runs (the later calls do nothing). */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new DOMException("This operation was aborted", "AbortError");
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }

  /** `type` is always "abort" (the only event there is). */
  on(_type: string, listener: Listener): this {
    if (this.aborted) return this;
    this.#listeners.push(listener);
    return this;
  }

  /** As `on`: an abort happens once, and the listeners are dropped then. */
  once(type: string, listener: Listener): this {
    return this.on(type, listener);
  }

  removeListener(_type: string, listener: Listener): this {
    const i = this.#listeners.indexOf(listener);
    if (i !== -1) this.#listeners.splice(i, 1);
    return this;
  }

  off(type: string, listener: Listener): this {
    return this.removeListener(type, listener);
  }
}

/** A real `AbortSignal` for `signal` (a fetch other than undici's `request()` needs one). */
export function abortSignalOf(
  signal: AbortSignal | RequestAbort | null | undefined,
): AbortSignal | undefined {
  if (!(signal instanceof RequestAbort)) return signal ?? undefined;
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.on("abort", () => controller.abort(signal.reason));
  return controller.signal;
}

/** `init` with its signal made a real `AbortSignal` (for a fetch that needs one). */
export function withAbortSignal(init: RequestInit): RequestInit {
  const signal = init.signal as AbortSignal | RequestAbort | null | undefined;
  if (!(signal instanceof RequestAbort)) return init;
  return { ...init, signal: abortSignalOf(signal) ?? null };
}
