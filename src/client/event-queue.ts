/**
 * Delivery of events to subscribers OFF the read loop (ARCHITECTURE.md, data flow): the
 * connection only `publish`es (an O(subscribers) enqueue); each subscriber drains its own
 * bounded queue. When a queue is full the OLDEST event is dropped and counted, so a slow
 * handler never blocks the stream, the other subscribers, or memory.
 */
import { McpSseError } from "../errors.js";
import { CLIENT_INVALID_OPTION } from "./call-errors.js";
import { type EventFilter, type McpsEvent, matchesFilter } from "./events.js";

/** Events a subscriber may have waiting before the oldest is dropped. */
export const DEFAULT_EVENT_QUEUE_SIZE = 1000;
/**
 * Events kept while `connectMcps` is still connecting (for subscribers created as soon as it
 * resolves); beyond it the oldest is dropped and counted.
 */
export const DEFAULT_STARTUP_BUFFER_SIZE = 1000;

/** `connectMcps`'s `startupBufferSize`: a whole number >= 0, else `CLIENT_INVALID_OPTION`. */
export function checkStartupBufferSize(size: number | undefined): void {
  if (size === undefined || (Number.isInteger(size) && size >= 0)) return;
  throw new McpSseError(
    CLIENT_INVALID_OPTION,
    `connectMcps: startupBufferSize must be a whole number >= 0 (got ${String(size)}).`,
    { details: { option: "startupBufferSize" } },
  );
}

export interface EventBusHooks {
  /** An event was dropped from a full queue. */
  onDrop?: (event: McpsEvent) => void;
  /** A handler finished with an event after `ms` milliseconds. */
  onHandlerTime?: (event: McpsEvent, ms: number) => void;
  /** A handler threw (or rejected): reported, never rethrown into the stream. */
  onHandlerError?: (event: McpsEvent, error: unknown) => void;
  /** An event was dropped from the full start-up buffer (see `hold`). */
  onStartupDrop?: (event: McpsEvent) => void;
}

export interface BatchOptions {
  /**
   * Yield once this many events are waiting. Default: unbounded (use `ms`). Clamped to the
   * queue's `queueSize`: a full queue drops its oldest event, so no more can ever wait.
   */
  size?: number;
  /** Yield what is waiting this long after the first event of a batch arrived, ms. */
  ms?: number;
}

export interface SubscribeOptions extends EventFilter {
  /** Bounded queue length. Default `DEFAULT_EVENT_QUEUE_SIZE`. */
  queueSize?: number;
  /** Ends the iterator when aborted. */
  signal?: AbortSignal;
}

/**
 * The number of events a batch waits for: `size` when given (> 0), never more than a bounded
 * queue's `capacity` (0 = unbounded); unbounded (`Infinity`) without `size`.
 */
export function effectiveBatchSize(size: number | undefined, capacity: number): number {
  const wanted = size !== undefined && size > 0 ? size : Number.POSITIVE_INFINITY;
  return capacity > 0 ? Math.min(wanted, capacity) : wanted;
}

export type EventHandler = (event: McpsEvent) => void | Promise<void>;

/** A bounded FIFO that drops its oldest entry when full. */
class BoundedQueue {
  private items: McpsEvent[] = [];
  private head = 0;
  constructor(private readonly capacity: number) {}

