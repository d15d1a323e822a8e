/**
 * The HTTP and MCP checks of `mcp-sse doctor` for Streamable HTTP (initialize, then the event
 * stream's time to first byte: buffering), and what the legacy checks (`doctor-legacy.ts`)
 * share with them: the initialize request, answer parsing, status fixes, printable URLs.
 */
import { redactUrl } from "../../errors.js";
import { createParser } from "../../sse/index.js";
import { scrubValues, secretValuesOf } from "../../sse/reader-http.js";
import type { SseEvent } from "../../sse/types.js";
import { truncate } from "./client-common.js";
import { type Check, message } from "./doctor-net.js";

/** How much of an answer that is not JSON-RPC a check quotes. */
export const QUOTED_ANSWER_CHARS = 80;

interface InitializeAnswer {
  result?: { serverInfo?: { name?: string; version?: string }; protocolVersion?: string };
  error?: { message?: string };
}

/**
 * An initialize answer's event data as JSON, or a `mcp-initialize` fail check quoting what
 * came back: cut short, with the request's header values scrubbed (a server may echo them).
 */
export function parseAnswer(
  data: string,
  headers: Record<string, string>,
): { init: InitializeAnswer } | { check: Check } {
  try {
    const value: unknown = JSON.parse(data);
    if (value !== null && typeof value === "object") return { init: value as InitializeAnswer };
  } catch {
    // Not JSON: reported below, with what the server sent.
  }
  const quoted = truncate(scrubValues(data, secretValuesOf(headers)), QUOTED_ANSWER_CHARS);
  return {
    check: {
      name: "mcp-initialize",
      status: "fail",
      detail: `the answer to initialize is not a JSON-RPC message: '${quoted}'`,
      fix: "the endpoint answered but not as an MCP server; check the path",
    },
  };
}

/** An endpoint URL for printing: credentials and secret-looking query values hidden, no session id. */
export function printable(url: URL): string {
  return redactUrl(url).replace(/sessionId=[^&]+/, "sessionId=…");
}

/** What the HTTP checks need (every option resolved). */
export interface HttpCheckOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  streamWaitMs: number;
  fetch: typeof globalThis.fetch;
}

export const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2025-06-18",
    capabilities: {},
    clientInfo: { name: "mcp-sse-doctor", version: "0.1.0" },
  },
};

/** Read an SSE body until `want` returns true for an event, or `ms` passes. */
async function readEvents(
  body: ReadableStream<Uint8Array>,
  want: (event: SseEvent) => boolean,
  ms: number,
): Promise<{ event?: SseEvent; firstByteMs?: number }> {
  const started = Date.now();
  const reader = body.getReader();
  let found: SseEvent | undefined;
  let firstByteMs: number | undefined;
  const parser = createParser({
    onEvent: (event) => {
      if (found === undefined && want(event)) found = event;
    },
  });
  const timer = setTimeout(() => void reader.cancel().catch(() => undefined), ms);
  try {
    while (found === undefined) {
      const { done, value } = await reader.read();
      if (done) break;
      firstByteMs ??= Date.now() - started;
      parser.feed(value);
    }
  } catch {
    // Cancelled by the timer or the connection ended: what was found so far is the answer.
  } finally {
    clearTimeout(timer);
    void reader.cancel().catch(() => undefined);
  }
  return {
    ...(found ? { event: found } : {}),
    ...(firstByteMs === undefined ? {} : { firstByteMs }),
  };
}

export function statusFix(status: number): string {
  if (status === 401)
    return "the server wants credentials: pass --header 'Authorization: Bearer …'";
  if (status === 403) return "the credentials lack access, or the server rejects this Origin/Host";
  if (status === 404) return "wrong path? Streamable HTTP is usually /mcp, legacy SSE /sse";
  if (status === 429) return "rate limited: retry later";
  if (status >= 300 && status < 400)
    return "the server redirects: use the URL it redirects to (redirects are never followed, so headers never reach another origin)";
  if (status >= 500) return "the server failed; check its logs";
  return "check the URL";
}

