import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { isMcpSseError } from "../errors.js";
import type { EventLogEntry, SessionRecord } from "./backends/types.js";
import { formatEventId } from "./backends/types.js";
import type { ForwardedHttp } from "./cluster-ops.js";
import type { EndpointContext } from "./context.js";
import { authInfoOf, openStream, sessionNotFound, shuttingDownResponse } from "./context.js";
import { JSONRPC_SERVER_ERROR, jsonRpcErrorResponse } from "./http.js";
import { LEGACY_STREAM, writeEndpointEvent } from "./legacy-transport.js";
import type { RequestContext } from "./security.js";
import type { SseStream } from "./sse-stream.js";
import { SSE_HEADERS } from "./sse-stream.js";
import { replayOrGap, StreamSlot } from "./stream-slot.js";
import { resumedStream, STANDALONE_STREAM } from "./streamable-transport.js";
import { DEFAULT_RETRY_AFTER_SECONDS } from "./types.js";

/**
 * The endpoints' side of a session owned by another replica (found through the backend): its
 * messages are forwarded to the owner, and its streams are held here — replayed from the
 * shared log, then fed live by the owner. See docs/scaling.md.
 */

/** The error answer for a forwarding that failed (typed codes from `Cluster.call`). */
export function forwardFailed(
  ctx: EndpointContext,
  error: unknown,
  record: SessionRecord,
): Response {
  if (isMcpSseError(error, "SERVER_SESSION_NOT_FOUND")) return sessionNotFound();
  if (isMcpSseError(error, "SERVER_SHUTTING_DOWN")) return shuttingDownResponse();
  if (
    isMcpSseError(error, "SERVER_OWNER_TIMEOUT") ||
    isMcpSseError(error, "SERVER_REDIS_UNAVAILABLE")
  ) {
    ctx.logger.warn(
      { sessionId: record.id, replica: record.owner, err: error },
      "forwarding to the session owner failed",
    );
    return jsonRpcErrorResponse(
      error.code === "SERVER_OWNER_TIMEOUT" ? 504 : 503,
      JSONRPC_SERVER_ERROR,
      error.message,
      { code: error.code, headers: { "retry-after": String(DEFAULT_RETRY_AFTER_SECONDS) } },
    );
  }
  throw error;
}

/** The answer when the backend cannot even say who owns a session. */
export function backendDown(ctx: EndpointContext, error: unknown): Response {
  if (!isMcpSseError(error, "SERVER_REDIS_UNAVAILABLE")) throw error;
  ctx.logger.error({ err: error }, "cannot look a session up: the shared backend is unreachable");
  return jsonRpcErrorResponse(503, JSONRPC_SERVER_ERROR, error.message, {
    code: error.code,
    headers: { "retry-after": String(DEFAULT_RETRY_AFTER_SECONDS) },
  });
}

export function forwardedHttp(request: Request, rc: RequestContext): ForwardedHttp {
  const headers: [string, string][] = [];
  for (const [name, value] of request.headers) {
    if (name !== "authorization" && name !== "proxy-authorization" && name !== "cookie")
      headers.push([name, value]);
  }
  const authInfo = authInfoOf(rc.principal);
  return { url: request.url, method: request.method, headers, ...(authInfo ? { authInfo } : {}) };
}

/** Messages that need no stream (legacy POST, /mcp notifications/responses): 202 once the owner took them. */
export async function forwardPost(
  ctx: EndpointContext,
  record: SessionRecord,
  request: Request,
  rc: RequestContext,
  messages: JSONRPCMessage[],
): Promise<Response> {
  try {
    await ctx.cluster.call(record.owner, {
      op: "post",
      sid: record.id,
      kind: record.transport,
      principalId: record.principalId,
      messages,
      http: forwardedHttp(request, rc),
    });
  } catch (error) {
    return forwardFailed(ctx, error, record);
  }
  const headers: Record<string, string> =
    record.transport === "sse" ? { "content-type": "text/plain" } : { "mcp-session-id": record.id };
  return new Response(record.transport === "sse" ? "Accepted" : null, { status: 202, headers });
}

/**
 * Hold a stream of `record` here: `start` (after the slot holds live events) asks the owner
 * to send them here and returns the replay. The response, or the error answer.
 */
