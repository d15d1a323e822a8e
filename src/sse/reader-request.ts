import { McpSseError, redactUrl } from "../errors.js";
import { asReaderError, buildHeaders, secretValuesOf } from "./reader-http.js";
import type { EventStreamReaderOptions, RequestContext } from "./reader-options.js";
import { untilAborted } from "./reader-timers.js";

/** The `fetch` arguments of one attempt, and the header values it sends (to scrub). */
export interface AttemptRequest {
  init: RequestInit;
  sentSecrets: string[];
}

/**
 * Build the request of one connection attempt from the reader's options: method, headers and
 * body may be functions of the attempt (a refreshed token, a resume body). A failure here is
 * `SSE_REQUEST_SETUP`, or `SSE_INVALID_OPTION` (fatal) for a body on GET/HEAD.
 */
export async function prepareAttempt(
  o: EventStreamReaderOptions,
  ctx: RequestContext,
  signal: AbortSignal,
): Promise<AttemptRequest> {
  try {
    const method = typeof o.method === "function" ? o.method(ctx) : (o.method ?? "GET");
    // Abortable: a token refresh that hangs is cut by the connect timeout or close().
    const custom =
      typeof o.headers === "function"
        ? await untilAborted(Promise.resolve(o.headers(ctx)), signal)
        : o.headers;
    const body = typeof o.body === "function" ? o.body(ctx) : o.body;
    if (body !== undefined && /^(GET|HEAD)$/i.test(method)) {
      // fetch would throw a TypeError that looks like a network failure, forever.
      throw new McpSseError(
        "SSE_INVALID_OPTION",
        `Event stream ${redactUrl(o.url)}: a ${method} request cannot have a body (attempt ${ctx.attempt})`,
        { details: { option: "body" } },
      );
    }
    const init: RequestInit = {
      // A redirect is not followed: fetch would carry every custom header (an API key)
      // to wherever it points, stripping only Authorization across origins.
      redirect: "manual",
      ...o.fetchOptions,
      method,
      headers: buildHeaders(custom, ctx.lastEventId),
      signal,
      ...(body === undefined ? {} : { body }),
    };
    return { init, sentSecrets: secretValuesOf(custom) };
  } catch (cause) {
    throw asReaderError(cause, "SSE_REQUEST_SETUP", o.url);
  }
}
