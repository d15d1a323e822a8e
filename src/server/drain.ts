import type { IncomingMessage } from "node:http";

/** Bytes of an unread request body read and discarded after an early answer (e.g. 413). */
export const DEFAULT_DRAIN_MAX_BYTES = 16 * 1024 * 1024;
/** How long the rest of an unread request body is discarded before closing anyway. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 5_000;

export interface DrainOptions {
  /** Default `DEFAULT_DRAIN_MAX_BYTES`. */
  maxBytes?: number;
  /** Default `DEFAULT_DRAIN_TIMEOUT_MS`. */
  timeoutMs?: number;
}

/**
 * Read and discard the rest of a request body the handler did not read (it answered early:
 * 413, 401, 404…). Closing the connection while the client is still sending resets it, and
 * the client then loses the answer too (EPIPE, "fetch failed"): so the answer's end waits for
 * this. Resolves when the body has ended, the connection closed, or a bound was reached
 * (`maxBytes` more bytes, or `timeoutMs`): then closing is the only protection left.
 */
export function drainRequest(req: IncomingMessage, options: DrainOptions = {}): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  const maxBytes = options.maxBytes ?? DEFAULT_DRAIN_MAX_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  return new Promise((resolve) => {
    let seen = 0;
    const done = () => {
      clearTimeout(timer);
      req.off("data", count);
      req.off("end", done);
      req.off("close", done);
      req.off("error", done);
      resolve();
    };
    const count = (chunk: Buffer) => {
      seen += chunk.byteLength;
      if (seen > maxBytes) done();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref?.();
    req.on("data", count);
    req.on("end", done);
    req.on("close", done);
    req.on("error", done);
    req.resume();
  });
}
