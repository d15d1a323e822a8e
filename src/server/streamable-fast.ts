/**
 * The node adapter's fast path for Streamable HTTP `POST /mcp` to a session this process
 * holds, the hottest request of a Streamable HTTP session (one per call): the body is read
 * into one Buffer and the messages handed to the session's transport without a web
 * `Request`, `Headers`, body stream, `AbortSignal` or `Response`; the adapter writes the
 * answer's head itself and the POST's SSE stream straight to the socket.
 *
 * Like legacy-fast.ts, it serves only the plain case and leaves every other one, body
 * unread, to the full pipeline (which answers it exactly as before): shutdown, an `Origin`
 * (CORS), a `Host` that is not allowed, an auth `verify` hook or a missing/wrong token, an
 * `Accept` without `text/event-stream` (406), no `Mcp-Session-Id` (initialize, the stateless
 * leg), an unsupported `MCP-Protocol-Version`, a session not held here or bound to another
 * principal (404, or forwarded to its owner replica), a content type that is not JSON (415),
 * or a declared `Content-Length` over the bound (413). Once it has read the body it answers
 * itself, with the full path's own functions: 413/400 as `readJsonRpcBody` gives them, 400
 * for an `initialize` in the POST, else `postToTransport` (202, or the stream with its
 * priming event and event ids). Its answers of 400 or more are counted and logged as the
 * pipeline's are; a failure after reading is the pipeline's logged 500.
 */
