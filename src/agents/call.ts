/**
 * One tool call for an adapter: through the manager (its timeouts, reconnection, secret
 * scrubbing), with the framework's abort signal. The outcome is a value, never a throw,
 * except when the run itself was aborted: the framework must see its own cancellation.
 */
import type { CallToolResult } from "@modelcontextprotocol/client";
import { CLIENT_ABORTED } from "../client/call-errors.js";
import type { McpsManager, QualifiedTool } from "../client/manager.js";
import { isMcpSseError } from "../errors.js";
import type { CallChanges, CallSettings } from "./options.js";

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

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** An interceptor answered something other than what it may: a plain failure, named. */
function badInterceptorValue(hook: string, tool: QualifiedTool, value: unknown): Error {
  const got = Array.isArray(value) ? "an array" : value === null ? "null" : typeof value;
  return new Error(
    `${hook} for ${tool.qualifiedName} returned ${got}; expected ${hook === "beforeCall" ? "{ args?, headers? }" : "a tool result object"} or undefined.`,
  );
}

/**
 * `beforeCall`'s answer, checked: `{ args?, headers? }` or undefined. Any other key fails the
 * call by name, so that an object of arguments (what `beforeCall` returned before it could
 * change headers) is never read as something else.
 */
function checkChanges(tool: QualifiedTool, changes: unknown): CallChanges {
  if (changes === undefined) return {};
  if (!isRecord(changes)) throw badInterceptorValue("beforeCall", tool, changes);
  const other = Object.keys(changes).filter((k) => k !== "args" && k !== "headers");
  if (other.length > 0)
    throw new Error(
      `beforeCall for ${tool.qualifiedName} returned an object with ${other.map((k) => `"${k}"`).join(", ")}; expected { args?, headers? } (return { args } to change the arguments).`,
    );
  const { args, headers } = changes;
  if (args !== undefined && !isRecord(args))
    throw new Error(`beforeCall for ${tool.qualifiedName}: "args" must be an object.`);
  if (headers !== undefined && !isRecord(headers))
    throw new Error(`beforeCall for ${tool.qualifiedName}: "headers" must be an object.`);
  return changes as CallChanges;
}

/** The call itself, between the interceptors; rejects with whatever failed. */
async function interceptedCall(
  manager: McpsManager,
  tool: QualifiedTool,
  args: Record<string, unknown>,
  settings: CallSettings,
  signal: AbortSignal | undefined,
): Promise<CallToolResult> {
  const info = { server: tool.server, tool: tool.name, qualifiedName: tool.qualifiedName };
  const changes =
    settings.beforeCall === undefined
      ? {}
      : checkChanges(tool, await settings.beforeCall({ ...info, args }));
  const input = changes.args ?? args;
  const result = await manager.call(tool.server, tool.name, input, {
    ...(settings.timeout === undefined ? {} : { timeout: settings.timeout }),
    ...(signal === undefined ? {} : { signal }),
    ...(changes.headers === undefined ? {} : { headers: changes.headers }),
  });
  if (settings.afterCall === undefined) return result;
  const changed = await settings.afterCall({ ...info, args: input, result });
  if (changed !== undefined && !isRecord(changed))
    throw badInterceptorValue("afterCall", tool, changed);
  return changed ?? result;
}

/**
 * Calls `tool` with `args`, through `beforeCall` / `afterCall` when given. `isError: true`
 * results and every failure (timeout, lost connection, not ready, JSON-RPC error, a throwing
 * interceptor) become `{ ok: false }`; an abort of `signal` is rethrown as the signal's reason
 * (what frameworks check for), else as the error.
 */
export async function callForAgent(
  manager: McpsManager,
  tool: QualifiedTool,
  args: unknown,
  settings: CallSettings,
  signal: AbortSignal | undefined,
): Promise<CallOutcome> {
  signal?.throwIfAborted();
  try {
    const result = await interceptedCall(
      manager,
      tool,
      isRecord(args) ? args : {},
      settings,
      signal,
    );
    const text = resultText(result);
    if (result.isError === true) {
      const message = text === "" ? `Tool ${tool.qualifiedName} failed (no message).` : text;
      return { ok: false, message, code: undefined, result };
    }
    return { ok: true, result, text };
  } catch (error) {
    if (isRunAbort(error, signal)) throw signal?.reason ?? error;
    if (isMcpSseError(error))
      return { ok: false, message: `${error.code}: ${error.message}`, code: error.code };
    return {
      ok: false,
      message: String(error instanceof Error ? error.message : error),
      code: undefined,
    };
  }
}
