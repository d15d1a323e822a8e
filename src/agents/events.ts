/**
 * Live server events for agents, framework-free: a bounded window of the latest events (what
 * a model can be shown before its next step) and their plain-data form (what a stream part or
 * a callback event carries). The adapters turn these into each framework's own form.
 */

import type { SubscribeOptions } from "../client/event-queue.js";
import type { McpsEvent } from "../client/events.js";
import type { McpsManager } from "../client/manager.js";

/** Events an `EventWindow` keeps by default (the oldest beyond it are dropped). */
export const DEFAULT_EVENT_WINDOW_SIZE = 20;
/** Characters of one event's data shown to a model by default (longer data is cut). */
export const DEFAULT_EVENT_TEXT_LENGTH = 500;

/** An event as plain JSON data (for stream parts, callback payloads, messages). */
export interface AgentEventData {
  server: string;
  type: string;
  data: unknown;
  id?: string;
  /** ISO time the client received it. */
  receivedAt: string;
}

export function eventData(event: McpsEvent): AgentEventData {
  const out: AgentEventData = {
    server: event.server,
    type: event.type,
    data: event.data,
    receivedAt: new Date(event.receivedAt).toISOString(),
  };
  if (event.id !== undefined) out.id = event.id;
  return out;
}

/** One line per event for a model: `[time] server type: data` (data JSON, cut to `maxLength`). */
export function describeEvents(
  events: readonly McpsEvent[],
  maxLength = DEFAULT_EVENT_TEXT_LENGTH,
): string {
  return events
    .map((event) => {
      let text = typeof event.data === "string" ? event.data : JSON.stringify(event.data);
      if (text !== undefined && text.length > maxLength) text = `${text.slice(0, maxLength)}…`;
      return `[${new Date(event.receivedAt).toISOString()}] ${event.server} ${event.type}: ${text ?? ""}`;
    })
    .join("\n");
}

export interface EventWindowOptions extends Omit<SubscribeOptions, "queueSize"> {
  /** Events kept (the oldest beyond are dropped). Default `DEFAULT_EVENT_WINDOW_SIZE`. */
  size?: number;
}

/**
 * The latest events that pass a filter, kept for the agent's next step. `take()` hands out
 * what arrived since the last `take()`; `recent()` everything still kept. It subscribes at
 * once and stops at `close()`, at `signal`, or when the manager closes.
 */
export class EventWindow {
  private readonly events: McpsEvent[] = [];
  private taken = 0;
  private readonly size: number;
  private readonly unsubscribe: () => void;

  constructor(manager: McpsManager, options: EventWindowOptions = {}) {
    const { size = DEFAULT_EVENT_WINDOW_SIZE, ...filter } = options;
    this.size = size > 0 ? Math.floor(size) : DEFAULT_EVENT_WINDOW_SIZE;
    this.unsubscribe = manager.on("*", (event) => this.add(event), filter);
  }

  private add(event: McpsEvent): void {
    this.events.push(event);
    if (this.events.length > this.size) {
      this.events.shift();
      this.taken = Math.max(0, this.taken - 1);
    }
  }

  /** Every event still kept, oldest first. */
  recent(): McpsEvent[] {
    return [...this.events];
  }

  /** The events that arrived since the last `take()`, oldest first. */
  take(): McpsEvent[] {
    const fresh = this.events.slice(this.taken);
    this.taken = this.events.length;
    return fresh;
  }

  close(): void {
    this.unsubscribe();
  }
}

/**
 * `base` instructions followed by the events that arrived since the last step, or `base` alone
 * when there are none (what the adapters' instruction helpers return before each step).
 */
export function withEvents(base: string, events: readonly McpsEvent[]): string {
  if (events.length === 0) return base;
  const heading = "Live events from the MCP servers since your last step:";
  return `${base}${base === "" ? "" : "\n\n"}${heading}\n${describeEvents(events)}`;
}
