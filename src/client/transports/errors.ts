/**
 * What a finished event stream means for the transport. The reader ends its `done` promise
 * when it gives up; the last error it reported says why, and this maps it to the code the
 * manager acts on (see docs/transports.md, "Error codes"), plus the other typed errors the
 * transports share.
 */
import type { ServerConfig } from "../../config/types.js";
import { McpSseError, redactUrl } from "../../errors.js";
import { CLIENT_AUTH_FAILED, CLIENT_AUTH_REQUIRED } from "../auth/server-oauth.js";
import { scrubError } from "./request.js";
import type { ClientTransportOptions, StreamName } from "./types.js";

export function streamEndError(
  server: ServerConfig,
  url: URL | string,
  lastRaw: McpSseError | undefined,
  stream: StreamName,
  secrets: readonly string[] = [],
): McpSseError {
  const last = lastRaw === undefined ? undefined : scrubError(lastRaw, secrets);
  const where = `the ${stream} event stream of server "${server.name}" (${redactUrl(url)})`;
  const status = last?.code === "SSE_HTTP_STATUS" ? last.details["status"] : undefined;
  const details = { server: server.name, url: redactUrl(url), stream };
  if (status === 401)
    return new McpSseError(
      "CLIENT_UNAUTHORIZED",
      `${where} was refused with HTTP 401 (unauthorized); check or refresh its credentials.`,
      { details: { ...details, status }, cause: last },
    );
  if (status === 403)
    return new McpSseError(
      "CLIENT_FORBIDDEN",
      `${where} was refused with HTTP 403 (forbidden); the credentials lack access.`,
      { details: { ...details, status }, cause: last },
    );
  if (last !== undefined && isRedirectRefusal(last))
    return new McpSseError(
      "CLIENT_HTTP_STATUS",
      `${where} was answered with a redirect (HTTP ${String(status)})${last.details["location"] === undefined ? "" : ` to ${String(last.details["location"])}`}, which is not followed (the server's headers must not travel elsewhere); configure the server's final URL instead.`,
      { details: { ...redirectDetails(last), ...details }, cause: last },
    );
  if (last === undefined)
    return new McpSseError(
      "CLIENT_STREAM_ENDED",
      `${where} ended and reconnection is disabled (max_reconnects is 0).`,
      { details },
    );
  if (last.code === "SSE_RECONNECTS_EXHAUSTED") return last;
  if (server.maxReconnects > 0 && (last.code === "SSE_NETWORK" || last.code.endsWith("TIMEOUT")))
    return new McpSseError(
      "CLIENT_RECONNECTS_EXHAUSTED",
      `${where} could not be re-established after ${server.maxReconnects} attempts: ${last.message}`,
      { details: { ...details, maxReconnects: server.maxReconnects }, cause: last },
    );
  return last;
}

/** True for the reader's error for a redirect it did not follow (`SSE_HTTP_STATUS`, `details.redirect`). */
export function isRedirectRefusal(error: McpSseError | undefined): boolean {
  return error?.code === "SSE_HTTP_STATUS" && error.details["redirect"] === true;
}

/** `status`, `redirect: true` and `location` (redacted) of a refused redirect, for `details`. */
export function redirectDetails(error: McpSseError): Record<string, unknown> {
  const location = error.details["location"];
  return {
    status: error.details["status"],
    redirect: true,
    ...(location === undefined ? {} : { location }),
  };
}

/**
 * `CLIENT_NO_STANDALONE_STREAM` for a standalone GET answered with a redirect: not followed,
 * and not fatal (closing would re-initialize into the same redirect, again and again).
 */
export function standaloneRedirected(server: string, refused: McpSseError): McpSseError {
  return new McpSseError(
    "CLIENT_NO_STANDALONE_STREAM",
    `Server "${server}" answered the standalone GET stream with a redirect (HTTP ${String(refused.details["status"])}), which is not followed; server-initiated messages arrive only on request streams. Configure the server's final URL to get them.`,
    { details: { server, ...redirectDetails(refused) }, cause: refused },
  );
}

/** Reconnect on network trouble, timeouts, 5xx, 408 and 429 — never on other 4xx. */
export function isRetryable(error: McpSseError): boolean {
  // The OAuth flow needs the user, or its server refused us: asking again cannot help.
  if (error.code === CLIENT_AUTH_REQUIRED || error.code === CLIENT_AUTH_FAILED) return false;
  if (error.code !== "SSE_HTTP_STATUS") return error.code !== "SSE_BAD_CONTENT_TYPE";
  const status = error.details["status"];
  return typeof status === "number" && (status >= 500 || status === 408 || status === 429);
}

export function requireUrl(options: ClientTransportOptions): URL {
  const { server } = options;
  try {
    if (server.url === undefined) throw new Error("no url");
    const url = new URL(server.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    return url;
  } catch (cause) {
    throw new McpSseError(
      "CLIENT_BAD_CONFIG",
      `Server "${server.name}" (transport ${server.transport}) needs an http(s) "url".`,
      { details: { server: server.name }, cause },
    );
  }
}

export function sessionLost(server: string, why: string, cause?: unknown): McpSseError {
  return new McpSseError(
    "CLIENT_SESSION_LOST",
    `Session with server "${server}" is lost: ${why}. Reconnect with a new session (re-initialize).`,
    { details: { server }, cause },
  );
}

export function notConnected(server: string, closed: boolean): McpSseError {
  return new McpSseError(
    "CLIENT_NOT_CONNECTED",
    closed
      ? `Transport for server "${server}" is closed; create a new one.`
      : `Transport for server "${server}" is not started; call start() first.`,
    { details: { server } },
  );
}

export function alreadyStarted(server: string): McpSseError {
  return new McpSseError(
    "CLIENT_ALREADY_STARTED",
    `Transport for server "${server}" was already started; a transport is single-use.`,
    { details: { server } },
  );
}

export function badEndpoint(server: string, url: URL, why: string, cause?: unknown): McpSseError {
  return new McpSseError(
    "CLIENT_BAD_ENDPOINT",
    `The "endpoint" event from server "${server}" (${redactUrl(url)}) ${why}; refusing to POST there.`,
    { details: { server }, cause },
  );
}
