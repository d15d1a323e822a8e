import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import { redact, silentLogger } from "../logger.js";
import { gzipJsonBody, mayGzip } from "./compress.js";
import type { DrainOptions } from "./drain.js";
import { drainRequest } from "./drain.js";
import type { McpHttpHandler } from "./handler.js";
import { readNodeBody } from "./node-body.js";
import { NodePostHead } from "./node-request.js";
import { ender, ResponseSink, writeSseToSocket } from "./node-sse.js";
import { requestHeadProblem } from "./request-head.js";
import { SSE_HEADERS, SseStream, sseStreamOf } from "./sse-stream.js";
import type { PostAnswer } from "./streamable.js";
import { DEFAULT_GZIP_MIN_BYTES } from "./types.js";
import { batchWrites } from "./write-batch.js";

/** A request body up to this size left unread is drained to keep the connection alive. */
const DISCARD_ON_KEEPALIVE_BYTES = 64 * 1024;

type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The handler as the adapter sees it: `fetch`, and its logger when it has one. */
export type NodeHandler = Pick<McpHttpHandler, "fetch"> &
  Partial<Pick<McpHttpHandler, "legacyFastPost" | "streamableFastPost" | "legacyFastGet">> & {
    readonly logger?: Logger;
    /** The paths it serves (`McpHttpHandler.paths`); `toMiddleware` routes these by default. */
    readonly paths?: readonly string[];
    /** JSON answers this big are gzipped for clients that accept it. Default `DEFAULT_GZIP_MIN_BYTES`; `0` disables. */
    readonly gzipMinBytes?: number;
  };

/** The legacy POST's answer (the body the SDK v1 host sends too). */
const ACCEPTED_BODY = "Accepted";
const ACCEPTED_HEADERS = {
  "content-type": "text/plain",
  "content-length": String(Buffer.byteLength(ACCEPTED_BODY)),
};

/** What `toMiddleware` routes for a handler that does not say (the default paths). */
const DEFAULT_MIDDLEWARE_PATHS = ["/mcp", "/sse", "/messages", "/healthz", "/metrics"];

export interface NodeListenerOptions {
  /** Where adapter failures are reported (redacted). Default: the handler's own logger. */
  logger?: Logger;
  /** Bounds on discarding a body the handler answered without reading (e.g. 413). */
  drain?: DrainOptions;
}

/**
 * `node:http` adapter: IncomingMessage → Request, Response → ServerResponse, streaming the
 * body with backpressure (waits for `drain`; a body that errors, e.g. a slow SSE client's,
 * destroys the socket). The client going away cancels the body — also when it leaves before
 * the handler has answered.
 *
 * A malformed request head gets 400 before the handler sees it (see `requestHeadProblem`:
 * origin-form, normalised targets and exactly one `Host`), so the URL's host is always the
 * one `Host` header's, which the host check inspects. A body the handler did not read is
 * discarded (bounded) before the answer ends, so the client can read it.
 */
export function toNodeListener(
  handler: NodeHandler,
  options: NodeListenerOptions = {},
): NodeListener {
  const logger = options.logger ?? handler.logger ?? silentLogger;
  return (req, res) => {
    handleNode(handler, req, res, logger, options.drain ?? {}).catch((error: unknown) => {
      logger.error(
        redact({ err: error, method: req.method, path: pathOf(req.url) }),
        "node adapter: request failed",
      );
      // Nothing more can be sent once headers are out; drop the connection so it is not hung.
      if (!res.headersSent && !res.destroyed)
        res
          .writeHead(500, { "content-type": "application/json" })
          .end('{"error":{"code":"SERVER_INTERNAL_ERROR"}}');
      else res.destroy();
    });
  };
}

/**
 * Express/Connect/Fastify-style middleware: serves the handler's paths, passes the rest to
 * `next()`. Mount it before any body parser (it reads the raw body itself).
 */
export function toMiddleware(
  handler: NodeHandler,
  paths: readonly string[] = handler.paths ?? DEFAULT_MIDDLEWARE_PATHS,
  options: NodeListenerOptions = {},
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  const listener = toNodeListener(handler, options);
  return (req, res, next) => {
    if (paths.includes(pathOf(req.url))) listener(req, res);
    else next();
  };
}

