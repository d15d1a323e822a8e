/**
 * Which endpoint answers a request: the event feed and its RPC URL (when configured), the
 * Streamable HTTP endpoint (with the stateless leg in front of it), legacy SSE and its
 * messages URL, `/metrics`; 404 for anything else. Security wrappers sit around this (see
 * handler.ts); endpoints live in their own modules.
 */
import type { Logger } from "../logger.js";
import type { ServerBackend } from "./backends/types.js";
import {
  bodyTooLargeResponse,
  jsonTooDeepResponse,
  readBodyBytes,
  refuseDeclaredTooLarge,
} from "./body.js";
import type { EndpointContext } from "./context.js";
import { EventFeed, type FeedFanout } from "./feed.js";
import { FeedRpc } from "./feed-rpc.js";
import { jsonResponse } from "./http.js";
import { exceedsJsonDepth } from "./json-depth.js";
import { handleLegacyGet, handleLegacyPost } from "./legacy.js";
import type { createModernLeg } from "./modern.js";
import type { Handle } from "./security.js";
import { handleStreamable } from "./streamable.js";
import type { McpHttpHandlerOptions } from "./types.js";
import { DEFAULT_FEED_PATH, DEFAULT_FEED_RPC_PATH, DEFAULT_RETRY_AFTER_SECONDS } from "./types.js";

/** The plain event feed (`GET`) and its RPC URL (`POST`), when `options.feed` is given. */
export interface FeedEndpoints {
  feed: EventFeed;
  feedPath: string;
  rpc: FeedRpc | undefined;
  rpcPath: string | undefined;
}

export function createFeedEndpoints(
  options: McpHttpHandlerOptions,
  ctx: EndpointContext,
): FeedEndpoints | undefined {
  const feedOptions = options.feed;
  if (feedOptions === undefined) return undefined;
  const { metrics, logger } = ctx;
  const feed = new EventFeed({
    ...feedOptions,
    keepAliveMs: ctx.keepAliveMs,
    maxBufferedBytes: ctx.maxBufferedBytes,
    onSlowSubscriber: () => metrics.slowClientDisconnects.inc({ transport: "feed" }),
    ...feedFanout(ctx.backend, logger),
  });
  const rpcPath =
    feedOptions.rpcPath === false ? undefined : (feedOptions.rpcPath ?? DEFAULT_FEED_RPC_PATH);
  const rpc =
    rpcPath === undefined
      ? undefined
      : new FeedRpc({
          createServer: options.createServer,
          maxBodyBytes: ctx.maxBodyBytes,
          maxJsonDepth: ctx.maxJsonDepth,
          logger,
          ...(feedOptions.rpcTimeoutMs === undefined
            ? {}
            : { timeoutMs: feedOptions.rpcTimeoutMs }),
        });
  return { feed, feedPath: feedOptions.path ?? DEFAULT_FEED_PATH, rpc, rpcPath };
}

/** The feed's fan-out across replicas, when the backend is shared (it can broadcast). */
function feedFanout(backend: ServerBackend, logger: Logger): { fanout?: FeedFanout } {
  const { broadcast, onBroadcast } = backend;
  if (broadcast === undefined || onBroadcast === undefined) return {};
  return {
    fanout: {
      broadcast: (message) => broadcast.call(backend, message),
      onBroadcast: (handler) => onBroadcast.call(backend, handler),
      logger,
    },
  };
}

export interface Routes {
  ctx: EndpointContext;
  mcpPath: string;
  ssePath: string;
  modern: ReturnType<typeof createModernLeg> | undefined;
  feed: FeedEndpoints | undefined;
}

export function createRouter(routes: Routes): Handle {
  const { ctx, mcpPath, ssePath, modern, feed } = routes;
  return async (request, rc) => {
    const path = rc.url.pathname;
    if (feed !== undefined && path === feed.feedPath) {
      return request.method === "GET"
        ? feed.feed.subscribe(request, DEFAULT_RETRY_AFTER_SECONDS)
        : methodNotAllowed("GET");
    }
    if (feed?.rpc !== undefined && path === feed.rpcPath) {
      return request.method === "POST" ? feed.rpc.handle(request) : methodNotAllowed("POST");
    }
    if (path === mcpPath) {
      if (
        modern === undefined ||
        request.method !== "POST" ||
        request.headers.has("mcp-session-id")
      )
        return (await modern?.handle(request, rc.principal)) ?? handleStreamable(ctx, request, rc);
      const bounded = await withBoundedBody(request, ctx);
      if (bounded instanceof Response) return bounded;
      return (await modern.handle(bounded, rc.principal)) ?? handleStreamable(ctx, bounded, rc);
    }
    if (path === ssePath) {
      return request.method === "GET" ? handleLegacyGet(ctx, request, rc) : methodNotAllowed("GET");
    }
    if (path === ctx.messagesPath) {
      return request.method === "POST"
        ? handleLegacyPost(ctx, request, rc)
        : methodNotAllowed("POST");
    }
    if (path === "/metrics" && isGetOrHead(request)) {
      return new Response(await ctx.metrics.registry.metrics(), {
        headers: { "content-type": ctx.metrics.registry.contentType },
      });
    }
    return jsonResponse(404, {
      error: { code: "SERVER_NOT_FOUND", message: `No route for ${path}` },
    });
  };
}

/**
 * A session-less POST /mcp, its body read under our bounds (size, JSON depth) before the
 * stateless leg, which would read the body itself and answer 413 without our code (after
 * making a throwaway server). The answer when a bound is crossed.
 */
async function withBoundedBody(
  request: Request,
  ctx: EndpointContext,
): Promise<Request | Response> {
  const declared = await refuseDeclaredTooLarge(request, ctx.maxBodyBytes);
  if (declared) return declared;
  const bytes = await readBodyBytes(request, ctx.maxBodyBytes);
  if (bytes === undefined) return bodyTooLargeResponse(ctx.maxBodyBytes);
  if (exceedsJsonDepth(bytes, ctx.maxJsonDepth)) return jsonTooDeepResponse(ctx.maxJsonDepth);
  return new Request(request.url, {
    method: request.method,
    headers: request.headers,
    body: bytes as Uint8Array<ArrayBuffer>,
    signal: request.signal,
  });
}

/** `HEAD` is answered like `GET` (RFC 9110 §9.3.2) on the read-only routes. */
export function isGetOrHead(request: Request): boolean {
  return request.method === "GET" || request.method === "HEAD";
}

function methodNotAllowed(allow: string): Response {
  return new Response(
    JSON.stringify({ error: { code: "SERVER_METHOD_NOT_ALLOWED", message: `Use ${allow}` } }),
    {
      status: 405,
      headers: { allow, "content-type": "application/json" },
    },
  );
}
