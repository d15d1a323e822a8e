/**
 * The legacy HTTP+SSE checks of `diagnose()`: the `endpoint` event (same origin only: the
 * headers are never sent elsewhere), then MCP initialize over POST, answered on the stream.
 * A stream whose first event is plain JSON instead is an event feed (`feed.ts`).
 */
import { redactUrl } from "../../errors.js";
import { truncate } from "../truncate.js";
import {
  discard,
  type HttpCheckOptions,
  INITIALIZE_ID,
  initializeBody,
  initializeCheck,
  parseAnswer,
  printable,
  QUOTED_ANSWER_CHARS,
  statusFix,
} from "./answer.js";
import { EventLog } from "./event-log.js";
import { feedChecks, isFeedEvent } from "./feed.js";
import { message } from "./net.js";
import type { Check } from "./types.js";

/** Legacy HTTP+SSE: GET the stream, expect `endpoint` promptly, initialize over POST, answer on the stream. */
export async function checkLegacy(options: HttpCheckOptions, checks: Check[]): Promise<void> {
  const { url, headers, timeoutMs, fetch } = options;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const started = Date.now();
    const response = await fetch(url, {
      headers: { ...headers, accept: "text/event-stream" },
      signal: controller.signal,
    });
    clearTimeout(timer);
    const body = streamBody(response, Date.now() - started, checks);
    if (body === undefined) return;
    const log = new EventLog(body);
    await afterHeaders(options, log, checks);
    controller.abort();
    await log.ended;
  } catch (error) {
    checks.push({
      name: "http",
      status: "fail",
      detail: `GET ${redactUrl(url)} failed: ${message(error)}`,
    });
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

/** The `http` and `content-type` checks of the GET; the body when it is an event stream. */
function streamBody(
  response: Response,
  ms: number,
  checks: Check[],
): ReadableStream<Uint8Array> | undefined {
  if (!response.ok || response.body === null) {
    discard(response);
    checks.push({
      name: "http",
      status: "fail",
      detail: `neither Streamable HTTP (POST) nor legacy SSE (GET answered HTTP ${response.status})`,
      fix: statusFix(response.status),
    });
    return undefined;
  }
  checks.push({
    name: "http",
    status: "ok",
    detail: `GET answered HTTP ${response.status} after ${ms} ms`,
  });
  const type = response.headers.get("content-type") ?? "";
  if (!type.startsWith("text/event-stream")) {
    discard(response);
    checks.push({
      name: "content-type",
      status: "fail",
      detail: `got '${type || "none"}', expected text/event-stream`,
      fix: "this URL is not an MCP SSE endpoint; legacy servers use /sse",
    });
    return undefined;
  }
  checks.push({
    name: "content-type",
    status: "ok",
    detail: "text/event-stream (legacy HTTP+SSE)",
  });
  return response.body;
}

/** From the stream's first event on: a feed, or the endpoint, buffering and initialize. */
async function afterHeaders(
  options: HttpCheckOptions,
  log: EventLog,
  checks: Check[],
): Promise<void> {
  const { url, timeoutMs, streamWaitMs } = options;
  const headersAt = Date.now();
  const first = await log.waitFor((e) => e.type === "endpoint" || isFeedEvent(e), timeoutMs);
  if (first !== undefined && first.type !== "endpoint") {
    // A plain event feed, not a broken MCP server: count its events for the stream wait.
    const firstEventMs = Date.now() - headersAt;
    await log.waitFor(() => false, headersAt + streamWaitMs - Date.now());
    const seen = { events: log.events.filter(isFeedEvent).length, ms: Date.now() - headersAt };
    checks.push(...(await feedChecks(options, { ...seen, firstEventMs })));
    return;
  }
  const endpoint = endpointOf(first?.data, url, timeoutMs);
  if ("check" in endpoint) {
    checks.push(endpoint.check);
    return;
  }
  const endpointMs = Date.now() - headersAt;
  checks.push({
    name: "transport",
    status: "ok",
    detail: `legacy SSE, endpoint ${printable(endpoint.target)}`,
  });
  checks.push(endpointBuffering(endpointMs, streamWaitMs));
  checks.push(await legacyInitialize(options, endpoint.target, log));
}

/** The endpoint event's URL, or the `transport` fail check saying why it cannot be used. */
function endpointOf(
  data: string | undefined,
  url: string,
  timeoutMs: number,
): { target: URL } | { check: Check } {
  if (data === undefined)
    return {
      check: {
        name: "transport",
        status: "fail",
        detail: `no 'endpoint' event within ${timeoutMs} ms`,
        fix: "a proxy may buffer the stream (nginx: proxy_buffering off), or this is not an MCP SSE endpoint",
      },
    };
  let target: URL;
  try {
    target = new URL(data.trim(), url);
  } catch {
    return {
      check: {
        name: "transport",
        status: "fail",
        detail: `the 'endpoint' event is not a URL: '${truncate(data, QUOTED_ANSWER_CHARS)}'`,
        fix: "this is not an MCP SSE endpoint, or the server is broken",
      },
    };
  }
  // Same rule as the legacy transport: the headers (credentials) go only to the stream's origin.
  if (target.origin !== new URL(url).origin)
    return {
      check: {
        name: "transport",
        status: "fail",
        detail: `the 'endpoint' event points to another origin (${redactUrl(target.origin)}); not sending the headers there`,
        fix: "the server (or a proxy rewriting it) must name an endpoint on its own origin, e.g. a relative path like /messages?sessionId=…",
      },
    };
  return { target };
}

function endpointBuffering(endpointMs: number, streamWaitMs: number): Check {
  const detail = `the endpoint event came ${endpointMs} ms after the headers`;
  return endpointMs > streamWaitMs
    ? {
        name: "buffering",
        status: "warn",
        detail,
        fix: "a proxy buffers the stream (nginx: proxy_buffering off or X-Accel-Buffering: no)",
      }
    : { name: "buffering", status: "ok", detail };
}

/** POST initialize to the endpoint; its answer arrives on the stream. */
async function legacyInitialize(
  { headers, timeoutMs, fetch }: HttpCheckOptions,
  target: URL,
  log: EventLog,
): Promise<Check> {
  let post: Response;
  try {
    post = await fetch(target, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: initializeBody(),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    return {
      name: "mcp-initialize",
      status: "fail",
      detail: `POST initialize to ${printable(target)} failed: ${message(error)}`,
      fix: "the stream works but its endpoint does not: check the server and any proxy in between",
    };
  }
  discard(post);
  const answer = await log.waitFor(
    (e) => e.type === "message" && e.data.includes(`"id":${INITIALIZE_ID}`),
    timeoutMs,
  );
  const parsed = answer ? parseAnswer(answer.data, headers) : undefined;
  if (parsed && "check" in parsed) return parsed.check;
  return initializeCheck(parsed?.init, {
    name: "mcp-initialize",
    status: "fail",
    detail: `POST initialize answered HTTP ${post.status} but no result arrived on the stream`,
    fix: statusFix(post.status),
  });
}
