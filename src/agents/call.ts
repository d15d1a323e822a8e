/**
 * One tool call for an adapter: through the manager (its timeouts, reconnection, secret
 * scrubbing), with the framework's abort signal. The outcome is a value, never a throw,
 * except when the run itself was aborted: the framework must see its own cancellation.
 */
import type { CallToolResult } from "@modelcontextprotocol/client";
import { CLIENT_ABORTED } from "../client/call-errors.js";
import type { McpsManager, QualifiedTool } from "../client/manager.js";
import { isMcpSseError } from "../errors.js";

export type CallOutcome =
  | { ok: true; result: CallToolResult; text: string }
  /** `message` is what the model reads: the server's own words, with the code when local. */
  | { ok: false; message: string; code: string | undefined; result?: CallToolResult };

/** The text parts of a result, one per line; other parts as JSON (images by type only). */
export function resultText(result: CallToolResult): string {
  const parts: string[] = [];
  for (const part of result.content ?? []) {
    if (part.type === "text") parts.push(part.text);
    else if (part.type === "image" || part.type === "audio")
      parts.push(`[${part.type} ${part.mimeType}]`);
    else parts.push(JSON.stringify(part));
  }
  if (parts.length === 0 && result.structuredContent !== undefined)
    parts.push(JSON.stringify(result.structuredContent));
  return parts.join("\n");
}

/** True when `error` is the run's own abort (the signal fired), not a failure of the tool. */
function isRunAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return (
    signal?.aborted === true && (isMcpSseError(error, CLIENT_ABORTED) || !isMcpSseError(error))
  );
}

/**
 * Calls `tool` with `args`. `isError: true` results and every call failure (timeout, lost
 * connection, not ready, JSON-RPC error) become `{ ok: false }`; an abort of `signal` is
 * rethrown as the signal's reason (what frameworks check for), else as the error.
 */
export async function callForAgent(
  manager: McpsManager,
  tool: QualifiedTool,
  args: unknown,
  options: { timeout: number | undefined; signal: AbortSignal | undefined },
): Promise<CallOutcome> {
  options.signal?.throwIfAborted();
  const input = args !== null && typeof args === "object" ? (args as Record<string, unknown>) : {};
  try {
    const result = await manager.call(tool.server, tool.name, input, {
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    const text = resultText(result);
    if (result.isError === true) {
      const message = text === "" ? `Tool ${tool.qualifiedName} failed (no message).` : text;
      return { ok: false, message, code: undefined, result };
    }
    return { ok: true, result, text };
  } catch (error) {
    if (isRunAbort(error, options.signal)) throw options.signal?.reason ?? error;
    if (isMcpSseError(error))
      return { ok: false, message: `${error.code}: ${error.message}`, code: error.code };
    return {
      ok: false,
      message: String(error instanceof Error ? error.message : error),
      code: undefined,
    };
  }
}
