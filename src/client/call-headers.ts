/**
 * Per-call HTTP headers (`call(…, { headers })`, an agent adapter's `beforeCall`): checked once
 * here, then carried by the SDK to the transport with that one request (`RequestOptions.headers`
 * → `Transport.send(message, { headers })`), which puts them on that request's POST. They are
 * an HTTP thing: a stdio server cannot take them, and saying so beats dropping them silently
 * (a header may carry the identity the call is made for).
 */
import type { ServerConfig } from "../config/types.js";
import { McpSseError } from "../errors.js";
import { isSecretName } from "../redact.js";
import { secretValuesOf } from "../sse/reader-http.js";
import { CLIENT_INVALID_OPTION } from "./call-errors.js";

/**
 * Headers the transports own (content negotiation, the session, the protocol version, stream
 * resumption, framing): a call may not set them.
 */
export const RESERVED_CALL_HEADERS: readonly string[] = [
  "accept",
  "content-type",
  "content-length",
  "host",
  "last-event-id",
  "mcp-session-id",
  "mcp-protocol-version",
  "transfer-encoding",
  "connection",
];

/** RFC 9110 `token` (a field name). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** A field value: no CR, LF or NUL (they would split or end the header). */
const BAD_VALUE = /[\r\n\0]/;

function invalid(server: string, tool: string, why: string): McpSseError {
  return new McpSseError(
    CLIENT_INVALID_OPTION,
    `The headers of a call to tool "${tool}" on server "${server}" ${why}.`,
    { details: { server, tool, option: "headers" } },
  );
}

/**
 * `headers` checked for a call to `tool` on `server`: a record of valid names and values, none
 * reserved, on a server reached over HTTP. Else `CLIENT_INVALID_OPTION` (the message names the
 * header, never its value). `undefined` or `{}`: none.
 */
export function checkCallHeaders(
  server: ServerConfig,
  tool: string,
  headers: unknown,
): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  if (headers === null || typeof headers !== "object" || Array.isArray(headers))
    throw invalid(server.name, tool, "must be an object of header names to string values");
  const entries = Object.entries(headers);
  if (entries.length === 0) return undefined;
  if (server.transport === "stdio")
    throw invalid(
      server.name,
      tool,
      "cannot be sent: the server is a stdio program (per-call headers need an HTTP transport)",
    );
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name)) throw invalid(server.name, tool, `name "${name}" is not valid`);
    if (RESERVED_CALL_HEADERS.includes(name.toLowerCase()))
      throw invalid(server.name, tool, `may not set "${name}" (the transport owns it)`);
    if (typeof value !== "string" || BAD_VALUE.test(value))
      throw invalid(server.name, tool, `"${name}" must be a string without CR, LF or NUL`);
    out[name] = value;
  }
  return out;
}

/**
 * The values among `headers` to scrub from what the call hands back and from logs: those of
 * secret-looking names (built-in ones and the server's `secret_headers`), as for configured
 * headers, with the credential of `Bearer <token>`.
 */
export function callHeaderSecrets(
  server: ServerConfig,
  headers: Readonly<Record<string, string>> | undefined,
): string[] {
  if (headers === null || typeof headers !== "object") return [];
  const secret: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (isSecretName(name, server.secretHeaders)) secret[name] = value;
  return secretValuesOf(secret);
}
