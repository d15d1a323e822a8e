/**
 * POSTs and DELETEs without `fetch`: undici's `request()` on the same dispatcher (the
 * transport's pool or the manager's shared one, with its limits and DNS cache), answered
 * with a light `HttpResponse`. undici's `fetch` builds a `Request`, `Headers`, a fetch
 * controller and a web stream per request; on a legacy SSE call, whose POST is answered
 * "202 Accepted", that machinery was most of the client's CPU (docs/performance.md,
 * "Client: POSTs without fetch").
 *
 * It behaves as `fetch` does for what the transports send, so that nothing above it can
 * tell: `redirect: "error"` (a 3xx rejects, "unexpected redirect"), the fetch spec's bad
 * ports refused, `Accept-Encoding` sent and gzip/deflate/br answers decoded, the same
 * `User-Agent`, failures as `TypeError("fetch failed")` with the cause. Anything it does not
 * cover (another redirect mode, a URL with credentials, a non-string body) goes to `fetch`.
 */
import type { IncomingHttpHeaders } from "node:http";
import { pipeline, Readable } from "node:stream";
import { constants, createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { Dispatcher } from "undici";
import type { HttpFetch, HttpResponse } from "../sse/http-response.js";
import { NODE_ANSWER, type NodeAnswer } from "./dispatch-mark.js";
import { type RequestAbort, withAbortSignal } from "./transports/request-abort.js";

/** `fetch`'s own `User-Agent` (undici from npm), so that POSTs look like the GET streams. */
const FETCH_USER_AGENT = "undici";

/** Statuses whose answer has no body, as `fetch` sees it. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/** Ports the fetch spec refuses ("bad port"); such a URL goes to `fetch`, which refuses it. */
const BAD_PORTS = new Set([
  1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
  103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
  6669, 6679, 6697, 10080,
]);

/**
 * `fetch(url, init)` through `dispatcher.request()` where that is equivalent; `fallback`
 * (the `fetch` on the same dispatcher) otherwise. `explain` turns a failure into the error
 * `fetch` would have given (TLS hints).
 */
export function dispatchRequest(
  dispatcher: Dispatcher,
  fallback: typeof globalThis.fetch,
  explain: (url: string, error: unknown) => unknown,
): HttpFetch {
  // A transport POSTs to one URL (legacy SSE: one per session): parsed once, not per request.
  let last: { url: string; target: URL } | undefined;
  return async (url, init) => {
    if (last?.url !== url) last = { url, target: new URL(url) };
    const { target } = last;
    const body = init.body;
    if (
      init.redirect !== "error" ||
      (body !== undefined && body !== null && typeof body !== "string") ||
      target.username !== "" ||
      target.password !== "" ||
      (target.protocol !== "http:" && target.protocol !== "https:") ||
      BAD_PORTS.has(Number(target.port))
    )
      return fallback(url, withAbortSignal(init));
    // An `AbortSignal` or a `RequestAbort` (request-abort.ts): undici takes either.
    const signal = (init.signal ?? undefined) as AbortSignal | RequestAbort | undefined;
    let answer: Dispatcher.ResponseData;
    try {
      answer = await dispatcher.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: (init.method ?? "GET") as Dispatcher.HttpMethod,
        headers: requestHeaders(init.headers, target.protocol === "https:"),
        ...(typeof body === "string" ? { body } : {}),
        ...(signal === undefined ? {} : { signal: signal as Dispatcher.RequestOptions["signal"] }),
      });
    } catch (cause) {
      if (signal?.aborted) throw cause;
      throw explain(url, new TypeError("fetch failed", { cause }));
    }
    // A body nobody reads may still be destroyed (abort, timeout): its readers see the
    // error; without a listener of its own it would be an uncaught exception.
    answer.body.on("error", ignoreBodyError);
    if (answer.statusCode >= 300 && answer.statusCode < 400 && answer.statusCode !== 304) {
      answer.body.dump().catch(ignoreBodyError);
      throw new TypeError("fetch failed", { cause: new Error("unexpected redirect") });
    }
    return new DispatchedResponse(answer);
  };
}

function ignoreBodyError(): void {
  // Seen by whoever reads the body; nothing to do for a body nobody reads.
}

