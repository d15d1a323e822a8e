import { isMcpSseError } from "../errors.js";
import type { SessionRecord } from "./backends/types.js";
import { parseEventId } from "./backends/types.js";
import { readJsonRpcBody } from "./body.js";
import type { EndpointContext } from "./context.js";
import {
  authInfoOf,
  forwardedRequest,
  openStream,
  sessionLimit,
  sessionNotFound,
  shuttingDownResponse,
} from "./context.js";
import { backendDown, forwardPost, resumeLegacyRemote } from "./forward.js";
import { JSONRPC_SERVER_ERROR, jsonRpcErrorResponse } from "./http.js";
import { LegacySseTransport } from "./legacy-transport.js";
import type { RequestContext } from "./security.js";
import type { LocalSession } from "./sessions.js";
import type { SseStream } from "./sse-stream.js";
import { SSE_HEADERS } from "./sse-stream.js";
import type { Principal } from "./types.js";

/**
 * `GET /sse` (legacy 2024-11-05): open a session and its stream, or — with a `Last-Event-ID`
 * naming a live session of the same principal — re-attach it, re-send `endpoint`, then
 * replay what was missed. An id naming no live session answers 404 (start a new session).
 */
export async function handleLegacyGet(
  ctx: EndpointContext,
  request: Request,
  rc: RequestContext,
): Promise<Response> {
  const lastEventId = request.headers.get("last-event-id");
  if (lastEventId) {
    const parsed = parseEventId(lastEventId);
    if (!parsed) return sessionNotFound();
    const session = ctx.sessions.get(parsed.sessionId, "sse", rc.principal);
    if (!session) {
      // Owned by another replica (the client's was lost, or the balancer moved it)?
      let record: SessionRecord | undefined;
      try {
        record = await ctx.cluster.lookup(parsed.sessionId, "sse", rc.principal);
      } catch (error) {
        return backendDown(ctx, error);
      }
      return record ? resumeLegacyRemote(ctx, record, parsed.seq) : sessionNotFound();
    }
    const transport = session.transport as LegacySseTransport;
    const stream = openStream(ctx, "sse", session.record.id, (s) => transport.release(s));
    ctx.metrics.streamReconnects.inc({ transport: "sse" });
    const replayed = await transport.attach(stream, parsed.seq);
    ctx.metrics.replayedEvents.inc({ transport: "sse" }, replayed);
    ctx.logger.info(
      { sessionId: session.record.id, lastEventId, replayed },
      "legacy SSE stream resumed",
    );
    return new Response(stream.body, { status: 200, headers: SSE_HEADERS });
  }

  const opened = await openLegacySession(ctx, rc.principal);
  return opened instanceof Response
    ? opened
    : new Response(opened.body, { status: 200, headers: SSE_HEADERS });
}

/**
 * A new legacy session of `principal` and its stream, the `endpoint` event written; or the
 * answer refusing it (session limit, shutdown). For `GET /sse` on either path (the node
 * adapter's fast one writes the stream to the socket itself, see legacy-fast.ts).
 */
export async function openLegacySession(
  ctx: EndpointContext,
  principal: Principal | null,
): Promise<SseStream | Response> {
  let session: LocalSession<LegacySseTransport>;
  try {
    session = await ctx.sessions.open(
      "sse",
      principal,
      (id) =>
        new LegacySseTransport(id, {
          backend: ctx.backend,
          metrics: ctx.metrics,
          messagesPath: ctx.messagesPath,
          retryMs: ctx.retryMs,
        }),
    );
  } catch (error) {
    if (isMcpSseError(error, "SERVER_SESSION_LIMIT")) return sessionLimit(error.message);
    if (isMcpSseError(error, "SERVER_SHUTTING_DOWN")) return shuttingDownResponse();
    throw error;
  }
  const transport = session.transport;
  const stream = openStream(ctx, "sse", transport.sessionId, (s) => transport.release(s));
  await transport.attach(stream, 0);
  return stream;
}

/** `POST /messages?sessionId=…`: one JSON-RPC message (or batch) for a legacy session → 202. */
export async function handleLegacyPost(
  ctx: EndpointContext,
  request: Request,
  rc: RequestContext,
): Promise<Response> {
  const sessionId = rc.url.searchParams.get("sessionId");
  if (!sessionId) {
    return jsonRpcErrorResponse(
      400,
      JSONRPC_SERVER_ERROR,
      "Bad Request: sessionId query parameter is required",
      {
        code: "SERVER_SESSION_REQUIRED",
      },
    );
  }
  const session = ctx.sessions.get(sessionId, "sse", rc.principal);
  if (!session) return postElsewhere(ctx, request, rc, sessionId);
  const body = await readJsonRpcBody(request, ctx.maxBodyBytes, ctx.maxJsonDepth);
  if (!body.ok) return body.response;
  ctx.sessions.noteClientMessages(session, body.messages);
  const transport = session.transport as LegacySseTransport;
  const authInfo = authInfoOf(rc.principal);
  const forwarded = forwardedRequest(request);
  for (const message of body.messages) {
    transport.receive(
      message,
      authInfo ? { request: forwarded, authInfo } : { request: forwarded },
    );
  }
  return new Response("Accepted", { status: 202, headers: { "content-type": "text/plain" } });
}

/** A legacy POST for a session this replica does not run: forward it to its owner, or 404. */
async function postElsewhere(
  ctx: EndpointContext,
  request: Request,
  rc: RequestContext,
  sessionId: string,
): Promise<Response> {
  let record: SessionRecord | undefined;
  try {
    record = await ctx.cluster.lookup(sessionId, "sse", rc.principal);
  } catch (error) {
    await request.body?.cancel();
    return backendDown(ctx, error);
  }
  if (!record) {
    await request.body?.cancel();
    return sessionNotFound();
  }
  const body = await readJsonRpcBody(request, ctx.maxBodyBytes, ctx.maxJsonDepth);
  if (!body.ok) return body.response;
  return forwardPost(ctx, record, request, rc, body.messages);
}
