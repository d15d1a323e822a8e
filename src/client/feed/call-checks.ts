/** The checks a feed call shares with an MCP call (same codes and wording as `Connection`). */
import type { Tool } from "@modelcontextprotocol/client";
import { McpSseError } from "../../errors.js";
import { MAX_TIMER_MS } from "../../sse/backoff.js";
import {
  CLIENT_CLOSED,
  CLIENT_INVALID_OPTION,
  CLIENT_NOT_READY,
  CLIENT_UNKNOWN_TOOL,
} from "../call-errors.js";
import type { ConnectionState } from "../state.js";

export function checkCall(
  at: { server: string; state: ConnectionState; error: Error | undefined; tools: readonly Tool[] },
  tool: string,
  timeoutMs: number,
): void {
  const { server, state, error, tools } = at;
  if (state !== "ready")
    throw new McpSseError(
      state === "closed" ? CLIENT_CLOSED : CLIENT_NOT_READY,
      `Server "${server}" is ${state}, not ready${error ? ` (${error.message})` : ""}; check servers() or retry later.`,
      { details: { server, tool, state } },
    );
  if (!tools.some((t) => t.name === tool))
    throw new McpSseError(
      CLIENT_UNKNOWN_TOOL,
      `Server "${server}" has no tool "${tool}" (or it is filtered by tools.allow/deny); its tools: ${tools.map((t) => t.name).join(", ") || "none"}.`,
      { details: { server, tool } },
    );
  if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS))
    throw new McpSseError(
      CLIENT_INVALID_OPTION,
      `The timeout of a call to tool "${tool}" on server "${server}" must be > 0 and at most ${MAX_TIMER_MS} ms (got ${timeoutMs}); omit it to use the server's timeout.`,
      { details: { server, tool, timeoutMs } },
    );
}
