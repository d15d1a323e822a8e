/**
 * TLS failures of a server's `fetch`, in words that name the server and the setting to fix.
 * undici reports them as `TypeError("fetch failed")` with Node's code in the cause
 * (`SELF_SIGNED_CERT_IN_CHAIN`, `ERR_TLS_CERT_ALTNAME_INVALID`, `ERR_SSL_…`), which the
 * transports used to show as a bare network error.
 */
import type { ServerConfig } from "../config/types.js";
import { McpSseError, redactUrl } from "../errors.js";

/** A TLS handshake or certificate failure (details: server, url, tlsCode). */
export const CLIENT_TLS = "CLIENT_TLS";

/** OpenSSL's verify results as Node names them: the server's certificate is not trusted. */
const UNTRUSTED = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "ERROR_IN_CERT_NOT_BEFORE_FIELD",
  "ERROR_IN_CERT_NOT_AFTER_FIELD",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

/** The first string `code` in an error's cause chain (bounded: causes may loop). */
function codeIn(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && code !== "UND_ERR_SOCKET") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function whatToFix(code: string, server: ServerConfig): string | undefined {
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID" || code === "HOSTNAME_MISMATCH")
    return "its certificate is not valid for the host in the URL: use a host name the certificate names";
  if (UNTRUSTED.has(code))
    return server.tls?.ca === undefined
      ? "its certificate is not trusted: give the CA that signed it in tls.ca"
      : "its certificate is not signed by the CA in tls.ca: give the CA that signed it";
  if (code.startsWith("ERR_SSL_") && code.includes("ALERT"))
    return server.tls?.cert === undefined
      ? "the server refused the handshake: if it requires a client certificate (mutual TLS), set tls.cert and tls.key"
      : "the server refused the handshake: check that tls.cert is signed by a CA it trusts";
  if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_OSSL_"))
    return "the TLS settings could not be used: check that tls.cert and tls.key are a matching PEM pair";
  return undefined;
}

/**
 * A `CLIENT_TLS` error when `error` (a rejected fetch to `url`) is a TLS failure, else
 * undefined. Only the code is shown, never certificate contents.
 */
export function tlsFailure(
  server: ServerConfig,
  url: string,
  error: unknown,
): McpSseError | undefined {
  const code = codeIn(error);
  const fix = code === undefined ? undefined : whatToFix(code, server);
  if (code === undefined || fix === undefined) return undefined;
  const where = redactUrl(url);
  return new McpSseError(
    CLIENT_TLS,
    `TLS connection to server "${server.name}" (${where}) failed (${code}): ${fix}.`,
    { details: { server: server.name, url: where, tlsCode: code }, cause: error },
  );
}

/**
 * The peer closed an https connection without answering (undici: "other side closed"). Over
 * TLS 1.3 that is all a client sees when the server rejects its certificate, or wanted one and
 * got none: the server checks it after the handshake and closes. A keep-alive race looks the
 * same, so this only adds a hint to the network error; the code does not change.
 */
export function closedOverTlsHint(
  server: ServerConfig,
  url: string,
  error: unknown,
): string | undefined {
  if (!url.startsWith("https:") || !(error instanceof Error)) return undefined;
  const inner = (error as { cause?: unknown }).cause;
  const code = (inner as { code?: unknown } | undefined)?.code;
  if (code !== "UND_ERR_SOCKET") return undefined;
  const cert =
    server.tls?.cert === undefined
      ? "if it requires a client certificate (mutual TLS), set tls.cert and tls.key"
      : "it may have refused the client certificate in tls.cert (not signed by a CA it trusts, or expired)";
  return `server "${server.name}" closed the TLS connection without answering: ${cert}`;
}