import type { MessageExtraInfo } from "@modelcontextprotocol/server";
import { SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/server";
import { isInitializeMessage, parseJsonRpcBytes, tooLarge } from "./body.js";
import type { EndpointContext } from "./context.js";
import { authInfoOf } from "./context.js";
import { acceptHeaderAdmits, mediaType } from "./http.js";
import { lazyRequest } from "./lazy-request.js";
import type { FastPostHead, ReadBody, RejectionLog } from "./legacy-fast.js";
import { plainCaller } from "./legacy-fast.js";
import { flatHeaders, forwardedNodeRequest, singleHeader as single } from "./node-request.js";
import type { LocalSession } from "./sessions.js";
import type { PostAnswer } from "./streamable.js";
import { initializeNotAlone, postToTransport } from "./streamable.js";
import type { StreamableSessionTransport } from "./streamable-transport.js";
import type { AuthOptions, Principal } from "./types.js";

/** The request head, and the client's signal (made on first use: few tools read it). */
export interface StreamableFastHead extends FastPostHead {
  /** Aborts when the client leaves before its answer is complete (the full path's `request.signal`). */
  clientSignal(): AbortSignal;
}

/**
 * A `PostAnswer`: the adapter writes its head, then its stream (or nothing). A `Response`:
 * answer it (the body was read, or partly read). `"gone"`: the client left mid-body.
 * `undefined`: not handled, body unread: run the full pipeline.
 */
export type StreamableFastAnswer = PostAnswer | Response | "gone" | undefined;

export type StreamableFastPost = (
  head: StreamableFastHead,
  readBody: ReadBody,
) => Promise<StreamableFastAnswer>;

export interface StreamableFastPostDeps {
  ctx: EndpointContext;
  mcpPath: string;
  allowedHosts: readonly string[] | undefined;
  auth: AuthOptions | undefined;
  closing: () => boolean;
  rejected: RejectionLog;
  clientGone: () => void;
  /** The pipeline's answer to a throw: logged without secrets, counted, a JSON-RPC 500. */
  internalError: (error: unknown, head: Parameters<RejectionLog>[0]) => Response;
}

/** The fast path, or `undefined` when it cannot apply at all (an auth `verify` hook). */
export function createStreamableFastPost(
  deps: StreamableFastPostDeps,
): StreamableFastPost | undefined {
  const { ctx } = deps;
  // No Origin, an allowed Host, a valid token; undefined as a whole with a verify hook.
  const caller = plainCaller(deps.allowedHosts, deps.auth);
  if (caller === undefined) return undefined;
  const callerOf = caller;

  /** The session a plain POST is for, or `undefined`: the full pipeline answers. */
  function plainSession(
    head: StreamableFastHead,
    sessionId: string,
    principal: Principal | null,
  ): PlainCase | undefined {
    const { headers } = head;
    const host = headers.host as string; // checked by callerOf
    const session = ctx.sessions.get(sessionId, "streamable", principal);
    if (!session) return undefined;
    if (mediaType(single(headers["content-type"]) ?? null) !== "application/json") return undefined;
    const declared = Number(single(headers["content-length"]) ?? Number.NaN);
    if (ctx.maxBodyBytes > 0 && declared > ctx.maxBodyBytes) return undefined;
    return { host, session, principal };
  }

  return async (head, readBody) => {
    const sessionId = plainSessionId(deps, head);
    if (sessionId === undefined) return undefined;
    const caller = callerOf(head.headers);
    const principal = caller instanceof Promise ? await caller : caller;
    if (principal === undefined) return undefined;
    const plain = plainSession(head, sessionId, principal);
    if (plain === undefined) return undefined;
    const bytes = await readBody(ctx.maxBodyBytes);
    if (bytes === null) {
      deps.clientGone();
      return "gone";
    }
    return answer(deps, head, plain, bytes);
  };
}

/** The session id of a POST that may be plain (checked without awaiting anything), or `undefined`. */
function plainSessionId(
  deps: StreamableFastPostDeps,
  head: StreamableFastHead,
): string | undefined {
  const { headers } = head;
  if (head.path !== deps.mcpPath || deps.closing()) return undefined;
  const sessionId = single(headers["mcp-session-id"]);
  if (!sessionId || !acceptHeaderAdmits(single(headers.accept), "text/event-stream"))
    return undefined;
  const version = single(headers["mcp-protocol-version"]);
  if (version !== undefined && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return undefined;
  return sessionId;
}

interface PlainCase {
  host: string;
  session: LocalSession;
  principal: Principal | null;
}

/**
 * The body read (`undefined`: past the bound): its messages to the transport, or a refusal.
 * The answer itself when the transport answered at once (see `postToTransport`).
 */
function answer(
  deps: StreamableFastPostDeps,
  head: StreamableFastHead,
  { host, session, principal }: PlainCase,
  bytes: Uint8Array | undefined,
): PostAnswer | Response | Promise<PostAnswer | Response> {
  const { ctx } = deps;
  const body =
    bytes === undefined ? tooLarge(ctx.maxBodyBytes) : parseJsonRpcBytes(bytes, ctx.maxJsonDepth);
  if (!body.ok) return refuse(deps, head, body.response);
  if (body.messages.some(isInitializeMessage)) return refuse(deps, head, initializeNotAlone());
  ctx.sessions.noteClientMessages(session, body.messages);
  const authInfo = authInfoOf(principal);
  // Never the raw request: its Authorization header is the bearer token itself.
  const request = lazyRequest(() =>
    forwardedNodeRequest(host, head.target, head.headers, head.clientSignal()),
  );
  const extra: MessageExtraInfo = authInfo ? { request, authInfo } : { request };
  const transport = session.transport as StreamableSessionTransport;
  try {
    const answered = postToTransport(ctx, transport, body.messages, extra);
    if (!(answered instanceof Promise)) return answered;
    return answered.catch((error: unknown) => deps.internalError(error, logHead(head)));
  } catch (error) {
    return deps.internalError(error, logHead(head));
  }
}

/** An answer of 400 or more, counted and logged as the pipeline's are. */
function refuse(deps: StreamableFastPostDeps, head: FastPostHead, response: Response): Response {
  deps.rejected(logHead(head), response.status);
  return response;
}

function logHead(head: FastPostHead): Parameters<RejectionLog>[0] {
  return { method: "POST", path: head.path, headers: flatHeaders(head.headers) };
}
