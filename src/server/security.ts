import { jsonResponse } from "./http.js";
import type { AuthOptions, Principal } from "./types.js";

/** What the wrappers learned about a request, handed to the endpoints. */
export interface RequestContext {
  url: URL;
  /** `null` when no auth is configured. */
  principal: Principal | null;
}

export type Handle = (request: Request, ctx: RequestContext) => Promise<Response>;

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function isLoopbackHost(hostname: string): boolean {
  return (
    LOOPBACK_HOSTS.has(hostname.toLowerCase()) || hostname.toLowerCase().endsWith(".localhost")
  );
}

function forbidden(code: string, message: string, headers: Record<string, string> = {}): Response {
  return jsonResponse(403, { error: { code, message } }, headers);
}

/**
 * DNS-rebinding protection (MCP transport spec, "Security Warning"): the `Host` a browser
 * was tricked into sending names the attacker's domain, so only loopback names and the
 * configured hosts are served. Applies to every request, legacy `GET /sse` included.
 */
export function withHostCheck(allowedHosts: readonly string[] | undefined, next: Handle): Handle {
  const allowed = hostAllowed(allowedHosts);
  return async (request, ctx) => {
    // The raw header, not the URL: a URL can be made to name another host than the one the
    // browser sent (`GET //localhost/sse` with `Host: evil.example`). Without a header (a
    // web-standard caller building its own Request), the URL's host is all there is.
    const host = request.headers.get("host") ?? ctx.url.host;
    if (!allowed(host)) {
      return forbidden(
        "SERVER_HOST_NOT_ALLOWED",
        `Host "${host.slice(0, 200)}" is not allowed; add it to allowedHosts (--allowed-hosts) to serve it`,
      );
    }
    return next(request, ctx);
  };
}

/** Whether a `Host` value may be served: a loopback name or one of `allowedHosts` (`*`: any). */
export function hostAllowed(
  allowedHosts: readonly string[] | undefined,
): (host: string) => boolean {
  const extra = new Set((allowedHosts ?? []).map((h) => h.toLowerCase()));
  if (extra.has("*")) return () => true;
  return (host) => {
    const hostname = hostnameOf(host);
    return hostname !== undefined && (isLoopbackHost(hostname) || extra.has(hostname));
  };
}

/**
 * The lower-case name in a `Host` value (`name`, `name:port`, `[v6]`, `[v6]:port`), or
 * `undefined` when it is not a plain host (userinfo, a path, spaces): never allowed.
 */
export function hostnameOf(host: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]/@?#\s\\]+)(?::\d{0,5})?$/.exec(host.trim());
  return match?.[1]?.toLowerCase();
}

/**
 * Origin check and CORS. A request with an `Origin` must come from a configured origin, or
 * be same-origin on a loopback host; others get 403. CORS headers (never `*`) are added only
 * for configured origins, and their preflights are answered here.
 */
export function withOriginCheck(
  allowedOrigins: readonly string[] | undefined,
  next: Handle,
): Handle {
  const allowed = new Set((allowedOrigins ?? []).map((o) => o.replace(/\/$/, "").toLowerCase()));
  return async (request, ctx) => {
    const origin = request.headers.get("origin");
    if (origin === null) return next(request, ctx);
    const normalized = origin.toLowerCase();
    const configured = allowed.has(normalized);
    if (!configured && !isSameLoopbackOrigin(normalized, ctx.url)) {
      return forbidden(
        "SERVER_ORIGIN_NOT_ALLOWED",
        `Origin "${origin}" is not allowed; add it to allowedOrigins (--allowed-origins) to serve it`,
      );
    }
    const cors: Record<string, string> = configured ? corsHeaders(origin) : {};
    if (request.method === "OPTIONS") return new Response(null, { status: 204, headers: cors });
    const response = await next(request, ctx);
    if (!configured) return response;
    const headers = new Headers(response.headers);
    for (const [k, v] of Object.entries(cors)) headers.set(k, v);
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  };
}

function isSameLoopbackOrigin(origin: string, url: URL): boolean {
  try {
    const o = new URL(origin);
    return isLoopbackHost(o.hostname) && o.host === url.host.toLowerCase();
  } catch {
    return false; // "null" or garbage: not an origin we can trust
  }
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    vary: "Origin",
    "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
    "access-control-allow-headers":
      "authorization, content-type, accept, last-event-id, mcp-session-id, mcp-protocol-version",
    "access-control-expose-headers": "mcp-session-id, www-authenticate",
    "access-control-max-age": "600",
  };
}

/**
 * Authentication: static bearer tokens or a verify hook. Missing or wrong credentials get
 * 401 with `WWW-Authenticate: Bearer`. The principal goes to the endpoints, which bind
 * sessions to it.
 */
export function withAuth(auth: AuthOptions | undefined, next: Handle): Handle {
  if (!auth) return next;
  const verify = "verify" in auth ? auth.verify : staticTokens(auth.tokens);
  return async (request, ctx) => {
    const principal = await verify(request);
    if (!principal) {
      return jsonResponse(
        401,
        { error: { code: "SERVER_UNAUTHORIZED", message: "Missing or invalid bearer token" } },
        { "www-authenticate": 'Bearer realm="mcp-sse"' },
      );
    }
    return next(request, { ...ctx, principal });
  };
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Compare digests, not tokens: the comparison time then says nothing about the token. The
 * principal id is a digest prefix, so logs and session records never hold the secret.
 */
function staticTokens(tokens: readonly string[]): (request: Request) => Promise<Principal | null> {
  const byHeader = bearerTokens(tokens);
  return (request) => byHeader(request.headers.get("authorization") ?? undefined);
}

/** The principal an `Authorization` value names among the static `tokens`, or `null`. */
export function bearerTokens(
  tokens: readonly string[],
): (authorization: string | undefined) => Promise<Principal | null> {
  const digests = Promise.all(tokens.filter((t) => t.length > 0).map(sha256Hex));
  return async (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (!match?.[1]) return null;
    const digest = await sha256Hex(match[1]);
    return (await digests).includes(digest) ? { id: `token:${digest.slice(0, 16)}` } : null;
  };
}
