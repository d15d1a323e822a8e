import type { ServerResponse } from "node:http";

/**
 * Batches the SSE writes of one event-loop turn into one syscall per connection. The first
 * write to a response in a turn corks it; every corked response is uncorked together once the
 * turn's I/O callbacks have run (a check-phase `setImmediate`). With many calls in flight, the
 * answers that complete in one turn then leave in one `writev` instead of one each; a lone
 * event leaves at the end of the turn it was written in (no timer, no added wait).
 *
 * Order is kept: a corked socket only holds bytes back, in order, and `res.end()` fully
 * uncorks (node's `OutgoingMessage.end`), so an ended answer is never held.
 */

/**
 * The real `setImmediate`, taken at load: tests that fake timers (`mock.timers.enable()`)
 * replace the global, and a batch that never flushed would hold a stream's bytes forever.
 * The batch is not a timer of the product (nothing waits on a duration), only a point in the
 * event loop.
 */
const checkPhase: typeof setImmediate = setImmediate;

const corked = new Set<ServerResponse>();
let scheduled = false;

function flush(): void {
  scheduled = false;
  for (const res of corked) if (!res.writableEnded && !res.destroyed) res.uncork();
  corked.clear();
}

/** Cork `res` until the end of this event-loop turn (once per turn; cheap after the first). */
export function batchWrites(res: ServerResponse): void {
  if (corked.has(res)) return;
  res.cork();
  corked.add(res);
  if (!scheduled) {
    scheduled = true;
    checkPhase(flush);
  }
}
