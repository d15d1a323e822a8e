/**
 * The node adapter's SSE answers: an SSE stream of ours written straight to its response's
 * socket (no web stream, reader or promise per event). Not public API.
 */
import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Logger } from "../logger.js";
import { redact } from "../logger.js";
import type { SseSink, SseStream } from "./sse-stream.js";
import { batchWrites } from "./write-batch.js";

/**
 * An SSE stream of ours goes straight to the socket: each frame is one `res.write`, with no
 * web stream, reader or promise per event. The bound is the same (`maxBufferedBytes`, now on
 * what the socket has not taken); a slow client's connection is dropped, as when its body
 * errors; the client leaving ends the stream, as when its body is cancelled.
 */
export function writeSseToSocket(
  sse: SseStream,
  res: ServerResponse,
  discarded: Promise<void> | undefined,
  body: { cancel?: () => void },
  log: { logger: Logger; path: string },
): void {
  body.cancel = () => sse.abandon();
  sse.attachSink(new ResponseSink(res, discarded, log));
}

/** The sink of one SSE answer (a class: an idle session holds one, so no closures per stream). */
export class ResponseSink implements SseSink {
  readonly #res: ServerResponse;
  readonly #discarded: Promise<void> | undefined;
  readonly #log: { logger: Logger; path: string };

  constructor(
    res: ServerResponse,
    discarded: Promise<void> | undefined,
    log: { logger: Logger; path: string },
  ) {
    this.#res = res;
    this.#discarded = discarded;
    this.#log = log;
  }

  get writableLength(): number {
    return this.#res.writableLength;
  }

  write(bytes: Uint8Array): void {
    batchWrites(this.#res);
    this.#res.write(bytes);
  }

  /**
   * One frame of this stream alone (a legacy session's notification, a keep-alive): as text,
   * framed as one HTTP/1.1 chunk on the socket while the answer streams plainly (see
   * `writeShared`), so node encodes it straight into the batched `writev` — no `TextEncoder`
   * copy, and one buffered write instead of `res.write`'s four. Otherwise `res.write(text)`.
   */
  writeText(text: string, byteLength: number): void {
    const res = this.#res;
    batchWrites(res);
    const socket = plainChunkedSocket(res);
    if (socket !== undefined && byteLength > 0)
      socket.write(`${byteLength.toString(16)}\r\n${text}\r\n`);
    else res.write(text);
  }

  /**
   * A feed event, the same bytes for every subscriber: while the answer streams plainly on
   * its socket (chunked, headers out, nothing queued in the response), one `socket.write` of
   * the event framed once as an HTTP/1.1 chunk. `res.write` costs, per socket, four corked
   * writes, a hex length string and a tick to uncork (measured: the host's publish path at
   * 10,000 subscribers). The slow-client bound reads `res.writableLength`, which counts
   * the socket's buffer: unchanged. Anything else (HTTP/1.0, a pipelined answer still
   * waiting for its socket) goes through `res.write`.
   */
  writeShared(bytes: Uint8Array): void {
    const socket = plainChunkedSocket(this.#res);
    // An empty chunk would end the body.
    if (socket !== undefined && bytes.byteLength > 0) socket.write(chunkOf(bytes));
    else this.#res.write(bytes);
  }

  end(): void {
    void ender(this.#res, this.#discarded)();
  }

  destroy(error: Error): void {
    this.#log.logger.debug(
      redact({ err: error, path: this.#log.path }),
      "node adapter: body ended early",
    );
    this.#res.destroy();
  }
}

/**
 * The socket of an answer that streams plainly on it (HTTP/1.1 chunked, headers out, nothing
 * queued in the response itself), which may then take whole chunks directly; else undefined.
 */
function plainChunkedSocket(res: ServerResponse): Socket | undefined {
  const socket = res.socket;
  if (
    socket === null ||
    !res.chunkedEncoding ||
    socket.destroyed ||
    res.writableLength !== socket.writableLength
  )
    return undefined;
  return socket;
}

const CRLF = Buffer.from("\r\n", "latin1");
/** The last shared bytes and their chunk: a feed event goes to every subscriber in a row. */
let lastShared: { bytes: Uint8Array; chunk: Buffer } | undefined;

/** `bytes` as one HTTP/1.1 chunk (`<hex length>\r\n<bytes>\r\n`), made once per event. */
function chunkOf(bytes: Uint8Array): Buffer {
  if (lastShared?.bytes !== bytes) {
    const head = Buffer.from(`${bytes.byteLength.toString(16)}\r\n`, "latin1");
    lastShared = { bytes, chunk: Buffer.concat([head, bytes, CRLF]) };
  }
  return lastShared.chunk;
}

/** Ends the answer, once the unread rest of the request body (if any) is discarded. */
export function ender(
  res: ServerResponse,
  discarded: Promise<void> | undefined,
): () => Promise<void> {
  return async () => {
    if (discarded) await discarded;
    res.end();
  };
}
