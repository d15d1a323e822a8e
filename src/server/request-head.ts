import type { IncomingMessage } from "node:http";

/**
 * Checks on a request's raw head that only a runtime adapter can make (a web-standard
 * `Request` arrives already normalised). Each returns why the request is malformed, or
 * `undefined`: the adapter answers 400 `SERVER_BAD_REQUEST` with that reason.
 */
export function requestHeadProblem(
  req: Pick<IncomingMessage, "url" | "rawHeaders">,
): string | undefined {
  return requestTargetProblem(req.url ?? "/") ?? hostHeaderProblem(req.rawHeaders);
}

/**
 * Only origin-form targets (`/path?query`) are served: `//host/path`, absolute-form
 * (`http://host/path`, meant for proxies) and `*` would let the URL name another host than
 * the `Host` header. The path must also be normalised already: dot segments (`/../mcp`,
 * `%2e%2e`), backslashes and characters URL parsing re-encodes would otherwise be resolved
 * into another route than the one written, behind any proxy rule that matched the raw path.
 */
export function requestTargetProblem(target: string): string | undefined {
  if (!target.startsWith("/") || target.startsWith("//")) {
    return "Malformed request target: only origin-form (/path?query) is served";
  }
  const path = target.split("?")[0] ?? "/";
  if (!PLAIN_PATH.test(path) && normalisedPath(path) !== path) {
    return "Malformed request target: dot segments, backslashes or unencoded characters in the path";
  }
  return undefined;
}

/**
 * A path URL parsing leaves as it is: only characters it never re-encodes, no `%` (`%2e` is
 * a dot) and no `.` (dot segments) or backslash. Most paths (`/mcp`, `/messages`) are; testing them
 * so skips building a `URL` per request. Anything else takes the full check.
 */
const PLAIN_PATH = /^\/[A-Za-z0-9\-_~!$&'()*+,;=:@/]*$/;

/** The path as URL parsing would route it, or `undefined` when it cannot be parsed. */
function normalisedPath(path: string): string | undefined {
  try {
    return new URL(path, "http://h").pathname;
  } catch {
    return undefined;
  }
}

/**
 * Exactly one `Host` (RFC 9112 §3.2: a server MUST answer 400 to a request with none, HTTP/1.0
 * included, or several). Node keeps only the first of several, which let
 * `Host: 127.0.0.1` + `Host: evil.com` pass the DNS-rebinding check.
 */
export function hostHeaderProblem(rawHeaders: readonly string[]): string | undefined {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]?.toLowerCase() === "host") count++;
  }
  if (count === 0) return "Missing Host header";
  if (count > 1) return "Several Host headers";
  return undefined;
}
