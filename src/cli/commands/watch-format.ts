/** How `mcp-sse watch` prints events: one JSON object a line, or one readable line. */
import type { McpsEvent, ServerStatus } from "../../client/index.js";
import { truncate } from "./client-common.js";

/** Longest data summary on a readable line. */
export const WATCH_DATA_WIDTH = 160;

export function formatEventJson(event: McpsEvent): string {
  return `${JSON.stringify(event)}\n`;
}

export function formatEventLine(event: McpsEvent): string {
  const time = new Date(event.receivedAt).toISOString().slice(11, 23);
  const level = event.level === undefined ? "" : ` ${event.level}`;
  const data = typeof event.data === "string" ? event.data : JSON.stringify(event.data);
  return `${time} ${event.server} ${event.type}${level} ${truncate(data ?? "", WATCH_DATA_WIDTH)}\n`;
}

/** The status line: every server and its state. */
export function formatStatus(servers: readonly ServerStatus[]): string {
  const parts = servers.map((s) => `${s.name}: ${s.state}${s.error ? ` (${s.error.code})` : ""}`);
  return `watching ${parts.join(", ")}\n`;
}
