import { createMcpHandler, isLegacyRequest, McpServer, Server } from "@modelcontextprotocol/server";
import { McpSseError } from "../errors.js";
import type { Logger } from "../logger.js";
import { authInfoOf, withoutCredentialHeaders } from "./context.js";
import type { ServerMetrics } from "./metrics.js";
import type { Principal, ServerLike } from "./types.js";

/**
 * The stateless 2026-07-28 revision on `/mcp`: a request that carries the per-request
 * protocol envelope (no `Mcp-Session-Id`, no `initialize`) is served by the SDK's
 * `createMcpHandler`, one server instance per request. Everything else (2025-03-26 through
 * 2025-11-25, sessionful) stays on our Streamable HTTP transport. Only SDK servers
 * (`McpServer`/`Server`) can serve this leg; other `ServerLike`s get a JSON-RPC error.
 *
 * The SDK owns the wire format of these per-request exchanges (single JSON body, or SSE when
 * the handler streams); they have no session, so there is nothing to resume.
 */
export interface ModernLeg {
  /** The response, or `undefined` when the request belongs to the sessionful path. */
  handle(request: Request, principal: Principal | null): Promise<Response | undefined>;
  close(): Promise<void>;
}

export function createModernLeg(options: {
  createServer: () => ServerLike | Promise<ServerLike>;
  maxBodyBytes: number;
  keepAliveMs: number;
  metrics: ServerMetrics;
  logger: Logger;
}): ModernLeg {
  const maxRequestBodySize =
    options.maxBodyBytes > 0 ? options.maxBodyBytes : Number.MAX_SAFE_INTEGER;
  const handler = createMcpHandler(
    async () => {
      const product = await options.createServer();
      if (product instanceof McpServer || product instanceof Server) return product;
      await product.close();
      throw new McpSseError(
        "SERVER_MODERN_UNSUPPORTED",
        "This MCP server is not an SDK McpServer/Server, so it cannot serve the stateless 2026-07-28 revision; connect with a 2025 revision (initialize)",
      );
    },
    {
      legacy: "reject",
      maxRequestBodySize,
      keepAliveMs: options.keepAliveMs,
      onerror: (error) =>
        options.logger.warn({ err: error }, "stateless (2026-07-28) request failed"),
    },
  );
  // Whether createServer() makes SDK servers; learned once, from one throwaway instance.
  let capable: Promise<boolean> | undefined;
  const isCapable = () => {
    capable ??= (async () => {
      const product = await options.createServer();
      const sdk = product instanceof McpServer || product instanceof Server;
      await product.close();
      if (!sdk)
        options.logger.info(
          {},
          "createServer() does not make SDK servers: 2026-07-28 stateless requests are answered as 2025 ones",
        );
      return sdk;
    })();
    // A factory failure is not a verdict: ask again next time.
    capable.catch(() => {
      capable = undefined;
    });
    return capable;
  };
  return {
    async handle(request, principal) {
      if (request.method !== "POST" || request.headers.has("mcp-session-id")) return undefined;
      // Classifies from a clone of the body, read under the same size bound.
      if (await isLegacyRequest(request, undefined, { maxRequestBodySize })) return undefined;
      if (!(await isCapable())) return undefined;
      options.metrics.count.in("stateless");
      const authInfo = authInfoOf(principal);
      // The principal reaches the server as authInfo; the credential headers never do.
      return handler.fetch(withoutCredentialHeaders(request), authInfo ? { authInfo } : {});
    },
    close: () => handler.close(),
  };
}
