/**
 * How the transports find the `request()` path of dispatch-request.ts without importing it:
 * that module needs `node:stream` and `node:zlib`, and the transports are part of the root
 * `mcp-sse` import, which stays free of `node:` imports (scripts/check-exports.mjs). Our
 * pools' `fetch` carries its `request()` twin under a symbol; a `request()` answer says what
 * it is by another. Type-only imports here.
 */
import type { Readable } from "node:stream";
import type { HttpFetch, HttpResponse } from "../sse/http-response.js";
import { withAbortSignal } from "./transports/request-abort.js";

/** The `fetch` that made a dispatcher request possible carries it under this key. */
const DISPATCH = Symbol("mcp-sse.dispatch");

type WithDispatch = typeof globalThis.fetch & { [DISPATCH]?: HttpFetch };

/**
 * Mark `fetch` (one of ours, over an undici dispatcher) with its `request()` twin. The twin
 * takes a `RequestAbort` (request-abort.ts) as `init.signal` as well as an `AbortSignal`: it
 * hands it to `request()`, and makes it a real signal before any `fetch` it falls back to.
 */
export function withDispatch(
  fetch: typeof globalThis.fetch,
  dispatch: HttpFetch,
): typeof globalThis.fetch {
  (fetch as WithDispatch)[DISPATCH] = dispatch;
  return fetch;
}

/**
 * The `request()` twin of `fetch`, if it has one (ours do; a user's `fetch` does not, and
 * is then used as it is).
 */
export function dispatchOf(fetch: typeof globalThis.fetch): HttpFetch | undefined {
  return (fetch as WithDispatch)[DISPATCH];
}

/** A fetch that takes a `RequestAbort` as `init.signal` carries this key. */
const TAKES_REQUEST_ABORT = Symbol("mcp-sse.takes-request-abort");

/** Mark `fetch` as taking a `RequestAbort` for `init.signal` (a `request()` twin, or a wrapper of one). */
export function takingRequestAbort<F extends HttpFetch>(fetch: F): F {
  (fetch as F & { [TAKES_REQUEST_ABORT]?: true })[TAKES_REQUEST_ABORT] = true;
  return fetch;
}

/** Whether `fetch` takes a `RequestAbort` (else it is given a real `AbortSignal`). */
export function takesRequestAbort(fetch: HttpFetch): boolean {
  return (fetch as HttpFetch & { [TAKES_REQUEST_ABORT]?: true })[TAKES_REQUEST_ABORT] === true;
}

/**
 * `fetch`'s `request()` twin when it has one, else `fetch` itself, called with `init`; its
 * `signal` is made a real `AbortSignal` for whichever does not take a `RequestAbort`.
 */
export function dispatchThrough(
  fetch: typeof globalThis.fetch,
  url: string,
  init: RequestInit,
): Promise<HttpResponse> {
  const dispatch = dispatchOf(fetch);
  if (dispatch !== undefined && takesRequestAbort(dispatch)) return dispatch(url, init);
  return (dispatch ?? fetch)(url, withAbortSignal(init));
}

/** Marks a `request()` answer (dispatch-request.ts), which has a node stream behind it. */
export const NODE_ANSWER = Symbol("mcp-sse.node-answer");

export interface NodeAnswer {
  readonly [NODE_ANSWER]: true;
  /** The decoded node stream, once: the body is then taken (`body` is null). */
  takeStream(): Readable | undefined;
  /**
   * Be done with a body nobody reads: read (and drop) it to its end while it stays within
   * `limit` bytes, which keeps the connection; destroy it beyond.
   */
  discard(limit: number): Promise<void>;
}

function nodeAnswerOf(response: HttpResponse): NodeAnswer | undefined {
  return (response as Partial<NodeAnswer>)[NODE_ANSWER] === true
    ? (response as unknown as NodeAnswer)
    : undefined;
}

/**
 * The node stream behind a `request()` answer whose body nobody has taken yet (for a reader
 * that wants no web stream); undefined for a web `Response` or a body already taken.
 */
export function nodeBodyOf(response: HttpResponse): Readable | undefined {
  return nodeAnswerOf(response)?.takeStream();
}

/** `discard` when `response` is a `request()` answer; undefined for a web `Response`. */
export function discardOf(response: HttpResponse): ((limit: number) => Promise<void>) | undefined {
  const answer = nodeAnswerOf(response);
  return answer === undefined ? undefined : (limit) => answer.discard(limit);
}
