/**
 * The node adapter's fast paths for legacy SSE. `POST /messages?sessionId=…`, the hottest
 * request of a legacy session (one per call): the body is read into one Buffer and the
 * message handed to the session without a web `Request`, `Headers`, `AbortSignal` or
 * `Response`. `GET /sse`, which opens a session and stays open for its whole life: the
 * session's stream goes to the socket with no web object made (an idle session held a
 * `Request`, its `Headers`, an `AbortController` and its signal).
 *
 * It serves only the plain case and leaves every other one, body unread, to the full
 * pipeline (which answers it exactly as before): a request with an `Origin` (CORS), a `Host`
 * that is not allowed, an auth `verify` hook or a missing/wrong token, no session id, a
 * session not held here (404, or forwarded to its owner replica), a content type that is not
 * JSON, a declared `Content-Length` over the bound, or shutdown. Once it has read the body it
 * answers itself: 202, or the same 413/400 answers `readJsonRpcBody` gives (counted and
 * logged like the pipeline's, see `RejectionLog`). The GET path serves the same plain case
 * (no `Origin`, an allowed `Host`, a valid token if any, not shutting down) for a new session
 * only: a resumption (`Last-Event-ID`) or a GET with a body takes the full pipeline.
 */
import type { MessageExtraInfo } from "@modelcontextprotocol/server";
import { parseJsonRpcBytes, tooLarge } from "./body.js";
import type { EndpointContext } from "./context.js";
import { authInfoOf } from "./context.js";
import { mediaType } from "./http.js";
import { lazyRequest } from "./lazy-request.js";
import { openLegacySession } from "./legacy.js";
import type { LegacySseTransport } from "./legacy-transport.js";
import type { NodeHeaders } from "./node-request.js";
import { flatHeaders, forwardedNodeRequest, singleHeader as single } from "./node-request.js";
import { bearerTokens, hostAllowed } from "./security.js";
import type { SseStream } from "./sse-stream.js";
import type { AuthOptions, Principal } from "./types.js";

/** The request head the fast path decides on. */
export interface FastPostHead {
  /** Request target (origin-form, checked by the adapter), e.g. `/messages?sessionId=…`. */
  target: string;
  /** Its path (no query). */
  path: string;
  headers: NodeHeaders;
}

/**
 * Reads the body, up to `maxBytes` (`0`: unbounded): its bytes, `undefined` once it passes
 * the bound (reading stops; the adapter discards the rest), `null` when the client left.
 */
export type ReadBody = (maxBytes: number) => Promise<Uint8Array | undefined | null>;

/**
 * `"accepted"`: answer 202 now. A `Response`: answer it (the body was read, or partly read).
 * `"gone"`: the client left mid-body; nothing to answer. `undefined`: not handled, body
 * unread: run the full pipeline.
 */
export type FastPostAnswer = "accepted" | "gone" | Response | undefined;

/**
 * `undefined` at once (no promise) for a POST that is not to the messages path: the node
 * adapter asks this path first for every POST, Streamable HTTP's included.
 */
export type LegacyFastPost = (
  head: FastPostHead,
  readBody: ReadBody,
) => Promise<FastPostAnswer> | undefined;

/** Counts and logs an answer of 400 or more, as the handler's `fetch` does for its own. */
export type RejectionLog = (
  head: { method: string; path: string; headers: Record<string, string> },
  status: number,
) => void;

export interface LegacyFastPostDeps {
  ctx: EndpointContext;
  allowedHosts: readonly string[] | undefined;
  auth: AuthOptions | undefined;
  closing: () => boolean;
  rejected: RejectionLog;
  clientGone: () => void;
}

/**
 * The caller of a plain request (no `Origin`, an allowed `Host`, a valid token when tokens
 * are configured; `null`: no auth), or `undefined` when the request is not plain (the full
 * pipeline checks and answers it). `undefined` as a whole with an auth `verify` hook: it is
 * the user's code and takes a `Request`, so those requests always take the full path.
 */
export type PlainCaller = (
  headers: NodeHeaders,
) => Principal | null | undefined | Promise<Principal | undefined>;

/** Shared by both fast paths (legacy here, Streamable HTTP in streamable-fast.ts). */
export function plainCaller(
  allowedHosts: readonly string[] | undefined,
  auth: AuthOptions | undefined,
): PlainCaller | undefined {
  if (auth !== undefined && !("tokens" in auth)) return undefined;
  const principalOf = auth === undefined ? undefined : bearerTokens(auth.tokens);
  const allowed = hostAllowed(allowedHosts);
  // Synchronous unless a token is to be checked: the caller awaits only a promise (an
  // `await` of a plain value still costs a turn, on every POST without tokens).
  return (headers) => {
    if (headers.origin !== undefined) return undefined;
    const host = headers.host;
    if (typeof host !== "string" || !allowed(host)) return undefined;
    if (principalOf === undefined) return null;
    return principalOf(single(headers.authorization)).then((p) => p ?? undefined);
  };
}