/** The path of a request target, without its query (for routing and logs). */
function pathOf(target: string | undefined): string {
  return (target ?? "/").split("?")[0] ?? "/";
}

function badRequest(res: ServerResponse, message: string, drained: Promise<void>): void {
  res.writeHead(400, { "content-type": "application/json", connection: "close" });
  res.write(JSON.stringify({ error: { code: "SERVER_BAD_REQUEST", message } }));
  void drained.then(() => res.end());
}

async function handleNode(
  handler: NodeHandler,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
  drain: DrainOptions,
): Promise<void> {
  const target = req.url ?? "/";
  const problem = requestHeadProblem(req);
  if (problem) {
    badRequest(res, problem, drainRequest(req, drain));
    return;
  }
  if (req.method === "POST" && (await fastPost(handler, req, res, logger, drain))) return;
  if (req.method === "GET" && handler.legacyFastGet !== undefined) {
    const path = pathOf(target);
    const fast = await handler.legacyFastGet({ target, path, headers: req.headers });
    if (fast instanceof SseStream) {
      // A new legacy session's stream, as a Streamable HTTP POST's (no web `Response`).
      writePostAnswer(res, { status: 200, headers: SSE_HEADERS, stream: fast }, { logger, path });
      return;
    }
    if (fast !== undefined) {
      await send(handler, req, res, fast, logger, drain, {});
      return;
    }
  }
  // Registered before the handler runs: a client that leaves while it works (a slow
  // createServer) must still cancel the body, or its stream pins the session.
  const abort = new AbortController();
  const body: { cancel?: () => void } = {};
  res.on("close", () => {
    // A response that finished normally has nothing left to cancel: aborting it anyway built
    // a DOMException and ran the abort listeners on every request (measured hot path).
    if (res.writableFinished) return;
    abort.abort();
    body.cancel?.();
  });
  let request: Request;
  try {
    request = webRequest(req, target, abort);
  } catch (error) {
    badRequest(res, `Malformed request: ${(error as Error).message}`, drainRequest(req, drain));
    return;
  }
  await send(handler, req, res, await handler.fetch(request), logger, drain, body);
}

/**
 * A POST one of the handler's fast paths takes (legacy-fast.ts, streamable-fast.ts: no web
 * objects). `false` when neither does: the body is unread and the full path runs.
 */
async function fastPost(
  handler: NodeHandler,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
  drain: DrainOptions,
): Promise<boolean> {
  const { legacyFastPost, streamableFastPost } = handler;
  if (legacyFastPost === undefined && streamableFastPost === undefined) return false;
  const head = new NodePostHead(req.url ?? "/", req.headers, res);
  const read = (maxBytes: number) => readNodeBody(req, maxBytes);
  // The legacy path answers `undefined` at once for any other path: no turn spent on it.
  const legacy = legacyFastPost?.(head, read);
  const fast = (legacy && (await legacy)) ?? (await streamableFastPost?.(head, read));
  if (fast === undefined) return false;
  if (fast === "accepted") res.writeHead(202, ACCEPTED_HEADERS).end(ACCEPTED_BODY);
  else if (fast instanceof Response) await send(handler, req, res, fast, logger, drain, {});
  else if (fast !== "gone") writePostAnswer(res, fast, { logger, path: head.path });
  return true;
}

/**
 * A fast path's answer (a Streamable HTTP POST's, a new legacy session's `GET /sse`): its
 * head, then nothing (202) or its SSE stream straight to the socket, as `send` does for the
 * same answer as a `Response`. The client leaving ends the stream — also when it left while
 * the answer was being made.
 */
function writePostAnswer(
  res: ServerResponse,
  answer: PostAnswer,
  log: { logger: Logger; path: string },
): void {
  const sse = answer.stream;
  if (res.destroyed) {
    sse?.abandon(); // the client is gone: the stream detaches from its session
    return;
  }
  res.writeHead(answer.status, answer.headers);
  if (sse === undefined) {
    res.end();
    return;
  }
  // The client leaving mid-stream ends the stream (the full path cancels the body then).
  res.on("close", () => {
    if (!res.writableFinished) sse.abandon();
  });
  batchWrites(res);
  res.flushHeaders();
  sse.attachSink(new ResponseSink(res, undefined, log));
}

