/**
 * The events an agent sees: every server notification (and every custom SSE event) becomes
 * one `McpsEvent`, plus the manager's own `state` and `error` events. This module only
 * describes and classifies events; queues live in `event-queue.ts`.
 */
import type { SseEvent } from "../sse/types.js";

/** MCP logging levels (RFC 5424 severities), lowest first. */
export const LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The built-in event types; a server may add its own (e.g. `data_update`). */
export type BuiltinEventType =
  | "log"
  | "progress"
  | "resource_updated"
  | "resources_list_changed"
  /** The manager renewed resource subscriptions on a new session (`data.uris`): read them again. */
  | "resources_resubscribed"
  | "tools_list_changed"
  | "prompts_list_changed"
  | "tools_updated"
  | "state"
  | "error";

export interface McpsEvent<T = unknown> {
  /** The configured server name the event came from. */
  server: string;
  /** A `BuiltinEventType`, or a custom type (the `event` field of a logging notification's data, or an SSE event type). */
  type: string;
  data: T;
  /** The SSE event id when the event came as its own SSE event. */
  id?: string;
  /** Unix ms when the client received it. */
  receivedAt: number;
  /** For logging notifications (and types derived from them): the MCP logging level. */
  level?: LogLevel;
}

export interface EventFilter {
  /** Only events from this server (or these servers). */
  server?: string | readonly string[];
  /** Only events of this type (or these types). */
  type?: string | readonly string[];
  /** Any predicate; the event is delivered when it returns true. */
  filter?: (event: McpsEvent) => boolean;
  /** Drop events that carry a `level` below this one. Events without a level pass. */
  minLevel?: LogLevel;
  /**
   * Drop events whose `data.priority` is below this number (the guide's feeds send
   * `"priority": 7`). A missing or non-number priority counts as 0.
   */
  minPriority?: number;
}

/** An event's `data.priority` when it is a finite number, else 0 (how `minPriority` reads it). */
export function priorityOf(event: McpsEvent): number {
  const priority = isRecord(event.data) ? event.data["priority"] : undefined;
  return typeof priority === "number" && Number.isFinite(priority) ? priority : 0;
}

/** Method → event type for the notifications that map one to one. */
const NOTIFICATION_TYPES: Readonly<Record<string, BuiltinEventType>> = {
  "notifications/message": "log",
  "notifications/progress": "progress",
  "notifications/resources/updated": "resource_updated",
  "notifications/resources/list_changed": "resources_list_changed",
  "notifications/tools/list_changed": "tools_list_changed",
  "notifications/prompts/list_changed": "prompts_list_changed",
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function asLevel(value: unknown): LogLevel | undefined {
  return typeof value === "string" && (LOG_LEVELS as readonly string[]).includes(value)
    ? (value as LogLevel)
    : undefined;
}

/**
 * One server notification as an event. A logging notification whose `data` is an object with
 * a string `event` field becomes an event of THAT type carrying the object (how the demo
 * server and seed servers send `data_update`); any other logging notification is a `log`
 * event carrying the whole params (`level`, `logger`, `data`). Unknown methods keep their
 * method name as the type.
 */
export function notificationToEvent(
  server: string,
  notification: { method: string; params?: unknown },
  receivedAt = Date.now(),
): McpsEvent {
  const params = isRecord(notification.params) ? notification.params : {};
  const { _meta: _ignored, ...rest } = params;
  const type = NOTIFICATION_TYPES[notification.method] ?? notification.method;
  if (type === "log") {
    const level = asLevel(rest["level"]);
    const data = rest["data"];
    const base = level === undefined ? {} : { level };
    if (isRecord(data) && typeof data["event"] === "string" && data["event"] !== "")
      return { server, type: data["event"], data, receivedAt, ...base };
    return { server, type, data: rest, receivedAt, ...base };
  }
  return { server, type, data: rest, receivedAt };
}

/** A custom SSE event (not a JSON-RPC message) as an event: data is JSON when it parses. */
export function sseEventToEvent(
  server: string,
  event: SseEvent,
  receivedAt = Date.now(),
): McpsEvent {
  let data: unknown = event.data;
  try {
    data = JSON.parse(event.data);
  } catch {
    // Not JSON: a plain-text event is delivered as its text, by design.
  }
  const base = event.lastEventId === "" ? {} : { id: event.lastEventId };
  return { server, type: event.type, data, receivedAt, ...base };
}

function matchesOne(value: string, wanted: string | readonly string[] | undefined): boolean {
  if (wanted === undefined) return true;
  return typeof wanted === "string" ? value === wanted : wanted.includes(value);
}

/** True when `event` passes every part of `filter`. */
export function matchesFilter(event: McpsEvent, filter: EventFilter): boolean {
  if (!matchesOne(event.server, filter.server)) return false;
  if (!matchesOne(event.type, filter.type)) return false;
  if (filter.minLevel !== undefined && event.level !== undefined) {
    if (LOG_LEVELS.indexOf(event.level) < LOG_LEVELS.indexOf(filter.minLevel)) return false;
  }
  if (filter.minPriority !== undefined && priorityOf(event) < filter.minPriority) return false;
  return filter.filter === undefined || filter.filter(event);
}
