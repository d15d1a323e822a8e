import type { JSONRPCMessage, MessageExtraInfo } from "@modelcontextprotocol/server";
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/server";
import { isMcpSseError } from "../errors.js";
import type { SessionRecord } from "./backends/types.js";
import { parseEventId } from "./backends/types.js";
import { isInitializeMessage, isRequestMessage, readJsonRpcBody } from "./body.js";
import type { EndpointContext } from "./context.js";
import {
  authInfoOf,
  forwardedRequest,
  openStream,
  sessionLimit,
  sessionNotFound,
  shuttingDownResponse,
} from "./context.js";
import {
  backendDown,
  deleteRemote,
  forwardPost,
  getStreamableRemote,
  requestRemote,
} from "./forward.js";
import {
  accepts,
  JSONRPC_INVALID_REQUEST,
  JSONRPC_SERVER_ERROR,
  jsonRpcErrorResponse,
} from "./http.js";
import type { RequestContext } from "./security.js";
import type { LocalSession } from "./sessions.js";
import type { SseStream } from "./sse-stream.js";
import { StreamableSessionTransport } from "./streamable-transport.js";

function badRequest(
  status: number,
  message: string,
  code: string,
  rpc = JSONRPC_SERVER_ERROR,
): Response {
  return jsonRpcErrorResponse(status, rpc, message, { code });
}

/** `/mcp` (Streamable HTTP, 2025-03-26 and later): POST, GET, DELETE. */
export async function handleStreamable(
  ctx: EndpointContext,
  request: Request,
  rc: RequestContext,
): Promise<Response> {
  switch (request.method) {
    case "POST":
      return post(ctx, request, rc);
    case "GET":
      return get(ctx, request, rc);
    case "DELETE":
      return del(ctx, request, rc);
    default:
      return jsonRpcErrorResponse(405, JSONRPC_SERVER_ERROR, "Method not allowed", {
        code: "SERVER_METHOD_NOT_ALLOWED",
        headers: { allow: "GET, POST, DELETE" },
      });
  }
}

type Found =
  | {
      session: LocalSession;
      transport: StreamableSessionTransport;
      remote?: undefined;
      response?: undefined;
    }
  /** Owned by another replica: forwarded there (forward.ts). */
  | { remote: SessionRecord; session?: undefined; transport?: undefined; response?: undefined }
  | { response: Response; session?: undefined; transport?: undefined; remote?: undefined };

/** A session named by `Mcp-Session-Id` (here or on another replica), or the error response to send instead. */
async function findSession(
  ctx: EndpointContext,
  request: Request,
  rc: RequestContext,
): Promise<Found> {
  const id = request.headers.get("mcp-session-id");
  if (!id) {
    return {
      response: badRequest(
        400,
        "Bad Request: Mcp-Session-Id header is required",
        "SERVER_SESSION_REQUIRED",
      ),
    };
  }
  // MCP-Protocol-Version: when sent it must be one we speak; absent means the negotiated one.
  const version = request.headers.get("mcp-protocol-version");
  if (version !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    return {
      response: badRequest(
        400,
        `Bad Request: Unsupported protocol version ${version} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`,
        "SERVER_UNSUPPORTED_PROTOCOL_VERSION",
      ),
    };
  }
  const session = ctx.sessions.get(id, "streamable", rc.principal);
  if (session) return { session, transport: session.transport as StreamableSessionTransport };
  try {
    const remote = await ctx.cluster.lookup(id, "streamable", rc.principal);
    return remote ? { remote } : { response: sessionNotFound() };
  } catch (error) {
    return { response: backendDown(ctx, error) };
  }
}

async function post(ctx: EndpointContext, request: Request, rc: RequestContext): Promise<Response> {
  const notAcceptable = refuseWithoutEventStream(request);
  if (notAcceptable) return notAcceptable;
  const hasSessionHeader = request.headers.has("mcp-session-id");
  // Look the session up before reading the body: an unknown session costs nothing.
  const found = hasSessionHeader ? await findSession(ctx, request, rc) : undefined;
  if (found?.response) {
    await request.body?.cancel();
    return found.response;
  }
  const body = await readJsonRpcBody(request, ctx.maxBodyBytes, ctx.maxJsonDepth);
  if (!body.ok) return body.response;
  if (found?.session) ctx.sessions.noteClientMessages(found.session, body.messages);
  const messages: JSONRPCMessage[] = body.messages;
  const authInfo = authInfoOf(rc.principal);
  // Never the raw request: its Authorization header is the bearer token itself.
  const forwarded = forwardedRequest(request);
  const extra = authInfo ? { request: forwarded, authInfo } : { request: forwarded };

  let transport: StreamableSessionTransport;
  // body.ts validated every message; these checks are structural (no second zod parse).
  const init = messages.find((m) => isInitializeMessage(m));
  if (init) {
    if (found || messages.length > 1) return initializeNotAlone();
    // The one field the host itself reads; the server validates the rest of the params.
    const requestedVersion = (init as { params?: { protocolVersion?: unknown } }).params
      ?.protocolVersion;
    if (typeof requestedVersion !== "string") {
      return badRequest(
        400,
        "Invalid Request: initialize needs params.protocolVersion (a string)",
        "SERVER_INVALID_INITIALIZE",
        JSONRPC_INVALID_REQUEST,
      );
    }
    try {
      const session = await ctx.sessions.open(
        "streamable",
        rc.principal,
        (id) =>
          new StreamableSessionTransport(id, {
            backend: ctx.backend,
            metrics: ctx.metrics,
            retryMs: ctx.retryMs,
          }),
      );
      transport = session.transport;
      ctx.sessions.noteClientMessages(session, messages);
    } catch (error) {
      if (isMcpSseError(error, "SERVER_SESSION_LIMIT")) return sessionLimit(error.message);
      if (isMcpSseError(error, "SERVER_SHUTTING_DOWN")) return shuttingDownResponse();
      throw error;
    }
    transport.protocolVersion = requestedVersion;
  } else if (found?.remote) {
    if (!messages.some((m) => isRequestMessage(m)))
      return forwardPost(ctx, found.remote, request, rc, messages);
    return requestRemote(ctx, found.remote, request, rc, messages);
  } else if (found?.transport) {
    // The header was validated by findSession; priming keeps following the initialize
    // revision (see StreamableSessionTransport.protocolVersion).
    transport = found.transport;
  } else {
    return badRequest(
      400,
      "Bad Request: Mcp-Session-Id header is required",
      "SERVER_SESSION_REQUIRED",
    );
  }

  const answer = await postToTransport(ctx, transport, messages, extra);
  const { status, headers } = answer;
  return new Response(answer.stream?.body ?? null, { status, headers });
}

