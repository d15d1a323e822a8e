import type { Logger } from "../logger.js";
import type { ServerBackend, SessionTransportKind } from "./backends/types.js";
import type { Cluster } from "./cluster.js";
import { JSONRPC_SERVER_ERROR, JSONRPC_SESSION_NOT_FOUND, jsonRpcErrorResponse } from "./http.js";
import { lazyRequest } from "./lazy-request.js";
import type { ServerMetrics } from "./metrics.js";
import type { SessionManager } from "./sessions.js";
import { type KeepAliveGroup, SseStream } from "./sse-stream.js";
import type { Principal } from "./types.js";
import { DEFAULT_RETRY_AFTER_SECONDS } from "./types.js";

/** What every endpoint shares: sessions, backend, metrics, limits. */
export interface EndpointContext {
  sessions: SessionManager;
  backend: ServerBackend;
  /** Reaches sessions owned by other replicas (unused with the memory backend). */
  cluster: Cluster;
  metrics: ServerMetrics;
  logger: Logger;
  maxBodyBytes: number;
  /** Deepest JSON nesting a body may have (`0`: unbounded). */
  maxJsonDepth: number;
  keepAliveMs: number;
  /** The one keep-alive timer of every stream opened here (`openStream`), every `keepAliveMs`. */
  keepAlive: KeepAliveGroup;
  maxBufferedBytes: number;
  messagesPath: string;
  retryMs: number | undefined;
}

/** A new bounded SSE stream that counts slow-client disconnects and reports its end. */
export function openStream(
  ctx: EndpointContext,
  kind: SessionTransportKind,
  sessionId: string,
  onClose: (stream: SseStream) => void,
): SseStream {
  const stream: SseStream = new SseStream({
    keepAlive: ctx.keepAlive,
    maxBufferedBytes: ctx.maxBufferedBytes,
    onSlowClient: () => {
      ctx.metrics.slowClientDisconnects.inc({ transport: kind });
      ctx.logger.warn(
        { sessionId, transport: kind, maxBufferedBytes: ctx.maxBufferedBytes },
        "slow SSE client disconnected (buffer full); it may resume with Last-Event-ID",
      );
    },
    onClose: () => onClose(stream),
  });
  return stream;
}

/** 404 for an unknown session, one that is closed, or one that belongs to someone else. */
export function sessionNotFound(): Response {
  return jsonRpcErrorResponse(404, JSONRPC_SESSION_NOT_FOUND, "Session not found", {
    code: "SERVER_SESSION_NOT_FOUND",
  });
}

export function sessionLimit(max: string): Response {
  return jsonRpcErrorResponse(503, JSONRPC_SERVER_ERROR, `Service Unavailable: ${max}`, {
    code: "SERVER_SESSION_LIMIT",
    headers: { "retry-after": String(DEFAULT_RETRY_AFTER_SECONDS) },
  });
}

/** `authInfo` for the MCP server's request handlers (never the raw token). */
export function authInfoOf(
  principal: Principal | null,
):
  | { token: string; clientId: string; scopes: string[]; extra?: Record<string, unknown> }
  | undefined {
  if (!principal) return undefined;
  return {
    token: "[REDACTED]",
    clientId: principal.id,
    scopes: principal.scopes ?? [],
    ...(principal.extra ? { extra: principal.extra } : {}),
  };
}

/** 503 once shutdown has begun (also for a request that was mid-way when it began). */
export function shuttingDownResponse(): Response {
  return jsonRpcErrorResponse(
    503,
    JSONRPC_SERVER_ERROR,
    "Service Unavailable: server is shutting down",
    {
      code: "SERVER_SHUTTING_DOWN",
      headers: { "retry-after": String(DEFAULT_RETRY_AFTER_SECONDS) },
    },
  );
}

/** Request headers that carry credentials: the MCP server never sees them. */
export const CREDENTIAL_HEADERS: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "cookie",
];

/**
 * The request as the MCP server sees it (SDK `ctx.http.req`): URL, method and headers minus
 * credentials, and no body (the host has read it). The principal reaches it as `authInfo`.
 */
export function forwardedRequest(request: Request): Request {
  // Built on first use (most tools never read it): a `Request`, its `Headers` and a signal
  // following the request's were a good part of a Streamable HTTP POST's cost.
  return lazyRequest(
    () =>
      new Request(request.url, {
        method: request.method,
        headers: withoutCredentials(request.headers),
        signal: request.signal,
      }),
  );
}

/**
 * The request with its body but without credential headers, for the SDK's stateless handler,
 * which reads the body itself (and would expose the headers to tools as `ctx.http.req`).
 */
export function withoutCredentialHeaders(request: Request): Request {
  return new Request(request, { headers: withoutCredentials(request.headers) });
}

function withoutCredentials(source: Headers): Headers {
  const headers = new Headers(source);
  for (const name of CREDENTIAL_HEADERS) headers.delete(name);
  return headers;
}
