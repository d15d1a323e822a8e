import type { IncomingMessage } from "node:http";

/**
 * A `node:http` request body read into one Buffer, up to `maxBytes` (`0`: unbounded), for the
 * adapter's fast path (legacy-fast.ts). Resolves with the bytes; `undefined` as soon as they
 * pass `maxBytes` (reading stops there, nothing more is buffered; the socket is paused and
 * the adapter discards the rest with `drainRequest` before answering 413); `null` when the
 * client left before the body ended.
 */
export function readNodeBody(
  req: IncomingMessage,
  maxBytes: number,
): Promise<Buffer | undefined | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (value: Buffer | undefined | null) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onGone);
      req.off("close", onGone);
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (maxBytes > 0 && total > maxBytes) {
        req.pause();
        settle(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      const [first] = chunks;
      settle(chunks.length === 1 && first ? first : Buffer.concat(chunks, total));
    };
    // `close` before `end`: the client reset the connection mid-body ("aborted").
    const onGone = () => settle(null);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onGone);
    req.on("close", onGone);
  });
}