/** What a POST's messages get from a session here: 202, or 200 and the POST's SSE stream. */
export interface PostAnswer {
  status: 200 | 202;
  headers: Record<string, string>;
  stream: SseStream | undefined;
}

/**
 * Hand a POST's messages (validated, no `initialize`) to a session's transport. Requests
 * get a stream of their own, opened here (priming event and `retry:` written to it) before
 * the answer's head leaves; notifications and responses alone get 202. Shared by the full
 * path and the node adapter's fast path (streamable-fast.ts), which writes the answer itself.
 * The answer itself when the transport opened the stream at once (a backend with
 * `appendNow`), else its promise: no promise and no turn of the event loop per POST then.
 */
export function postToTransport(
  ctx: EndpointContext,
  transport: StreamableSessionTransport,
  messages: JSONRPCMessage[],
  extra: MessageExtraInfo,
): PostAnswer | Promise<PostAnswer> {
  const sessionId = transport.sessionId;
  if (!messages.some(isRequestMessage)) {
    transport.receive(messages, extra);
    return { status: 202, headers: { "mcp-session-id": sessionId }, stream: undefined };
  }
  const stream = openStream(ctx, "streamable", sessionId, transport.releaseStream);
  const answer: PostAnswer = { status: 200, headers: transport.streamHeaders, stream };
  const opening = transport.openRequestStream(messages, stream, extra);
  return opening === undefined ? answer : opening.then(() => answer);
}

/** 400: `initialize` came with an `Mcp-Session-Id` or inside a batch. */
export function initializeNotAlone(): Response {
  return badRequest(
    400,
    "Invalid Request: initialize must be sent alone and without Mcp-Session-Id",
    "SERVER_INVALID_INITIALIZE",
    JSONRPC_INVALID_REQUEST,
  );
}

async function get(ctx: EndpointContext, request: Request, rc: RequestContext): Promise<Response> {
  const notAcceptable = refuseWithoutEventStream(request);
  if (notAcceptable) return notAcceptable;
  const found = await findSession(ctx, request, rc);
  if (found.response) return found.response;
  if (found.remote) return getElsewhere(ctx, request, found.remote);
  const { transport } = found;
  const headers = transport.streamHeaders;
  const stream = openStream(ctx, "streamable", transport.sessionId, transport.releaseStream);
  const lastEventId = request.headers.get("last-event-id");
  if (lastEventId) {
    const parsed = parseEventId(lastEventId);
    if (!parsed || parsed.sessionId !== transport.sessionId) {
      stream.close();
      return invalidEventId(lastEventId);
    }
    ctx.metrics.streamReconnects.inc({ transport: "streamable" });
    const replayed = await transport.resume(stream, parsed.seq);
    ctx.metrics.replayedEvents.inc({ transport: "streamable" }, replayed);
    ctx.logger.info(
      { sessionId: transport.sessionId, lastEventId, replayed },
      "streamable HTTP stream resumed",
    );
  } else {
    await transport.openStandalone(stream);
  }
  return new Response(stream.body, { status: 200, headers });
}

async function del(ctx: EndpointContext, request: Request, rc: RequestContext): Promise<Response> {
  const found = await findSession(ctx, request, rc);
  if (found.response) return found.response;
  if (found.remote) return deleteRemote(ctx, found.remote);
  await ctx.sessions.close(found.transport.sessionId, "client DELETE");
  return new Response(null, { status: 200 });
}

/** 406 unless the client accepts `text/event-stream` (every answer on `/mcp` is a stream). */
function refuseWithoutEventStream(request: Request): Response | undefined {
  if (accepts(request, "text/event-stream")) return undefined;
  return badRequest(
    406,
    "Not Acceptable: Client must accept text/event-stream",
    "SERVER_NOT_ACCEPTABLE",
  );
}

/** `GET /mcp` for a session owned by another replica: the stream is held here. */
function getElsewhere(
  ctx: EndpointContext,
  request: Request,
  record: SessionRecord,
): Promise<Response> {
  const lastEventId = request.headers.get("last-event-id");
  if (!lastEventId) return getStreamableRemote(ctx, record, undefined);
  const parsed = parseEventId(lastEventId);
  if (!parsed || parsed.sessionId !== record.id)
    return Promise.resolve(invalidEventId(lastEventId));
  return getStreamableRemote(ctx, record, parsed.seq);
}

function invalidEventId(lastEventId: string): Response {
  return badRequest(
    400,
    `Bad Request: Last-Event-ID ${JSON.stringify(lastEventId.slice(0, 80))} is not an event of this session`,
    "SERVER_INVALID_EVENT_ID",
  );
}
