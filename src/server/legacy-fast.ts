/**
 * The node adapter's fast path for legacy `POST /messages?sessionId=…`, the hottest request
 * of a legacy session (one per call): the body is read into one Buffer and the message
 * handed to the session without a web `Request`, `Headers`, `AbortSignal` or `Response`.
 *
 * It serves only the plain case and leaves every other one, body unread, to the full
 * pipeline (which answers it exactly as before): a request with an `Origin` (CORS), a `Host`
 * that is not allowed, an auth `verify` hook or a missing/wrong token, no session id, a
 * session not held here (404, or forwarded to its owner replica), a content type that is not
 * JSON, a declared `Content-Length` over the bound, or shutdown. Once it has read the body it
 * answers itself: 202, or the same 413/400 answers `readJsonRpcBody` gives (counted and
 * logged like the pipeline's, see `RejectionLog`).
 */
import type { MessageExtraInfo } from "@modelcontextprotocol/server";
import { parseJsonRpcBytes, tooLarge } from "./body.js";
import type { EndpointContext } from "./context.js";
import { authInfoOf } from "./context.js";
import { mediaType } from "./http.js";
import { lazyRequest } from "./lazy-request.js";
import type { LegacySseTransport } from "./legacy-transport.js";
import type { NodeHeaders } from "./node-request.js";
import { flatHeaders, forwardedNodeRequest, singleHeader as single } from "./node-request.js";
import { bearerTokens, hostAllowed } from "./security.js";
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

export type LegacyFastPost = (head: FastPostHead, readBody: ReadBody) => Promise<FastPostAnswer>;

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

/** The fast path, or `undefined` when it cannot apply at all (an auth `verify` hook). */
export function createLegacyFastPost(deps: LegacyFastPostDeps): LegacyFastPost | undefined {
  const { ctx, auth } = deps;
  // A verify hook is the user's code and takes a `Request`: those requests take the full path.
  if (auth !== undefined && !("tokens" in auth)) return undefined;
  const principalOf = auth === undefined ? undefined : bearerTokens(auth.tokens);
  const allowed = hostAllowed(deps.allowedHosts);
  return async (head, readBody) => {
    const { headers } = head;
    if (head.path !== ctx.messagesPath || deps.closing()) return undefined;
    if (headers.origin !== undefined) return undefined;
    const host = headers.host;
    if (typeof host !== "string" || !allowed(host)) return undefined;
    let principal: Principal | null = null;
    if (principalOf !== undefined) {
      principal = await principalOf(single(headers.authorization));
      if (principal === null) return undefined;
    }
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
}

/** The `sessionId` query parameter of a request target. */
function sessionIdOf(target: string): string | null {
  const q = target.indexOf("?");
  return q < 0 ? null : new URLSearchParams(target.slice(q + 1)).get("sessionId");
}