  get length(): number {
    return this.items.length - this.head;
  }
  /** Adds `event`; returns the dropped oldest event when the queue was full. */
  push(event: McpsEvent): McpsEvent | undefined {
    let dropped: McpsEvent | undefined;
    if (this.capacity > 0 && this.length >= this.capacity) dropped = this.shift();
    this.items.push(event);
    return dropped;
  }
  shift(): McpsEvent | undefined {
    if (this.length === 0) return undefined;
    const event = this.items[this.head];
    this.head += 1;
    // Compact now and then so the array does not grow without bound.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return event;
  }
  /** The waiting entries, oldest first, without removing them. */
  snapshot(): McpsEvent[] {
    return this.items.slice(this.head);
  }
  take(count: number): McpsEvent[] {
    const out: McpsEvent[] = [];
    while (out.length < count && this.length > 0) out.push(this.shift() as McpsEvent);
    return out;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

interface Subscriber {
  filter: EventFilter;
  push(event: McpsEvent): void;
  end(): void;
}

export class EventBus {
  private readonly subscribers = new Set<Subscriber>();
  private closed = false;
  /** Every event published since `hold()`, until `release()`; undefined when not holding. */
  private startup: BoundedQueue | undefined;
  private keepHeld: (event: McpsEvent) => boolean = () => true;

  /** `now` times handlers (ms, monotonic): tests pass a clock they drive. */
  constructor(
    private readonly hooks: EventBusHooks = {},
    private readonly now: () => number = () => performance.now(),
  ) {}

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Events held for replay (0 when not holding). */
  get heldCount(): number {
    return this.startup?.length ?? 0;
  }

  /**
   * Keep every published event (at most `limit`, the oldest dropped and reported through
   * `onStartupDrop`) until `release()`: a subscriber created meanwhile first receives the
   * held events that match its filter, in order, then live ones. So nothing published while
   * some servers were still connecting is lost to subscribers created right after. Only
   * events for which `keep` returns true are held.
   */
  hold(
    limit = DEFAULT_STARTUP_BUFFER_SIZE,
    keep: (event: McpsEvent) => boolean = () => true,
  ): void {
    if (this.closed) return;
    this.startup = new BoundedQueue(Math.max(1, limit));
    this.keepHeld = keep;
  }

  /** Stop holding and forget the held events (live delivery is unchanged). */
  release(): void {
    this.startup = undefined;
  }

  /** Enqueue `event` for every matching subscriber. Never awaits a handler. */
  publish(event: McpsEvent): void {
    const dropped =
      this.startup !== undefined && this.keepHeld(event) ? this.startup.push(event) : undefined;
    if (dropped !== undefined) this.hooks.onStartupDrop?.(dropped);
    for (const subscriber of this.subscribers)
      if (this.matches(event, subscriber)) subscriber.push(event);
  }

  /** Run `handler` for each matching event, one at a time, off the publisher's stack. */
  subscribe(handler: EventHandler, options: SubscribeOptions = {}): () => void {
    const queue = new BoundedQueue(options.queueSize ?? DEFAULT_EVENT_QUEUE_SIZE);
    let draining = false;
    let ended = false;
    const drain = async () => {
      while (!ended && queue.length > 0) {
        const event = queue.shift() as McpsEvent;
        const started = this.now();
        try {
          await handler(event);
        } catch (error) {
          this.hooks.onHandlerError?.(event, error);
        }
        this.hooks.onHandlerTime?.(event, this.now() - started);
      }
      draining = false;
    };
    const subscriber: Subscriber = {
      filter: options,
      push: (event) => {
        const dropped = queue.push(event);
        if (dropped !== undefined) this.hooks.onDrop?.(dropped);
        if (!draining) {
          draining = true;
          // A macrotask, not a microtask: the reader's current chunk finishes first.
          setTimeout(() => void drain(), 0);
        }
      },
      end: () => {
        ended = true;
        queue.clear();
      },
    };
    return this.add(subscriber, options.signal);
  }

  /** An async iterator of matching events (or arrays of them with `batch`). */
  iterate(options: SubscribeOptions & { batch: BatchOptions }): AsyncIterableIterator<McpsEvent[]>;
  iterate(options?: SubscribeOptions): AsyncIterableIterator<McpsEvent>;
  iterate(
    options: SubscribeOptions & { batch?: BatchOptions } = {},
  ): AsyncIterableIterator<McpsEvent | McpsEvent[]> {
    const capacity = options.queueSize ?? DEFAULT_EVENT_QUEUE_SIZE;
    const queue = new BoundedQueue(capacity);
    let ended = false;
    // Every pending `next()` waits here: callers may ask for several results before the first
    // settles (`Promise.all([it.next(), it.next()])`), and each must be woken.
    const waiters = new Set<() => void>();
    const notify = () => {
      const woken = [...waiters];
      waiters.clear();
      for (const wake of woken) wake();
    };
    const subscriber: Subscriber = {
      filter: options,
      push: (event) => {
        const dropped = queue.push(event);
        if (dropped !== undefined) this.hooks.onDrop?.(dropped);
        notify();
      },
      end: () => {
        ended = true;
        notify();
      },
    };
    const unsubscribe = this.add(subscriber, options.signal);
    /** Wait until `ready()` or the end, or until `deadline` (ms since epoch) passes. */
    const waitUntil = async (ready: () => boolean, deadline?: number) => {
      while (!ready() && !ended) {
        const remaining = deadline === undefined ? undefined : deadline - Date.now();
        if (remaining !== undefined && remaining <= 0) return;
        await new Promise<void>((resolve) => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const wake = () => {
            clearTimeout(timer);
            waiters.delete(wake);
            resolve();
          };
          if (remaining !== undefined) timer = setTimeout(wake, remaining);
          waiters.add(wake);
        });
      }
    };
    const batch = options.batch;
    const done = (): IteratorResult<never> => ({ done: true, value: undefined });
    // A batch can never hold more than the queue keeps: a larger `size` (without `ms`) would
    // wait forever while the queue drops everything, so it is clamped to the capacity.
    const batchSize = effectiveBatchSize(batch?.size, capacity);
    const iterator: AsyncIterableIterator<McpsEvent | McpsEvent[]> = {
      next: async () => {
        await waitUntil(() => queue.length > 0);
        if (queue.length === 0) return done();
        if (batch === undefined) return { done: false, value: queue.shift() as McpsEvent };
        const size = batchSize;
        const deadline = batch.ms !== undefined && batch.ms > 0 ? Date.now() + batch.ms : undefined;
        // Without a time limit a batch waits for `size` events (or the end).
        if (size !== Number.POSITIVE_INFINITY || deadline !== undefined)
          await waitUntil(() => queue.length >= size, deadline);
        const count = Math.min(size, queue.length);
        return { done: false, value: queue.take(count) };
      },
      return: async () => {
        unsubscribe();
        queue.clear();
        return done();
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** End every subscriber: iterators finish, handlers stop after their current event. */
  close(): void {
    this.closed = true;
    this.startup = undefined;
    for (const subscriber of this.subscribers) subscriber.end();
    this.subscribers.clear();
  }

  /** Hand a new subscriber the held start-up events that match its filter, oldest first. */
  private replayHeld(subscriber: Subscriber): void {
    if (this.startup === undefined) return;
    for (const event of this.startup.snapshot())
      if (this.matches(event, subscriber)) subscriber.push(event);
  }

  /** The subscriber's filter on `event`; a predicate that throws is reported as no match. */
  private matches(event: McpsEvent, subscriber: Subscriber): boolean {
    try {
      return matchesFilter(event, subscriber.filter);
    } catch (error) {
      this.hooks.onHandlerError?.(event, error);
      return false;
    }
  }

  private add(subscriber: Subscriber, signal: AbortSignal | undefined): () => void {
    if (this.closed || signal?.aborted) {
      subscriber.end();
      return () => {};
    }
    this.replayHeld(subscriber);
    this.subscribers.add(subscriber);
    const onAbort = () => unsubscribe();
    const unsubscribe = () => {
      signal?.removeEventListener("abort", onAbort);
      if (this.subscribers.delete(subscriber)) subscriber.end();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    return unsubscribe;
  }
}
