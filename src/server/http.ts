/** Small response helpers shared by the endpoints (JSON bodies, JSON-RPC errors). */

/** JSON-RPC error codes used on the HTTP edge (the SDK uses the same values). */
export const JSONRPC_PARSE_ERROR = -32700;
export const JSONRPC_INVALID_REQUEST = -32600;
export const JSONRPC_SERVER_ERROR = -32000;
export const JSONRPC_SESSION_NOT_FOUND = -32001;

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * An HTTP error whose body is a JSON-RPC error response (what MCP clients parse), with our
 * stable code in `error.data.code` for humans and scripts.
 */
export function jsonRpcErrorResponse(
  status: number,
  rpcCode: number,
  message: string,
  options: { code?: string; headers?: Record<string, string>; id?: string | number | null } = {},
): Response {
  const error: Record<string, unknown> = { code: rpcCode, message };
  if (options.code) error.data = { code: options.code };
  return jsonResponse(status, { jsonrpc: "2.0", id: options.id ?? null, error }, options.headers);
}

/** Lower-cased media type without parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(value: string | null): string {
  return (value ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
}

/** Whether an `Accept` header admits `type` (missing header or `*\/*` admit everything). */
export function accepts(request: Request, type: string): boolean {
  return acceptHeaderAdmits(request.headers.get("accept"), type);
}

/** Whether an `Accept` value admits `type` (`accepts` on a raw header value). */
export function acceptHeaderAdmits(accept: string | null | undefined, type: string): boolean {
  if (!accept) return true;
  const [major] = type.split("/");
  return accept
    .split(",")
    .map((part) => mediaType(part))
    .some((t) => t === type || t === "*/*" || t === `${major}/*`);
}
