import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { McpSseError } from "../errors.js";
import type { McpHttpHandler } from "./handler.js";
import { createMcpHttpHandler } from "./handler.js";
import { toNodeListener } from "./node.js";
import { isLoopbackHost } from "./security.js";
import type { McpHttpHandlerOptions } from "./types.js";
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_SERVER_KEEP_ALIVE_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
} from "./types.js";

export interface ServeOptions extends McpHttpHandlerOptions {
  /** Default `DEFAULT_HOST` (127.0.0.1, loopback only). */
  host?: string;
  /** Default `DEFAULT_PORT`; `0` picks a free port (see `url`). */
  port?: number;
  /** Bound on `close()`. Default `DEFAULT_SHUTDOWN_TIMEOUT_MS`. */
  shutdownTimeoutMs?: number;
  /**
   * How long an idle client connection stays open for its next request, ms (> 0). Default
   * `DEFAULT_SERVER_KEEP_ALIVE_MS` (65 s).
   */
  keepAliveTimeoutMs?: number;
}

export interface ServeHandle {
  /** Base URL, e.g. `http://127.0.0.1:43125` (endpoints: `/mcp`, `/sse`, `/healthz`). */
  url: string;
  /** Graceful shutdown: stop accepting, end streams with a final comment, close sessions and the listener. */
  close(): Promise<void>;
  handler: McpHttpHandler;
  /** `handler.publish`: one JSON object to every event-feed subscriber (needs the `feed` option). */
  publish(event: Record<string, unknown>): string;
}

/** Host an MCP server over legacy SSE and Streamable HTTP on `node:http`. */
export async function serve(options: ServeOptions): Promise<ServeHandle> {
  const host = options.host ?? DEFAULT_HOST;
  const port = options.port ?? DEFAULT_PORT;
  // A specific non-loopback bind address is itself an allowed Host; wildcard binds are not.
  const wildcard = host === "0.0.0.0" || host === "::";
  const allowedHosts =
    options.allowedHosts ??
    (isLoopbackHost(host) || wildcard ? undefined : [host.replace(/^\[|\]$/g, "")]);
  const keepAliveTimeoutMs = checkedKeepAlive(options.keepAliveTimeoutMs);
  const handler = createMcpHttpHandler({ ...options, ...(allowedHosts ? { allowedHosts } : {}) });
  const server = createHttpServer(toNodeListener(handler));
  server.keepAliveTimeout = keepAliveTimeoutMs;
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => {
      reject(
        new McpSseError(
          "SERVER_LISTEN_FAILED",
          `Cannot listen on ${host}:${port}: ${error.message}`,
          {
            cause: error,
            details: { host, port },
          },
        ),
      );
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  }).catch(async (error: unknown) => {
    await handler.close({ timeoutMs: 0 });
    throw error;
  });
  const address = server.address() as AddressInfo;
  const urlHost =
    address.family === "IPv6" || address.address.includes(":")
      ? `[${address.address}]`
      : address.address;
  const url = `http://${urlHost}:${address.port}`;
  const timeoutMs = options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
  let closed: Promise<void> | undefined;

  return {
    url,
    handler,
    publish: (event) => handler.publish(event),
    close() {
      closed ??= (async () => {
        const listenerClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        await handler.close({ timeoutMs });
        server.closeIdleConnections();
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          listenerClosed,
          new Promise<void>((resolve) => {
            timer = setTimeout(() => {
              server.closeAllConnections();
              resolve();
            }, timeoutMs);
          }),
        ]);
        clearTimeout(timer);
      })();
      return closed;
    },
  };
}

/** `keepAliveTimeoutMs`, or the default; 0 would keep idle connections forever (Node). */
function checkedKeepAlive(value: number | undefined): number {
  if (value === undefined) return DEFAULT_SERVER_KEEP_ALIVE_MS;
  if (!Number.isFinite(value) || value <= 0)
    throw new McpSseError(
      "SERVER_INVALID_OPTIONS",
      `keepAliveTimeoutMs must be a number of milliseconds above 0 (got ${String(value)}): it bounds how long an idle client connection stays open`,
      { details: { option: "keepAliveTimeoutMs" } },
    );
  return value;
}