async function holdStream(
  ctx: EndpointContext,
  record: SessionRecord,
  key: string,
  preamble: (stream: SseStream) => void,
  start: (stream: SseStream) => Promise<{ replay: EventLogEntry[]; complete: boolean }>,
): Promise<Response> {
  const stream = openStream(ctx, record.transport, record.id, (s) =>
    ctx.cluster.release(record.id, key, s),
  );
  const slot = new StreamSlot();
  ctx.cluster.hold(record.id, key, record.owner, slot, stream);
  let complete = false;
  try {
    await slot.attach(stream, preamble, async () => {
      const started = await start(stream);
      complete = started.complete;
      return started.replay;
    });
  } catch (error) {
    ctx.cluster.release(record.id, key, stream);
    stream.close();
    return forwardFailed(ctx, error, record);
  }
  if (complete) slot.close();
  const headers: Record<string, string> =
    record.transport === "sse" ? SSE_HEADERS : { ...SSE_HEADERS, "mcp-session-id": record.id };
  return new Response(stream.body, { status: 200, headers });
}

/** Legacy `GET /sse` with `Last-Event-ID` for a session owned elsewhere. */
export function resumeLegacyRemote(
  ctx: EndpointContext,
  record: SessionRecord,
  lastSeq: number,
): Promise<Response> {
  ctx.metrics.streamReconnects.inc({ transport: "sse" });
  return holdStream(
    ctx,
    record,
    LEGACY_STREAM,
    (s) => writeEndpointEvent(s, ctx, record.id, lastSeq),
    async (stream) => {
      await ctx.cluster.call(record.owner, attachOp(record, LEGACY_STREAM));
      const result = await ctx.backend.readAfter(record.id, lastSeq, LEGACY_STREAM);
      const replay = replayOrGap(stream, record.id, formatEventId(record.id, lastSeq), result, () =>
        ctx.metrics.replayGaps.inc({ transport: "sse" }),
      );
      ctx.metrics.replayedEvents.inc({ transport: "sse" }, replay.length);
      return { replay, complete: false };
    },
  );
}

/** `GET /mcp` (standalone, or resuming with `Last-Event-ID`) for a session owned elsewhere. */
export async function getStreamableRemote(
  ctx: EndpointContext,
  record: SessionRecord,
  lastSeq: number | undefined,
): Promise<Response> {
  if (lastSeq === undefined) {
    return holdStream(
      ctx,
      record,
      STANDALONE_STREAM,
      () => {},
      async () => {
        await ctx.cluster.call(record.owner, attachOp(record, STANDALONE_STREAM));
        return { replay: [], complete: false };
      },
    );
  }
  ctx.metrics.streamReconnects.inc({ transport: "streamable" });
  const { key } = resumedStream(await ctx.backend.readAfter(record.id, lastSeq));
  return holdStream(
    ctx,
    record,
    key,
    () => {},
    async (stream) => {
      const answer = (await ctx.cluster.call(record.owner, attachOp(record, key))) as {
        complete?: boolean;
      };
      // Read again now that the owner sends live events here: nothing falls in between.
      const { result } = resumedStream(await ctx.backend.readAfter(record.id, lastSeq, key));
      const replay = replayOrGap(stream, record.id, formatEventId(record.id, lastSeq), result, () =>
        ctx.metrics.replayGaps.inc({ transport: "streamable" }),
      );
      ctx.metrics.replayedEvents.inc({ transport: "streamable" }, replay.length);
      return { replay, complete: answer?.complete === true };
    },
  );
}

/** A /mcp POST carrying requests for a session owned elsewhere: its stream is held here. */
export function requestRemote(
  ctx: EndpointContext,
  record: SessionRecord,
  request: Request,
  rc: RequestContext,
  messages: JSONRPCMessage[],
): Promise<Response> {
  const key = `post:${crypto.randomUUID()}`;
  const http = forwardedHttp(request, rc);
  return holdStream(
    ctx,
    record,
    key,
    () => {},
    async (stream) => {
      const answer = (await ctx.cluster.call(record.owner, {
        op: "request",
        sid: record.id,
        principalId: record.principalId,
        key,
        messages,
        http,
      })) as { primed?: boolean };
      if (answer?.primed && ctx.retryMs !== undefined) stream.write({ retry: ctx.retryMs });
      return { replay: [], complete: false };
    },
  );
}

/** `DELETE /mcp` for a session owned elsewhere. */
export async function deleteRemote(ctx: EndpointContext, record: SessionRecord): Promise<Response> {
  try {
    await ctx.cluster.call(record.owner, {
      op: "delete",
      sid: record.id,
      principalId: record.principalId,
    });
  } catch (error) {
    return forwardFailed(ctx, error, record);
  }
  return new Response(null, { status: 200 });
}

function attachOp(record: SessionRecord, key: string) {
  return {
    op: "attach" as const,
    sid: record.id,
    kind: record.transport,
    principalId: record.principalId,
    key,
  };
}
