/**
 * The time limits of one tool call: its timeout (reset by every progress notification) and
 * its total cap (not reset by anything), checked once, and the error of a call that hit the cap.
 */
import { SdkError, SdkErrorCode } from "@modelcontextprotocol/client";
import { DEFAULT_MAX_CALL_TIME_FACTOR } from "../config/defaults.js";
import type { ServerConfig } from "../config/types.js";
import { McpSseError } from "../errors.js";
import { MAX_TIMER_MS } from "../sse/backoff.js";
import { CLIENT_INVALID_OPTION, CLIENT_TIMEOUT } from "./call-errors.js";

export interface CallLimits {
  /** No answer and no progress for this long fails the call. */
  timeoutMs: number;
  /** The call's total time, ms, whatever progress arrives. */
  maxCallTimeMs: number;
}

function checked(value: number, option: string, server: string, tool: string): number {
  if (value > 0 && value <= MAX_TIMER_MS) return value;
  throw new McpSseError(
    CLIENT_INVALID_OPTION,
    `The ${option} of a call to tool "${tool}" on server "${server}" must be > 0 and at most ${MAX_TIMER_MS} ms (got ${value}); omit it to use the server's default.`,
    { details: { server, tool, option, [`${option}Ms`]: value } },
  );
}

/**
 * Both limits of a call: the caller's, else the server's; the cap defaults to
 * `DEFAULT_MAX_CALL_TIME_FACTOR` × the timeout. There is no "no limit": `0` is refused.
 */
export function resolveCallLimits(
  server: ServerConfig,
  tool: string,
  options: { timeout?: number | undefined; maxCallTime?: number | undefined },
): CallLimits {
  const timeoutMs = checked(options.timeout ?? server.timeoutMs, "timeout", server.name, tool);
  const maxCallTimeMs = checked(
    options.maxCallTime ??
      server.maxCallTimeMs ??
      Math.min(MAX_TIMER_MS, timeoutMs * DEFAULT_MAX_CALL_TIME_FACTOR),
    "maxCallTime",
    server.name,
    tool,
  );
  // A cap below the timeout is the call's timeout too (the SDK checks the cap on progress only).
  return { timeoutMs: Math.min(timeoutMs, maxCallTimeMs), maxCallTimeMs };
}

/** The SDK's "maximum total timeout exceeded" as `CLIENT_TIMEOUT`; `undefined` for anything else. */
export function maxCallTimeError(
  error: unknown,
  ctx: { server: string; tool: string } & CallLimits,
): McpSseError | undefined {
  if (!(error instanceof SdkError) || error.code !== SdkErrorCode.RequestTimeout) return undefined;
  const data = error.data as { maxTotalTimeout?: unknown } | undefined;
  if (data?.maxTotalTimeout === undefined) return undefined;
  return new McpSseError(
    CLIENT_TIMEOUT,
    `tool "${ctx.tool}" on server "${ctx.server}" ran longer than its total cap of ${ctx.maxCallTimeMs} ms (progress extends the timeout, not this cap); raise 'max_call_time' in the config or pass { maxCallTime } to call().`,
    {
      details: {
        server: ctx.server,
        tool: ctx.tool,
        timeoutMs: ctx.timeoutMs,
        maxCallTimeMs: ctx.maxCallTimeMs,
      },
      cause: error,
    },
  );
}