/** The fast path, or `undefined` when it cannot apply at all (an auth `verify` hook). */
export function createLegacyFastPost(deps: LegacyFastPostDeps): LegacyFastPost | undefined {
  const { ctx } = deps;
  const callerOf = plainCaller(deps.allowedHosts, deps.auth);
  if (callerOf === undefined) return undefined;
  const handle = async (head: FastPostHead, readBody: ReadBody): Promise<FastPostAnswer> => {
    const { headers } = head;
    const caller = callerOf(headers);
    const principal = caller instanceof Promise ? await caller : caller;
    if (principal === undefined) return undefined;
    const host = headers.host as string; // checked by callerOf
    const sessionId = sessionIdOf(head.target);
    if (!sessionId) return undefined;
    const session = ctx.sessions.get(sessionId, "sse", principal);
    if (!session) return undefined;
    if (mediaType(single(headers["content-type"]) ?? null) !== "application/json") return undefined;
    const declared = Number(single(headers["content-length"]) ?? Number.NaN);
    if (ctx.maxBodyBytes > 0 && declared > ctx.maxBodyBytes) return undefined;

    const bytes = await readBody(ctx.maxBodyBytes);
    if (bytes === null) {
      deps.clientGone();
      return "gone";
    }
    const body =
      bytes === undefined ? tooLarge(ctx.maxBodyBytes) : parseJsonRpcBytes(bytes, ctx.maxJsonDepth);
    if (!body.ok) {
      deps.rejected(
        { method: "POST", path: head.path, headers: flatHeaders(headers) },
        body.response.status,
      );
      return body.response;
    }
    ctx.sessions.noteClientMessages(session, body.messages);
    const transport = session.transport as LegacySseTransport;
    const authInfo = authInfoOf(principal);
    // No signal: the exchange of a legacy POST ends with its 202, as on the full path.
    const request = lazyRequest(() => forwardedNodeRequest(host, head.target, headers));
    const extra: MessageExtraInfo = authInfo ? { request, authInfo } : { request };
    for (const message of body.messages) transport.receive(message, extra);
    return "accepted";
  };
  return (head, readBody) =>
    head.path !== ctx.messagesPath || deps.closing() ? undefined : handle(head, readBody);
}

/**
 * `GET /sse` for a new session: the stream to write to the socket, an answer refusing the
 * session (counted and logged as a rejection), or `undefined`: not handled, take the full
 * pipeline.
 */
export type LegacyFastGet = (head: FastPostHead) => Promise<SseStream | Response | undefined>;

export interface LegacyFastGetDeps {
  ctx: EndpointContext;
  ssePath: string;
  allowedHosts: readonly string[] | undefined;
  auth: AuthOptions | undefined;
  closing: () => boolean;
  rejected: RejectionLog;
  /** A throw while answering, as the pipeline answers it (the handler's `internalErrorAnswer`). */
  internalError: (error: unknown, head: Parameters<RejectionLog>[0]) => Response;
}

/** The fast `GET /sse`, or `undefined` when it cannot apply at all (an auth `verify` hook). */
export function createLegacyFastGet(deps: LegacyFastGetDeps): LegacyFastGet | undefined {
  const { ctx } = deps;
  const callerOf = plainCaller(deps.allowedHosts, deps.auth);
  if (callerOf === undefined) return undefined;
  return async (head) => {
    const { headers } = head;
    if (head.path !== deps.ssePath || deps.closing()) return undefined;
    // A resumption (rare) and a GET with a body (odd: the full path discards it) go the long way.
    if (headers["last-event-id"] !== undefined) return undefined;
    if (headers["content-length"] !== undefined || headers["transfer-encoding"] !== undefined)
      return undefined;
    const principal = await callerOf(headers);
    if (principal === undefined) return undefined;
    const described = () => ({ method: "GET", path: head.path, headers: flatHeaders(headers) });
    try {
      const opened = await openLegacySession(ctx, principal);
      if (opened instanceof Response) deps.rejected(described(), opened.status);
      return opened;
    } catch (error) {
      // As the pipeline answers a throw (the user's createServer failing): logged, counted, 500.
      return deps.internalError(error, described());
    }
  };
}

/** The `sessionId` query parameter of a request target. */
function sessionIdOf(target: string): string | null {
  const q = target.indexOf("?");
  return q < 0 ? null : new URLSearchParams(target.slice(q + 1)).get("sessionId");
}
