import type { IncomingMessage, ServerResponse } from "node:http";
import type { McpHttpHandler } from "./handler.js";

/** A request body up to this size left unread is drained to keep the connection alive. */
const DISCARD_ON_KEEPALIVE_BYTES = 64 * 1024;

type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `node:http` adapter: IncomingMessage → Request, Response → ServerResponse, streaming the
 * body with backpressure (waits for `drain`; a body that errors, e.g. a slow SSE client's,
 * destroys the socket). The client going away cancels the body.
 */
export function toNodeListener(handler: Pick<McpHttpHandler, "fetch">): NodeListener {
  return (req, res) => {
    handleNode(handler, req, res).catch((error: unknown) => {
      // Nothing more can be sent once headers are out; drop the connection so it is not hung.
      if (!res.headersSent)
        res
          .writeHead(500, { "content-type": "application/json" })
          .end('{"error":{"code":"SERVER_INTERNAL_ERROR"}}');
      else res.destroy();
      void error;
    });
  };
}

/**
 * Express/Connect/Fastify-style middleware: serves the handler's paths, passes the rest to
 * `next()`. Mount it before any body parser (it reads the raw body itself).
 */
export function toMiddleware(
  handler: Pick<McpHttpHandler, "fetch">,
  paths: readonly string[] = ["/mcp", "/sse", "/messages", "/healthz", "/metrics"],
): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void {
  const listener = toNodeListener(handler);
  return (req, res, next) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (paths.includes(path)) listener(req, res);
    else next();
  };
}

async function handleNode(
  handler: Pick<McpHttpHandler, "fetch">,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  let request: Request;
  try {
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "localhost"}`);
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
    res.writeHead(400, { "content-type": "application/json", connection: "close" });
    res.end(
      JSON.stringify({
        error: {
          code: "SERVER_BAD_REQUEST",
          message: `Malformed request: ${(error as Error).message}`,
        },
      }),
    );
    return;
  }
  const response = await handler.fetch(request);
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
  res.on("close", () => {
    reader.cancel().catch(() => undefined); // the body's own cancel() handles cleanup
  });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!res.write(value)) await drained(res);
      if (res.destroyed) return;
    }
    res.end();
  } catch (error) {
    // The body errored (e.g. slow client disconnected): end the connection, not the process.
    void error;
    res.destroy();
  }
}

function drained(res: ServerResponse): Promise<void> {
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
