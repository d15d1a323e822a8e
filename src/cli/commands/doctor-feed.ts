/**
 * `mcp-sse doctor` on a plain event feed (the guide's `GET …/sse` of unnamed `data:` JSON
 * events, tools over `POST …/rpc`): recognised when the stream's first event is JSON instead
 * of the MCP `endpoint` event, and reported as a feed, not as a broken MCP server.
 */
import type { SseEvent } from "../../sse/types.js";
import { printable } from "./doctor-mcp.js";
import { type Check, message } from "./doctor-net.js";

/** A plain feed event: an unnamed (`message`) event whose data is a JSON object. */
export function isFeedEvent(event: SseEvent): boolean {
  if (event.type !== "message") return false;
  try {
    const value: unknown = JSON.parse(event.data);
    return value !== null && typeof value === "object" && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** The feed's RPC URL, the sibling `…/rpc` of a URL ending in `/sse`; undefined otherwise. */
export function rpcUrlOf(url: string): URL | undefined {
  const rpc = new URL(url);
  if (!rpc.pathname.endsWith("/sse")) return undefined;
  rpc.pathname = `${rpc.pathname.slice(0, -"/sse".length)}/rpc`;
  rpc.search = "";
  rpc.hash = "";
  return rpc;
}

/** The tools list of a `tools/list` answer: `{ tools }` (the guide's RPC) or `{ result: { tools } }`. */
function toolsOf(value: unknown): unknown[] | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const record = value as { tools?: unknown; result?: { tools?: unknown } };
  const tools = record.tools ?? record.result?.tools;
  return Array.isArray(tools) ? tools : undefined;
}

/** "yes" when `POST rpc {"method":"tools/list"}` answers 2xx JSON with tools, else "no (why)". */
export async function probeRpc(
  rpc: URL,
  options: { headers: Record<string, string>; timeoutMs: number; fetch: typeof globalThis.fetch },
): Promise<string> {
  try {
    const response = await options.fetch(rpc, {
      method: "POST",
      // Same origin as the stream (a sibling path), so the headers may go there.
      headers: {
        ...options.headers,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({ method: "tools/list" }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const type = response.headers.get("content-type") ?? "";
    if (!response.ok || !type.includes("json")) {
      void response.body?.cancel().catch(() => undefined);
      return `no (HTTP ${response.status}${type ? `, ${type.split(";")[0]}` : ""})`;
    }
    const tools = toolsOf(await response.json().catch(() => undefined));
    if (tools === undefined) return "no (the answer has no tools list)";
    return `yes (${tools.length} tool${tools.length === 1 ? "" : "s"})`;
  } catch (error) {
    return `no (${message(error)})`;
  }
}

/**
 * The checks for a feed: `transport` ("event feed: N events in T s, no MCP endpoint; tools at
 * …/rpc: yes/no") and `buffering` (how soon the first event came after the headers).
 */
export async function feedChecks(
  options: {
    url: string;
    headers: Record<string, string>;
    timeoutMs: number;
    fetch: typeof globalThis.fetch;
  },
  seen: { events: number; ms: number; firstEventMs: number },
): Promise<Check[]> {
  const rpc = rpcUrlOf(options.url);
  const tools =
    rpc === undefined
      ? "tools at …/rpc: not probed (the URL does not end in /sse)"
      : `tools at ${printable(rpc)}: ${await probeRpc(rpc, options)}`;
  const seconds = (seen.ms / 1000).toFixed(1);
  return [
    {
      name: "transport",
      status: "ok",
      detail: `event feed: ${seen.events} event${seen.events === 1 ? "" : "s"} in ${seconds} s, no MCP endpoint; ${tools}`,
    },
    {
      name: "buffering",
      status: "ok",
      detail: `the first event came ${seen.firstEventMs} ms after the headers`,
    },
  ];
}
