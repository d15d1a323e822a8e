import { McpSseError } from "../errors.js";
import type { Logger } from "../logger.js";
import { redactHeaders, silentLogger } from "../logger.js";
import { createMemoryBackend } from "./backends/memory.js";
import { Cluster, DEFAULT_FORWARD_TIMEOUT_MS } from "./cluster.js";
import type { EndpointContext } from "./context.js";
import { shuttingDownResponse } from "./context.js";
import type { EventFeed } from "./feed.js";
import { jsonResponse, jsonRpcErrorResponse } from "./http.js";
import { DEFAULT_MAX_JSON_DEPTH } from "./json-depth.js";
import type { LegacyFastGet, LegacyFastPost, RejectionLog } from "./legacy-fast.js";
import { createLegacyFastGet, createLegacyFastPost } from "./legacy-fast.js";
import type { ServerMetrics } from "./metrics.js";
import { createServerMetrics } from "./metrics.js";
import { createModernLeg } from "./modern.js";
import { createFeedEndpoints, createRouter, isGetOrHead } from "./router.js";
import type { Handle, RequestContext } from "./security.js";
import { withAuth, withHostCheck, withOriginCheck } from "./security.js";
import { SessionManager } from "./sessions.js";
import { DEFAULT_KEEPALIVE_MS, DEFAULT_MAX_BUFFERED_BYTES, KeepAliveGroup } from "./sse-stream.js";
import type { StreamableFastPost } from "./streamable-fast.js";
import { createStreamableFastPost } from "./streamable-fast.js";
import type { McpHttpHandlerOptions } from "./types.js";
import {
  DEFAULT_GZIP_MIN_BYTES,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_SESSIONS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
} from "./types.js";

export interface McpHttpHandler {
  /** Web-standard face: one request in, one response out. */
  fetch(request: Request): Promise<Response>;
  /** Graceful shutdown: refuse new requests, end streams, close sessions (bounded). */
  close(options?: { timeoutMs?: number }): Promise<void>;
  metrics: ServerMetrics;
  /** Open sessions in this process. */
  readonly sessionCount: number;
  /** Close sessions idle for longer than `idleTimeoutMs` now (the reaper does it periodically). */
  reapIdle(): Promise<number>;
  /** The handler's logger (`options.logger`, or silent); adapters report their failures here. */
  readonly logger: Logger;
  /** Every path this handler serves (its configured endpoint paths, `/healthz`, `/metrics`). */
  readonly paths: readonly string[];
  /** JSON answers this big are gzipped by the node adapter (`options.gzipMinBytes`). */
  readonly gzipMinBytes: number;
  /** The plain event feed, when `options.feed` is given. */
  readonly feed: EventFeed | undefined;
  /**
   * Publish one JSON object to every feed subscriber (and its replay log); returns its SSE id.
   * Throws `SERVER_FEED_DISABLED` without `options.feed`.
   */
  publish(event: Record<string, unknown>): string;
  /**
   * The node adapter's fast path for legacy `POST /messages` (see legacy-fast.ts); `undefined`
   * when it cannot apply (an auth `verify` hook). Other runtimes use `fetch` for everything.
   */
  readonly legacyFastPost: LegacyFastPost | undefined;
  /**
   * The node adapter's fast path for Streamable HTTP `POST /mcp` to a session held here (see
   * streamable-fast.ts); `undefined` when it cannot apply (an auth `verify` hook).
   */
  readonly streamableFastPost: StreamableFastPost | undefined;
  /** The same for a legacy `GET /sse` opening a session (its stream goes to the socket). */
  readonly legacyFastGet: LegacyFastGet | undefined;
}

/**
 * The server core: security wrappers around the endpoints (legacy SSE, Streamable HTTP),
 * `/healthz` and `/metrics`, all on web-standard `Request`/`Response`.
 */