function webRequest(req: IncomingMessage, target: string, abort: AbortController): Request {
  // A string join, never `new URL(target, base)`: that would read `//evil/path` as a host.
  const url = new URL(`http://${req.headers.host}${target}`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  return new Request(url, {
    method: req.method ?? "GET",
    headers,
    signal: abort.signal,
    ...(hasBody ? { body: bodyStream(req, () => abort.abort()), duplex: "half" } : {}),
  } as RequestInit);
}

/**
 * Write `response` to `res`: gzipped when it may be, streamed with backpressure otherwise.
 * `body.cancel` is set once its body is being read, for the client leaving mid-stream.
 */
async function send(
  handler: NodeHandler,
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
  logger: Logger,
  drain: DrainOptions,
  body: { cancel?: () => void },
): Promise<void> {
  const target = req.url ?? "/";
  if (res.destroyed) {
    // The client is gone: release the body (an SSE stream detaches from its session).
    await response.body?.cancel().catch((error: unknown) => {
      logger.debug(redact({ err: error }), "node adapter: cancelling an unsent body failed");
    });
    return;
  }
  const out: Record<string, string | string[]> = {};
  let discarded: Promise<void> | undefined;
  if (!req.complete) {
    // The handler answered without reading the whole body (401/404/413/415): discard the
    // rest so the client can finish sending, and end the answer only then (see drain.ts).
    // A large or unsized rest is not worth keeping the connection for: close it after.
    const length = Number(req.headers["content-length"] ?? Number.NaN);
    if (!(length <= DISCARD_ON_KEEPALIVE_BYTES)) out.connection = "close";
    discarded = drainRequest(req, drain);
  }
  const end = ender(res, discarded);
  // A loop, not `forEach`: a closure here would keep `response` alive as long as an SSE
  // stream's sink (made below) lives — the whole web response of every idle session.
  for (const [name, value] of response.headers) {
    out[name] = name === "set-cookie" ? response.headers.getSetCookie() : value;
  }
  const gzipMinBytes = handler.gzipMinBytes ?? DEFAULT_GZIP_MIN_BYTES;
  if (mayGzip(req.headers["accept-encoding"], response, gzipMinBytes)) {
    const body = await gzipJsonBody(response, out, gzipMinBytes);
    res.writeHead(response.status, out);
    res.write(body);
    await end();
    return;
  }
  res.writeHead(response.status, out);
  if (!response.body) {
    await end();
    return;
  }
  const sse = sseStreamOf(response);
  // An SSE answer's head leaves with the events written in this turn, if any (one syscall
  // for head, events and, for a POST's stream, its end), else alone at the end of the turn.
  if (sse) batchWrites(res);
  res.flushHeaders();
  if (sse) {
    writeSseToSocket(sse, res, discarded, body, { logger, path: pathOf(target) });
    return;
  }
  const reader = response.body.getReader();
  body.cancel = () => {
    reader.cancel().catch((error: unknown) => {
      logger.debug(redact({ err: error }), "node adapter: cancelling a body failed");
    });
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) await drained(res);
      if (res.destroyed) return;
    }
    await end();
  } catch (error) {
    // The body errored (e.g. slow client disconnected): end the connection, not the process.
    logger.debug(redact({ err: error, path: pathOf(target) }), "node adapter: body ended early");
    res.destroy();
  }
}

/** Resolves on `drain`, or at once when the response is already gone (no `close` will come). */
function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

/**
 * The request body as a web stream with backpressure (pauses the socket when 64 KiB are
 * queued). Written out rather than `Readable.toWeb`, whose adapter throws an uncaught
 * ERR_INVALID_STATE when a cancelled body's socket still delivers data.
 */
function bodyStream(req: IncomingMessage, onClientGone: () => void): ReadableStream<Uint8Array> {
  let finished = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on("data", (chunk: Buffer) => {
          if (finished) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.on("end", () => {
          if (finished) return;
          finished = true;
          controller.close();
        });
        req.on("error", (error) => {
          if (finished) return;
          finished = true;
          // The client left mid-body ("aborted"): say so on the request's signal first, so the
          // handler tells this apart from a failure of its own.
          onClientGone();
          controller.error(error);
        });
        req.pause();
      },
      pull() {
        req.resume();
      },
      cancel() {
        finished = true;
        req.resume(); // discard what is still coming
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
  );
}