/** Streamable HTTP: POST initialize; on 404/405 the caller tries legacy SSE. */
export async function checkStreamable(
  options: HttpCheckOptions,
  checks: Check[],
): Promise<"done" | "try-legacy"> {
  const { url, headers, timeoutMs, streamWaitMs, fetch } = options;
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        ...headers,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify(INITIALIZE),
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
  if (
    response.status === 404 ||
    response.status === 405 ||
    (response.ok && !/json|event-stream/.test(type))
  ) {
    void response.body?.cancel().catch(() => undefined);
    return "try-legacy";
  }
  if (!response.ok) {
    void response.body?.cancel().catch(() => undefined);
    checks.push({
      name: "http",
      status: "fail",
      detail: `POST initialize answered HTTP ${response.status}`,
      fix: statusFix(response.status),
    });
    return "done";
  }
  checks.push({
    name: "http",
    status: "ok",
    detail: `POST initialize answered HTTP ${response.status}`,
  });
  checks.push({
    name: "content-type",
    status: "ok",
    detail: `${type.split(";")[0]} (Streamable HTTP)`,
  });
  let init: InitializeAnswer | undefined;
  const data = type.includes("json")
    ? await response.text().catch(() => undefined)
    : response.body
      ? (await readEvents(response.body, (e) => e.type === "message", timeoutMs)).event?.data
      : undefined;
  if (data !== undefined) {
    const parsed = parseAnswer(data, headers);
    if ("check" in parsed) {
      checks.push(parsed.check);
      return "done";
    }
    init = parsed.init;
  }
  const sessionId = response.headers.get("mcp-session-id") ?? undefined;
  checks.push({
    name: "transport",
    status: "ok",
    detail: `Streamable HTTP${sessionId ? " with a session id" : " (stateless)"}`,
  });
  if (init?.result?.serverInfo) {
    const info = init.result.serverInfo;
    checks.push({
      name: "mcp-initialize",
      status: "ok",
      detail: `${info.name ?? "?"} ${info.version ?? ""}, protocol ${init.result.protocolVersion ?? "?"}`,
    });
  } else {
    checks.push({
      name: "mcp-initialize",
      status: "fail",
      detail: `no initialize result${init?.error?.message ? `: ${init.error.message}` : ""}`,
      fix: "the endpoint answered but not as an MCP server; check the path",
    });
    return "done";
  }
  const session: Record<string, string> = sessionId ? { "mcp-session-id": sessionId } : {};
  // Finish the handshake so the server opens its stream, then look at the standalone GET stream.
  await fetch(url, {
    method: "POST",
    headers: {
      ...headers,
      ...session,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": init.result.protocolVersion ?? "2025-06-18",
    },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    signal: AbortSignal.timeout(timeoutMs),
  }).then(
    (r) => r.body?.cancel(),
    () => undefined,
  );
  await checkStream(
    fetch,
    url,
    { ...headers, ...session, accept: "text/event-stream" },
    streamWaitMs,
    timeoutMs,
    checks,
    "standalone GET stream",
  );
  if (sessionId)
    await fetch(url, {
      method: "DELETE",
      headers: { ...headers, ...session },
      signal: AbortSignal.timeout(timeoutMs),
    }).then(
      (r) => r.body?.cancel(),
      () => undefined,
    );
  return "done";
}

/** Time-to-first-byte of an event stream: slow first bytes mean a buffering proxy (or a quiet server). */
async function checkStream(
  fetch: typeof globalThis.fetch,
  url: string,
  headers: Record<string, string>,
  waitMs: number,
  timeoutMs: number,
  checks: Check[],
  what: string,
): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, { headers, signal: controller.signal });
    clearTimeout(timer);
    if (response.status === 405) {
      checks.push({
        name: "buffering",
        status: "skip",
        detail: `the server offers no ${what} (405)`,
      });
      return;
    }
    if (!response.ok || response.body === null) {
      checks.push({
        name: "buffering",
        status: "warn",
        detail: `${what} answered HTTP ${response.status}`,
        fix: "server-initiated events will not arrive",
      });
      void response.body?.cancel().catch(() => undefined);
      return;
    }
    const hints = [
      response.headers.get("content-encoding")
        ? "the stream is compressed (content-encoding), which buffers it"
        : "",
    ].filter(Boolean);
    const { firstByteMs } = await readEvents(response.body, () => true, waitMs);
    if (firstByteMs === undefined)
      checks.push({
        name: "buffering",
        status: "warn",
        detail: `${what}: no event or keep-alive within ${waitMs} ms${hints.length ? `; ${hints.join("; ")}` : ""}`,
        fix: "if the server sends keep-alives, a proxy buffers the stream (nginx: proxy_buffering off or X-Accel-Buffering: no; disable compression for text/event-stream)",
      });
    else if (hints.length > 0)
      checks.push({
        name: "buffering",
        status: "warn",
        detail: hints.join("; "),
        fix: "turn off compression for text/event-stream",
      });
    else
      checks.push({
        name: "buffering",
        status: "ok",
        detail: `${what}: first bytes after ${firstByteMs} ms`,
      });
  } catch (error) {
    checks.push({ name: "buffering", status: "warn", detail: `${what} failed: ${message(error)}` });
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
