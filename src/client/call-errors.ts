/**
 * The typed errors of the client manager, and the mapping of SDK errors to them, so a caller
 * matches on one stable `code` whatever layer failed.
 */
import { ProtocolError, SdkError, SdkErrorCode } from "@modelcontextprotocol/client";
import { isMcpSseError, McpSseError } from "../errors.js";

export const CLIENT_UNKNOWN_SERVER = "CLIENT_UNKNOWN_SERVER";
export const CLIENT_UNKNOWN_TOOL = "CLIENT_UNKNOWN_TOOL";
export const CLIENT_NOT_READY = "CLIENT_NOT_READY";
export const CLIENT_TIMEOUT = "CLIENT_TIMEOUT";
export const CLIENT_CONNECTION_LOST = "CLIENT_CONNECTION_LOST";
export const CLIENT_TOOL_ERROR = "CLIENT_TOOL_ERROR";
export const CLIENT_ABORTED = "CLIENT_ABORTED";
export const CLIENT_CLOSED = "CLIENT_CLOSED";
export const CLIENT_CONNECT_FAILED = "CLIENT_CONNECT_FAILED";
export const CLIENT_EVENT_DECRYPT = "CLIENT_EVENT_DECRYPT";
export const CLIENT_REFRESH_FAILED = "CLIENT_REFRESH_FAILED";
/** An option given to a call is out of range (e.g. `timeout` not > 0). */
export const CLIENT_INVALID_OPTION = "CLIENT_INVALID_OPTION";

/** Walks `cause` links (bounded) and returns the first error that `test` accepts. */
export function findCause<T>(error: unknown, test: (e: unknown) => e is T): T | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    if (test(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True when `error` (or a cause) says the server refused our credentials (HTTP 401). */
export function isUnauthorized(error: unknown): boolean {
  return (
    findCause(
      error,
      (e): e is McpSseError =>
        isMcpSseError(e) && (e.code === "CLIENT_UNAUTHORIZED" || e.details["status"] === 401),
    ) !== undefined
  );
}

export interface CallContext {
  server: string;
  tool: string;
  timeoutMs: number;
  /** The caller's `signal`: when it has aborted, the failure is the caller's cancel. */
  signal?: AbortSignal | undefined;
  /** True when the connection was closed (`close()`) before the call settled. */
  closed?: boolean;
}

/** The name of an abort reason (`TimeoutError` for `AbortSignal.timeout`), for messages. */
function reasonName(reason: unknown): string {
  // DOMException (the default reason, and AbortSignal.timeout's) is an Error in Node and browsers.
  return reason instanceof Error ? reason.name : typeof reason;
}

/** Map whatever a `callTool` rejected with to one typed `McpSseError`. */
export function toCallError(error: unknown, ctx: CallContext): McpSseError {
  const where = `tool "${ctx.tool}" on server "${ctx.server}"`;
  const details = { server: ctx.server, tool: ctx.tool };
  if (error instanceof ProtocolError)
    return new McpSseError(
      CLIENT_TOOL_ERROR,
      `${where} failed with JSON-RPC error ${error.code}: ${error.message}`,
      { details: { ...details, rpcCode: error.code, rpcData: error.data }, cause: error },
    );
  // The SDK reports both of these as something else (a closed Client fails its requests with
  // ConnectionClosed; a caller's abort becomes SdkError(RequestTimeout)): say what happened.
  if (ctx.closed === true)
    return new McpSseError(
      CLIENT_CLOSED,
      `${where} was cut short: the client was closed (close() or the manager's signal) while it ran.`,
      { details, cause: error },
    );
  if (ctx.signal?.aborted === true) {
    const reason = reasonName(ctx.signal.reason);
    return new McpSseError(
      CLIENT_ABORTED,
      `${where} was cancelled by the caller's signal (${reason}).`,
      { details: { ...details, reason }, cause: error },
    );
  }
  if (error instanceof SdkError) {
    if (error.code === SdkErrorCode.RequestTimeout)
      return new McpSseError(
        CLIENT_TIMEOUT,
        `${where} did not answer within ${ctx.timeoutMs} ms; raise 'timeout' in the config or pass { timeout } to call().`,
        { details: { ...details, timeoutMs: ctx.timeoutMs }, cause: error },
      );
    if (
      error.code === SdkErrorCode.ConnectionClosed ||
      error.code === SdkErrorCode.NotConnected ||
      error.code === SdkErrorCode.SendFailed
    )
      return connectionLost(ctx, error);
  }
  if (isMcpSseError(error)) return error;
  if (error instanceof Error && error.name === "AbortError")
    return new McpSseError(CLIENT_ABORTED, `${where} was cancelled by the caller.`, {
      details,
      cause: error,
    });
  const message = error instanceof Error ? error.message : String(error);
  return new McpSseError(CLIENT_TOOL_ERROR, `${where} failed: ${message}`, {
    details,
    cause: error,
  });
}

export function connectionLost(
  ctx: { server: string; tool?: string },
  cause?: unknown,
): McpSseError {
  const what = ctx.tool === undefined ? "a request" : `the call to tool "${ctx.tool}"`;
  return new McpSseError(
    CLIENT_CONNECTION_LOST,
    `The connection to server "${ctx.server}" was lost during ${what}; it is reconnecting: retry the call (check servers() for its state).`,
    { details: { ...ctx }, cause },
  );
}

/** A one-line, secret-free description of an error for `servers()` and `error` events. */
export function describe(error: unknown): { code: string; message: string } {
  if (isMcpSseError(error)) return { code: error.code, message: error.message };
  if (error instanceof SdkError) return { code: `SDK_${error.code}`, message: error.message };
  if (error instanceof ProtocolError) return { code: `RPC_${error.code}`, message: error.message };
  if (error instanceof Error) return { code: "ERROR", message: error.message };
  return { code: "ERROR", message: String(error) };
}
