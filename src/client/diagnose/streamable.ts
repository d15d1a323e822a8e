/**
 * The Streamable HTTP checks of `diagnose()`: POST initialize, its answer, then the
 * standalone GET stream's time to first byte (buffering).
 */
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/client";
import { redactUrl } from "../../errors.js";
import type { SseEvent } from "../../sse/types.js";
import {
  discard,
  type HttpCheckOptions,
  type InitializeAnswer,
  initializeBody,
  initializeCheck,
  parseAnswer,
  readEvents,
  statusFix,
} from "./answer.js";
import { message } from "./net.js";
import type { Check } from "./types.js";

export type { HttpCheckOptions } from "./answer.js";

const POST_ACCEPT = "application/json, text/event-stream";

/** Streamable HTTP: POST initialize; on 404/405 (or a 2xx that is neither JSON nor SSE) the caller tries legacy SSE. */
export async function checkStreamable(
  options: HttpCheckOptions,
  checks: Check[],
): Promise<"done" | "try-legacy"> {
  const { url, headers, timeoutMs, fetch } = options;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", accept: POST_ACCEPT },
      body: initializeBody(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    checks.push({
      name: "http",
      status: "fail",
      detail: `POST ${redactUrl(url)} failed: ${message(error)}`,
      fix: "check the URL and that the server speaks HTTP",
    });
    return "done";
  }
  const type = response.headers.get("content-type") ?? "";
  if (isNotStreamable(response, type)) {
    discard(response);
    return "try-legacy";
  }
  const detail = `POST initialize answered HTTP ${response.status}`;
  if (!response.ok) {
    discard(response);
    checks.push({ name: "http", status: "fail", detail, fix: statusFix(response.status) });
    return "done";
  }
  checks.push({ name: "http", status: "ok", detail });
  checks.push({
    name: "content-type",
    status: "ok",
    detail: `${type.split(";")[0]} (Streamable HTTP)`,
  });
  const init = await initializeAnswer(response, type, options, checks);
  if (init === undefined) return "done";
  await afterInitialize(options, response.headers.get("mcp-session-id") ?? undefined, init, checks);
  return "done";
}

/**
 * A message event with data: since protocol 2025-11-25 a server may open the stream with a
 * priming event (an id and empty data, for resumption) before the answer.
 */
function isAnswerEvent(event: SseEvent): boolean {
  return event.type === "message" && event.data !== "";
}

function isNotStreamable(response: Response, type: string): boolean {
  return (
    response.status === 404 ||
    response.status === 405 ||
    (response.ok && !/json|event-stream/.test(type))
  );
}

/**
 * The `transport` and `mcp-initialize` checks of a 2xx answer (JSON or one SSE event);
 * undefined when initialize failed (a fail check is pushed).
 */
async function initializeAnswer(
  response: Response,
  type: string,
  { headers, timeoutMs }: HttpCheckOptions,
  checks: Check[],
): Promise<InitializeAnswer | undefined> {
  const data = type.includes("json")
    ? await response.text().catch(() => undefined)
    : response.body
      ? (await readEvents(response.body, isAnswerEvent, timeoutMs)).event?.data
      : undefined;
  let init: InitializeAnswer | undefined;
  if (data !== undefined) {
    const parsed = parseAnswer(data, headers);
    if ("check" in parsed) {
      checks.push(parsed.check);
      return undefined;
    }
    init = parsed.init;
  }
  const sessionId = response.headers.get("mcp-session-id");
  checks.push({
    name: "transport",
    status: "ok",
    detail: `Streamable HTTP${sessionId ? " with a session id" : " (stateless)"}`,
  });
  const check = initializeCheck(init, {
    name: "mcp-initialize",
    status: "fail",
    detail: `no initialize result${init?.error?.message ? `: ${init.error.message}` : ""}`,
    fix: "the endpoint answered but not as an MCP server; check the path",
  });
  checks.push(check);
  return check.status === "fail" ? undefined : init;
}

/** Finish the handshake so the server opens its stream, check that stream, end the session. */
async function afterInitialize(
  options: HttpCheckOptions,
  sessionId: string | undefined,
  init: InitializeAnswer,
  checks: Check[],
): Promise<void> {
  const { url, headers, timeoutMs, fetch } = options;
  const session: Record<string, string> = sessionId ? { "mcp-session-id": sessionId } : {};
  await fetch(url, {
    method: "POST",
    headers: {
      ...headers,
      ...session,
      "content-type": "application/json",
      accept: POST_ACCEPT,
      "mcp-protocol-version": init.result?.protocolVersion ?? LATEST_PROTOCOL_VERSION,
    },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    signal: AbortSignal.timeout(timeoutMs),
  }).then(discard, () => undefined);
  const streamHeaders = { ...headers, ...session, accept: "text/event-stream" };
  checks.push(await checkStream(options, streamHeaders, "standalone GET stream"));
  if (sessionId)
    await fetch(url, {
      method: "DELETE",
      headers: { ...headers, ...session },
      signal: AbortSignal.timeout(timeoutMs),
    }).then(discard, () => undefined);
}

/** Time-to-first-byte of an event stream: slow first bytes mean a buffering proxy (or a quiet server). */
async function checkStream(
  { url, fetch, streamWaitMs, timeoutMs }: HttpCheckOptions,
  headers: Record<string, string>,
  what: string,
): Promise<Check> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { headers, signal: controller.signal });
    clearTimeout(timer);
    if (response.status === 405)
      return { name: "buffering", status: "skip", detail: `the server offers no ${what} (405)` };
    if (!response.ok || response.body === null) {
      discard(response);
      return {
        name: "buffering",
        status: "warn",
        detail: `${what} answered HTTP ${response.status}`,
        fix: "server-initiated events will not arrive",
      };
    }
    const compressed = response.headers.get("content-encoding") !== null;
    const { firstByteMs } = await readEvents(response.body, () => true, streamWaitMs);
    return bufferingCheck(what, streamWaitMs, firstByteMs, compressed);
  } catch (error) {
    return { name: "buffering", status: "warn", detail: `${what} failed: ${message(error)}` };
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

function bufferingCheck(
  what: string,
  waitMs: number,
  firstByteMs: number | undefined,
  compressed: boolean,
): Check {
  const hint = compressed ? "the stream is compressed (content-encoding), which buffers it" : "";
  if (firstByteMs === undefined)
    return {
      name: "buffering",
      status: "warn",
      detail: `${what}: no event or keep-alive within ${waitMs} ms${hint ? `; ${hint}` : ""}`,
      fix: "if the server sends keep-alives, a proxy buffers the stream (nginx: proxy_buffering off or X-Accel-Buffering: no; disable compression for text/event-stream)",
    };
  if (hint)
    return {
      name: "buffering",
      status: "warn",
      detail: hint,
      fix: "turn off compression for text/event-stream",
    };
  return {
    name: "buffering",
    status: "ok",
    detail: `${what}: first bytes after ${firstByteMs} ms`,
  };
}
