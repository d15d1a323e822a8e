/**
 * The one base class for local errors in mcp-sse. Every error a user can catch carries a
 * stable `code` (like undici's `UND_ERR_*`): match on `code`, never on the message.
 *
 * Local errors are kept apart from JSON-RPC errors that cross the wire (those stay the
 * SDK's `ProtocolError`/JSON-RPC error objects). Messages name what failed and where
 * (server name, URL without credentials) and never contain a secret.
 *
 * This module is a leaf: every layer may import it, it imports nothing.
 */
export class McpSseError extends Error {
  /** Stable, documented code, e.g. `SSE_EVENT_TOO_LARGE`. See docs/errors.md. */
  readonly code: string;
  /** Structured context safe to log (never secrets). */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "McpSseError";
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isMcpSseError(value: unknown, code?: string): value is McpSseError {
  return value instanceof McpSseError && (code === undefined || value.code === code);
}

/** A URL safe to print: no username, password, or query string values that look secret. */
export function redactUrl(url: string | URL): string {
  try {
    const u = new URL(String(url));
    if (u.username || u.password) {
      u.username = "";
      u.password = "";
    }
    for (const key of [...u.searchParams.keys()]) {
      if (/token|key|secret|password|auth/i.test(key)) u.searchParams.set(key, "REDACTED");
    }
    return u.toString();
  } catch {
    return "<invalid url>";
  }
}
