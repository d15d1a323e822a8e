/**
 * The legacy HTTP+SSE checks of `mcp-sse doctor`: the `endpoint` event (same origin only: the
 * headers are never sent elsewhere), then MCP initialize over POST, answered on the stream.
 * A stream whose first event is plain JSON instead is an event feed (`doctor-feed.ts`).
 */
import { redactUrl } from "../../errors.js";
import { createParser } from "../../sse/index.js";
import type { SseEvent } from "../../sse/types.js";
import { truncate } from "./client-common.js";
import { feedChecks, isFeedEvent } from "./doctor-feed.js";
import {
  type HttpCheckOptions,
  INITIALIZE,
  parseAnswer,
  printable,
  QUOTED_ANSWER_CHARS,
  statusFix,
} from "./doctor-mcp.js";
import { type Check, message } from "./doctor-net.js";

/** Legacy HTTP+SSE: GET the stream, expect `endpoint` promptly, initialize over POST, answer on the stream. */
export async function checkLegacy(options: HttpCheckOptions, checks: Check[]): Promise<void> {
  const { url, headers, timeoutMs, streamWaitMs, fetch } = options;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const started = Date.now();
    const response = await fetch(url, {
      headers: { ...headers, accept: "text/event-stream" },
      signal: controller.signal,
    });
    clearTimeout(timer);
    const type = response.headers.get("content-type") ?? "";
    if (!response.ok || response.body === null) {
      checks.push({
        name: "http",
        status: "fail",
        detail: `neither Streamable HTTP (POST) nor legacy SSE (GET answered HTTP ${response.status})`,
        fix: statusFix(response.status),
      });
      return;
    }
    checks.push({
      name: "http",
      status: "ok",
      detail: `GET answered HTTP ${response.status} after ${Date.now() - started} ms`,
    });
    if (!type.startsWith("text/event-stream")) {
      checks.push({
        name: "content-type",
        status: "fail",
        detail: `got '${type || "none"}', expected text/event-stream`,
        fix: "this URL is not an MCP SSE endpoint; legacy servers use /sse",
      });
      return;
    }
    checks.push({
      name: "content-type",
      status: "ok",
      detail: "text/event-stream (legacy HTTP+SSE)",
    });
    const reader = response.body;
    const headersAt = Date.now();
    // One parser over the whole stream: first the endpoint event, later the initialize answer.
    const events: SseEvent[] = [];
    let wake: (() => void) | undefined;
    const parser = createParser({
      onEvent: (e) => {
        events.push(e);
        wake?.();
      },
    });
    const pump = (async () => {
      const r = reader.getReader();
      try {
        for (;;) {
          const { done, value } = await r.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // Aborted when the doctor is done.
      }
    })();
    const waitFor = async (test: (e: SseEvent) => boolean, ms: number) => {
      const deadline = Date.now() + ms;
      for (;;) {
        const found = events.find(test);
        if (found || Date.now() >= deadline) return found;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, deadline - Date.now());
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    };
    const first = await waitFor((e) => e.type === "endpoint" || isFeedEvent(e), timeoutMs);
    if (first !== undefined && first.type !== "endpoint") {
      // A plain event feed, not a broken MCP server: count its events for --stream-wait.
      const firstEventMs = Date.now() - headersAt;
      await waitFor(() => false, headersAt + streamWaitMs - Date.now());
      const seen = { events: events.filter(isFeedEvent).length, ms: Date.now() - headersAt };
      checks.push(...(await feedChecks(options, { ...seen, firstEventMs })));
      return;
    }
    const endpoint = first;
    if (!endpoint) {
      checks.push({
        name: "transport",
        status: "fail",
        detail: `no 'endpoint' event within ${timeoutMs} ms`,
        fix: "a proxy may buffer the stream (nginx: proxy_buffering off), or this is not an MCP SSE endpoint",
      });
      return;
    }
    const endpointMs = Date.now() - headersAt;
    let target: URL;
    try {
      target = new URL(endpoint.data.trim(), url);
    } catch {
      checks.push({
        name: "transport",
        status: "fail",
        detail: `the 'endpoint' event is not a URL: '${truncate(endpoint.data, QUOTED_ANSWER_CHARS)}'`,
        fix: "this is not an MCP SSE endpoint, or the server is broken",
      });
      return;
    }
    // Same rule as the legacy transport: the headers (credentials) go only to the stream's origin.
    if (target.origin !== new URL(url).origin) {
      checks.push({
        name: "transport",
        status: "fail",
        detail: `the 'endpoint' event points to another origin (${redactUrl(target.origin)}); not sending the headers there`,
        fix: "the server (or a proxy rewriting it) must name an endpoint on its own origin, e.g. a relative path like /messages?sessionId=…",
      });
      return;
    }
    checks.push({
      name: "transport",
      status: "ok",
      detail: `legacy SSE, endpoint ${printable(target)}`,
    });
    checks.push(
      endpointMs > streamWaitMs
        ? {
            name: "buffering",
            status: "warn",
            detail: `the endpoint event came ${endpointMs} ms after the headers`,
            fix: "a proxy buffers the stream (nginx: proxy_buffering off or X-Accel-Buffering: no)",
          }
        : {
            name: "buffering",
            status: "ok",
            detail: `the endpoint event came ${endpointMs} ms after the headers`,
          },
    );
    let post: Response;
    try {
      post = await fetch(target, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(INITIALIZE),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      checks.push({
        name: "mcp-initialize",
        status: "fail",
        detail: `POST initialize to ${printable(target)} failed: ${message(error)}`,
        fix: "the stream works but its endpoint does not: check the server and any proxy in between",
      });
      return;
    }
    void post.body?.cancel().catch(() => undefined);
    const answer = await waitFor(
      (e) => e.type === "message" && e.data.includes('"id":1'),
      timeoutMs,
    );
    const parsed = answer ? parseAnswer(answer.data, headers) : undefined;
    const init = parsed && "init" in parsed ? parsed.init : undefined;
    if (parsed && "check" in parsed) checks.push(parsed.check);
    else if (init?.result?.serverInfo)
      checks.push({
        name: "mcp-initialize",
        status: "ok",
        detail: `${init.result.serverInfo.name ?? "?"} ${init.result.serverInfo.version ?? ""}, protocol ${init.result.protocolVersion ?? "?"}`,
      });
    else
      checks.push({
        name: "mcp-initialize",
        status: "fail",
        detail: `POST initialize answered HTTP ${post.status} but no result arrived on the stream`,
        fix: statusFix(post.status),
      });
    controller.abort();
    await pump;
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
