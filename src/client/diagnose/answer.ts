/**
 * What the Streamable HTTP and legacy checks share: the initialize request (the SDK's latest
 * protocol version), reading its answer, the check it earns, status fixes, printable URLs.
 */

import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from "@modelcontextprotocol/client";
import { redactUrl } from "../../errors.js";
import { createParser } from "../../sse/index.js";
import { scrubValues, secretValuesOf } from "../../sse/reader-http.js";
import type { SseEvent } from "../../sse/types.js";
import { VERSION } from "../../version.js";
import { truncate } from "../truncate.js";
import type { Check } from "./types.js";

/** How much of an answer that is not JSON-RPC a check quotes. */
export const QUOTED_ANSWER_CHARS = 80;
/** The JSON-RPC id of the diagnosis's initialize request. */
export const INITIALIZE_ID = 1;

/** What the HTTP checks need (every option resolved). */
export interface HttpCheckOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  streamWaitMs: number;
  fetch: typeof globalThis.fetch;
}

export interface InitializeAnswer {
  result?: { serverInfo?: { name?: string; version?: string }; protocolVersion?: string };
  error?: { message?: string };
}

/** The initialize request body: the SDK's latest protocol version (the server may pick an older one). */
export function initializeBody(): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id: INITIALIZE_ID,
    method: "initialize",
    params: {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: "mcp-sse-doctor", version: VERSION },
    },
  });
}

/** `mcp-initialize`: ok when the server answered with a version the SDK supports. */
export function initializeCheck(init: InitializeAnswer | undefined, otherwise: Check): Check {
  const result = init?.result;
  if (result?.serverInfo === undefined) return otherwise;
  const version = result.protocolVersion;
  const detail = `${result.serverInfo.name ?? "?"} ${result.serverInfo.version ?? ""}, protocol ${version ?? "?"}`;
  if (version !== undefined && SUPPORTED_PROTOCOL_VERSIONS.includes(version))
    return { name: "mcp-initialize", status: "ok", detail };
  return {
    name: "mcp-initialize",
    status: "warn",
    detail: `${detail}, which this client does not support (${SUPPORTED_PROTOCOL_VERSIONS.join(", ")})`,
    fix: "upgrade the server or mcp-sse so that they share a protocol version",
  };
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

/** Read an SSE body until `want` returns true for an event, or `ms` passes. */
export async function readEvents(
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

/** Let a body go without reading it. */
export function discard(response: Response): void {
  void response.body?.cancel().catch(() => undefined);
}