export function createMcpHttpHandler(options: McpHttpHandlerOptions): McpHttpHandler {
  const logger: Logger = options.logger ?? silentLogger;
  const metrics = createServerMetrics();
  const ownBackend = options.backend === undefined;
  refuseUnusableOptions(options);
  const backend =
    options.backend ??
    createMemoryBackend({
      ...(options.eventLogSize !== undefined ? { eventLogSize: options.eventLogSize } : {}),
      ...(options.eventLogBytes !== undefined ? { eventLogBytes: options.eventLogBytes } : {}),
      onEvict: (_id, n) => metrics.count.evicted(n),
    });
  const sessions = new SessionManager({
    backend,
    createServer: options.createServer,
    maxSessions: options.maxSessions ?? DEFAULT_MAX_SESSIONS,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    metrics,
    logger,
  });
  const cluster = new Cluster({
    sessions,
    backend,
    logger,
    forwardTimeoutMs: options.forwardTimeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS,
  });
  const keepAliveMs = options.keepAliveMs ?? DEFAULT_KEEPALIVE_MS;
  const ctx: EndpointContext = {
    sessions,
    backend,
    cluster,
    metrics,
    logger,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxJsonDepth: options.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH,
    keepAliveMs,
    keepAlive: new KeepAliveGroup(keepAliveMs),
    maxBufferedBytes: options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES,
    messagesPath: options.messagesPath ?? "/messages",
    retryMs: options.retryMs,
  };
  const modern =
    options.stateless === false
      ? undefined
      : createModernLeg({
          createServer: options.createServer,
          maxBodyBytes: ctx.maxBodyBytes,
          keepAliveMs: ctx.keepAliveMs,
          metrics,
          logger,
        });
  const mcpPath = options.mcpPath ?? "/mcp";
  const ssePath = options.ssePath ?? "/sse";
  const feedEndpoints = createFeedEndpoints(options, ctx);
  const feed = feedEndpoints?.feed;
  const rpc = feedEndpoints?.rpc;
  const route = createRouter({ ctx, mcpPath, ssePath, modern, feed: feedEndpoints });

  // /healthz answers without credentials (load balancers), after the Host/Origin checks.
  const authenticated = withAuth(options.auth, route);
  const dispatch: Handle = async (request, rc) => {
    if (rc.url.pathname === "/healthz" && isGetOrHead(request)) {
      return jsonResponse(200, { ok: !closing, sessions: sessions.size });
    }
    return authenticated(request, rc);
  };
  const pipeline = withHostCheck(
    options.allowedHosts,
    withOriginCheck(options.allowedOrigins, dispatch),
  );

  let closing = false;

  const rejected = rejectionLog(logger, metrics);
  const internalError = internalErrorAnswer(logger, rejected);
  const fetch = answering(pipeline, {
    logger,
    metrics,
    internalError,
    rejected,
    closing: () => closing,
  });
  const fastDeps = {
    ctx,
    allowedHosts: options.allowedHosts,
    auth: options.auth,
    closing: () => closing,
    rejected,
  };
  const clientGone = (path: string) => () => {
    metrics.clientDisconnects.inc();
    logger.debug({ method: "POST", path }, "client disconnected before the answer");
  };
  const legacyFastPost = createLegacyFastPost({
    ...fastDeps,
    clientGone: clientGone(ctx.messagesPath),
  });
  // A feed configured on the MCP path would be routed first: then every POST takes the router.
  const streamableFastPost =
    feedEndpoints?.feedPath === mcpPath || feedEndpoints?.rpcPath === mcpPath
      ? undefined
      : createStreamableFastPost({
          ...fastDeps,
          mcpPath,
          internalError,
          clientGone: clientGone(mcpPath),
        });

  const legacyFastGet = createLegacyFastGet({ ...fastDeps, ssePath, internalError });

  async function close(closeOptions: { timeoutMs?: number } = {}): Promise<void> {
    if (closing) return;
    closing = true;
    const timeoutMs = closeOptions.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        logger.warn({ timeoutMs }, "shutdown timed out; some sessions did not close in time");
        resolve();
      }, timeoutMs);
    });
    feed?.close();
    await Promise.race([
      Promise.all([sessions.closeAll("server shutting down"), modern?.close(), rpc?.close()]),
      timeout,
    ]);
    clearTimeout(timer);
    cluster.close();
    if (ownBackend) await backend.close();
  }

  return {
    fetch,
    close,
    metrics,
    logger,
    get sessionCount() {
      return sessions.size;
    },
    reapIdle: () => sessions.reapIdle(),
    gzipMinBytes: options.gzipMinBytes ?? DEFAULT_GZIP_MIN_BYTES,
    paths: [
      mcpPath,
      ssePath,
      ctx.messagesPath,
      ...(feedEndpoints === undefined ? [] : [feedEndpoints.feedPath]),
      ...(feedEndpoints?.rpcPath === undefined ? [] : [feedEndpoints.rpcPath]),
      "/healthz",
      "/metrics",
    ],
    feed,
    legacyFastPost,
    streamableFastPost,
    legacyFastGet,
    publish(event) {
      if (feed === undefined)
        throw new McpSseError(
          "SERVER_FEED_DISABLED",
          "publish() needs an event feed: pass the `feed` option to serve() / createMcpHttpHandler().",
        );
      return feed.publish(event);
    },
  };
}

