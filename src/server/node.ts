import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import { redact, silentLogger } from "../logger.js";
import type { McpHttpHandler } from "./handler.js";

/** A request body up to this size left unread is drained to keep the connection alive. */
const DISCARD_ON_KEEPALIVE_BYTES = 64 * 1024;

type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/** The handler as the adapter sees it: `fetch`, and its logger when it has one. */
export type NodeHandler = Pick<McpHttpHandler, "fetch"> & { readonly logger?: Logger };

export interface NodeListenerOptions {
  /** Where adapter failures are reported (redacted). Default: the handler's own logger. */
  logger?: Logger;
}

/**
 * `node:http` adapter: IncomingMessage → Request, Response → ServerResponse, streaming the
 * body with backpressure (waits for `drain`; a body that errors, e.g. a slow SSE client's,
 * destroys the socket). The client going away cancels the body — also when it leaves before
 * the handler has answered.
 *
 * Only origin-form request targets (`/path?query`) are served: `//host/path`, absolute-form
 * (`http://host/path`, meant for proxies) and `*` get 400, so the URL's host is always the
 * `Host` header's, which the host check inspects.
 */
export function toNodeListener(
  handler: NodeHandler,
  options: NodeListenerOptions = {},
): NodeListener {
  const logger = options.logger ?? handler.logger ?? silentLogger;
  return (req, res) => {
    handleNode(handler, req, res, logger).catch((error: unknown) => {
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
  paths: readonly string[] = ["/mcp", "/sse", "/messages", "/healthz", "/metrics"],
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

/** Origin-form: one `/`, then anything but a second `/` right after it. */
function isOriginForm(target: string): boolean {
  return target.startsWith("/") && !target.startsWith("//");
}

function badRequest(res: ServerResponse, message: string): void {
  res.writeHead(400, { "content-type": "application/json", connection: "close" });
  res.end(JSON.stringify({ error: { code: "SERVER_BAD_REQUEST", message } }));
}

async function handleNode(
  handler: NodeHandler,
  req: IncomingMessage,
  res: ServerResponse,
  logger: Logger,
): Promise<void> {
  const target = req.url ?? "/";
  if (!isOriginForm(target)) {
    req.resume();
    badRequest(res, "Malformed request target: only origin-form (/path?query) is served");
    return;
  }
  // Registered before the handler runs: a client that leaves while it works (a slow
  // createServer) must still cancel the body, or its stream pins the session.
  const abort = new AbortController();
  let cancelBody: (() => void) | undefined;
  res.on("close", () => {
    // A response that finished normally has nothing left to cancel: aborting it anyway built
    // a DOMException and ran the abort listeners on every request (measured hot path).
    if (res.writableFinished) return;
    abort.abort();
    cancelBody?.();
  });
  let request: Request;
  try {
    // A string join, never `new URL(target, base)`: that would read `//evil/path` as a host.
    const url = new URL(`http://${req.headers.host ?? "localhost"}${target}`);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      if (Array.isArray(value)) for (const v of value) headers.append(name, v);
      else headers.set(name, value);
    }
    const hasBody = req.method !== "GET" && req.method !== "HEAD";
    request = new Request(url, {
      method: req.method ?? "GET",
      headers,
      signal: abort.signal,
      ...(hasBody ? { body: bodyStream(req), duplex: "half" } : {}),
    } as RequestInit);
  } catch (error) {
    req.resume();
    badRequest(res, `Malformed request: ${(error as Error).message}`);
    return;
  }
  const response = await handler.fetch(request);
  if (res.destroyed) {
    // The client is gone: release the body (an SSE stream detaches from its session).
    await response.body?.cancel().catch((error: unknown) => {
      logger.debug(redact({ err: error }), "node adapter: cancelling an unsent body failed");
    });
    return;
  }
  const out: Record<string, string | string[]> = {};
  if (!req.complete) {
    // The handler answered without reading the whole body (401/404/413/415): discard the
    // rest so the client can finish sending. A large or unsized rest is not worth waiting
    // for on a kept-alive connection: close it after this response.
    const length = Number(req.headers["content-length"] ?? Number.NaN);
    if (!(length <= DISCARD_ON_KEEPALIVE_BYTES)) out.connection = "close";
    req.resume();
  }
  response.headers.forEach((value, name) => {
    out[name] = name === "set-cookie" ? response.headers.getSetCookie() : value;
  });
  res.writeHead(response.status, out);
  if (!response.body) {
    res.end();
    return;
  }
  res.flushHeaders();
  const reader = response.body.getReader();
  cancelBody = () => {
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
    res.end();
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
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
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