/** The request's headers (a plain record from our transports) with fetch's defaults added. */
function requestHeaders(headers: HeadersInit | undefined, https: boolean) {
  const out: Record<string, string> = {};
  const entries =
    headers === undefined || Object.getPrototypeOf(headers) === Object.prototype
      ? Object.entries((headers ?? {}) as Record<string, string>)
      : new Headers(headers);
  for (const [name, value] of entries) {
    // Names are case-insensitive; a name given twice is one header, its values joined (fetch).
    const key = name.toLowerCase();
    out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
  }
  out["accept"] ??= "*/*";
  out["accept-encoding"] ??= https ? "br, gzip, deflate" : "gzip, deflate";
  out["user-agent"] ??= FETCH_USER_AGENT;
  return out;
}

/** One header of a `request()` answer, as `Headers.get` gives it. */
class AnswerHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}
  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }
}

/** A `request()` answer as an `HttpResponse`; its body is made a web stream only if asked. */
class DispatchedResponse implements HttpResponse, NodeAnswer {
  readonly [NODE_ANSWER] = true;
  readonly type = "basic" as const;
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: AnswerHeaders;
  /** The body, decoded; null when the status has none. */
  private readonly stream: Readable | null;
  private web: ReadableStream<Uint8Array> | null | undefined;

  constructor(answer: Dispatcher.ResponseData) {
    this.status = answer.statusCode;
    this.ok = this.status >= 200 && this.status < 300;
    this.statusText = answer.statusText ?? "";
    this.headers = new AnswerHeaders(answer.headers);
    if (NULL_BODY_STATUSES.has(this.status)) {
      answer.body.dump().catch(ignoreBodyError);
      this.stream = null;
    } else this.stream = decoded(answer.body, this.headers.get("content-encoding"));
  }

  get body(): ReadableStream<Uint8Array> | null {
    if (this.web === undefined)
      this.web =
        this.stream === null
          ? null
          : (Readable.toWeb(this.stream) as unknown as ReadableStream<Uint8Array>);
    return this.web;
  }

  async text(): Promise<string> {
    if (this.web !== undefined) return this.web === null ? "" : new Response(this.web).text();
    const stream = this.stream;
    if (stream === null) return "";
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    // fetch's text() decodes UTF-8 without a leading byte-order mark.
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  /** The decoded node stream, once: the body is then taken (`body` is null). */
  takeStream(): Readable | undefined {
    if (this.web !== undefined || this.stream === null) return undefined;
    this.web = null;
    return this.stream;
  }

  /**
   * Be done with a body nobody reads: read (and drop) it to its end while it stays within
   * `limit` bytes, which keeps the connection for the next request; destroy it beyond.
   */
  async discard(limit: number): Promise<void> {
    const stream = this.stream;
    if (stream === null || this.web !== undefined) return;
    const dump = (stream as { dump?: (o: { limit: number }) => Promise<unknown> }).dump;
    if (dump !== undefined) {
      await dump.call(stream, { limit });
      return;
    }
    let read = 0;
    for await (const chunk of stream) {
      read += (chunk as Buffer).byteLength;
      if (read > limit) break; // leaving the loop destroys the stream
    }
  }
}

/**
 * The body with its `Content-Encoding` undone, as `fetch` does: gzip, deflate and br, in
 * the reverse of the order applied; an unknown coding leaves the body as it came.
 */
function decoded(body: Readable, encoding: string | null): Readable {
  if (encoding === null) return body;
  const codings = encoding
    .toLowerCase()
    .split(",")
    .map((c) => c.trim())
    .filter((c) => c !== "" && c !== "identity")
    .reverse();
  const decoders: NodeJS.ReadWriteStream[] = [];
  for (const coding of codings) {
    // Sync flush, as fetch: a body cut short still yields what it had.
    const flush = { flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH };
    if (coding === "gzip" || coding === "x-gzip") decoders.push(createGunzip(flush));
    else if (coding === "deflate") decoders.push(createInflate(flush));
    else if (coding === "br") decoders.push(createBrotliDecompress());
    else return body;
  }
  if (decoders.length === 0) return body;
  const streams = [body, ...decoders] as unknown as [Readable, ...NodeJS.ReadWriteStream[]];
  // pipeline destroys every stream on an error; the last one carries it to the reader.
  const out = (pipeline as unknown as (...s: unknown[]) => Readable)(...streams, ignoreBodyError);
  out.on("error", ignoreBodyError);
  return out;
}