/**
 * Options that cannot work together fail at once rather than being dropped: the event log
 * bounds belong to the backend, so with `backend` they go to the backend's own options.
 */
function refuseUnusableOptions(options: McpHttpHandlerOptions): void {
  if (options.backend === undefined) return;
  for (const name of ["eventLogSize", "eventLogBytes"] as const) {
    if (options[name] !== undefined) {
      throw new McpSseError(
        "SERVER_INVALID_OPTIONS",
        `${name} has no effect with backend: pass it to the backend (createMemoryBackend / createRedisBackend) instead`,
        { details: { option: name } },
      );
    }
  }
}

/**
 * The handler's `fetch`: runs the pipeline; a throw is a logged 500 (or a quiet 499 when the
 * client left first); every answer of 400 or more is counted and logged without secrets.
 */
function answering(
  pipeline: Handle,
  deps: {
    logger: Logger;
    metrics: ServerMetrics;
    rejected: RejectionLog;
    internalError: InternalErrorAnswer;
    closing: () => boolean;
  },
): (request: Request) => Promise<Response> {
  const { logger, metrics } = deps;
  const describe = (request: Request, rc: RequestContext) => ({
    method: request.method,
    path: rc.url.pathname,
    headers: Object.fromEntries(request.headers),
  });
  return async (request) => {
    if (deps.closing()) return shuttingDownResponse();
    const rc: RequestContext = { url: new URL(request.url), principal: null };
    let response: Response;
    try {
      response = await pipeline(request, rc);
    } catch (error) {
      if (request.signal.aborted) {
        // The client went away before we answered (e.g. left mid-body, so reading it threw):
        // its own business, not a server error. Nobody reads the answer.
        metrics.clientDisconnects.inc();
        const method = request.method;
        const path = rc.url.pathname;
        logger.debug({ err: error, method, path }, "client disconnected before the answer");
        return new Response(null, { status: 499 });
      }
      // Counted and logged as rejected there, like every answer of 400 or more.
      return withoutBodyIfHead(request, deps.internalError(error, describe(request, rc)));
    }
    if (response.status >= 400) deps.rejected(describe(request, rc), response.status);
    return withoutBodyIfHead(request, response);
  };
}

type InternalErrorAnswer = (error: unknown, head: Parameters<RejectionLog>[0]) => Response;

/** A throw while answering: logged (headers without secrets), counted, a JSON-RPC 500. */
function internalErrorAnswer(logger: Logger, rejected: RejectionLog): InternalErrorAnswer {
  return (error, head) => {
    const { headers, ...rest } = head;
    logger.error({ err: error, ...rest, headers: redactHeaders(headers) }, "request failed");
    rejected(head, 500);
    return jsonRpcErrorResponse(500, -32603, "Internal error", { code: "SERVER_INTERNAL_ERROR" });
  };
}

function withoutBodyIfHead(request: Request, response: Response): Response {
  return request.method === "HEAD" ? withoutBody(response) : response;
}

/** Counts an answer of 400 or more and logs it, its headers without secrets. */
function rejectionLog(logger: Logger, metrics: ServerMetrics): RejectionLog {
  return ({ method, path, headers }, status) => {
    metrics.errors.inc({ code: String(status) });
    // Client errors are the client's business (debug); the headers help, minus secrets.
    logger[status >= 500 ? "warn" : "debug"](
      { method, path, headers: redactHeaders(headers), status },
      "request rejected",
    );
  };
}

/** The same status and headers, no body (a `HEAD` answer). */
function withoutBody(response: Response): Response {
  if (!response.body) return response;
  void response.body.cancel().catch(() => undefined); // nothing will read it
  return new Response(null, { status: response.status, headers: response.headers });
}
