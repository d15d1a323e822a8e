/**
 * One `tools/call` through an SDK `Client` under its limits: the timeout that progress resets,
 * the total cap it does not (`call-limits.ts`), progress delivered as events, and every
 * failure turned into the typed error the caller sees. The connection decides whether a call
 * may start; this module only runs it.
 */
import type { CallToolResult, Client } from "@modelcontextprotocol/client";
import type { ServerConfig } from "../config/types.js";
import type { McpSseError } from "../errors.js";
import { toCallError } from "./call-errors.js";
import { checkCallHeaders } from "./call-headers.js";
import { maxCallTimeError, resolveCallLimits } from "./call-limits.js";
import type { CallOptions } from "./connection-options.js";
import type { McpsEvent } from "./events.js";

export interface ToolCallContext {
  server: ServerConfig;
  /** Receives the call's progress notifications as `progress` events. */
  emit: (event: McpsEvent) => void;
  /** True once the connection was closed (the SDK reports that as something else). */
  closed: () => boolean;
}

/** Call `tool` on `client`; rejects with the typed `McpSseError` a caller may match on. */
export async function runToolCall(
  client: Client,
  tool: string,
  args: Record<string, unknown>,
  options: CallOptions,
  context: ToolCallContext,
): Promise<CallToolResult> {
  const server = context.server.name;
  const limits = resolveCallLimits(context.server, tool, options);
  const { timeoutMs } = limits;
  const headers = checkCallHeaders(context.server, tool, options.headers);
  try {
    const result = await client.callTool(
      { name: tool, arguments: args },
      {
        // Always > 0: the config refuses `timeout: 0` ("no call hangs" is a promise).
        timeout: timeoutMs,
        resetTimeoutOnProgress: true,
        maxTotalTimeout: limits.maxCallTimeMs,
        // Passing onprogress makes the SDK send a progress token: progress extends the timeout.
        onprogress: (progress) =>
          context.emit({
            server,
            type: "progress",
            data: { tool, ...progress },
            receivedAt: Date.now(),
          }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        // The SDK hands them to the transport with this one request (`send(…, { headers })`).
        ...(headers === undefined ? {} : { headers }),
      },
    );
    return result as CallToolResult;
  } catch (error) {
    throw callFailure(error, tool, options, limits, context);
  }
}

function callFailure(
  error: unknown,
  tool: string,
  options: CallOptions,
  limits: { timeoutMs: number; maxCallTimeMs: number },
  context: ToolCallContext,
): McpSseError {
  const server = context.server.name;
  const closed = context.closed();
  if (!closed && options.signal?.aborted !== true) {
    const capped = maxCallTimeError(error, { server, tool, ...limits });
    if (capped !== undefined) return capped;
  }
  // Closed or aborted by the caller: the SDK reports both as something else.
  return toCallError(error, {
    server,
    tool,
    timeoutMs: limits.timeoutMs,
    signal: options.signal,
    closed,
  });
}
