/**
 * One event of a plain SSE feed as an `McpsEvent`. Feeds written the guide's way send unnamed
 * `data:` lines holding a JSON object that names its own type: `{"event": "data_update",
 * "payload": …}`, optionally with `id`, `priority`, `result` or `error`. The object's `event`
 * field is the type (else the SSE event type, `message` for unnamed events), the whole object
 * is the data, and its `id` (else the SSE id) is the id.
 */
import type { Logger } from "../../logger.js";
import type { SseEvent } from "../../sse/types.js";
import type { McpsEvent } from "../events.js";

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The event; data that is not JSON becomes a `message` event carrying the text, with a warning. */
export function feedEventToEvent(
  server: string,
  event: SseEvent,
  log: Logger,
  receivedAt = Date.now(),
): McpsEvent {
  const sseId = event.lastEventId === "" ? {} : { id: event.lastEventId };
  let data: unknown;
  try {
    data = JSON.parse(event.data);
  } catch {
    // The stream goes on: one bad line must not cost the agent the events after it.
    log.warn(
      { server, type: event.type, length: event.data.length },
      `event data from server "${server}" is not JSON; delivered as text in a "message" event`,
    );
    return { server, type: "message", data: event.data, receivedAt, ...sseId };
  }
  if (!isRecord(data)) return { server, type: event.type, data, receivedAt, ...sseId };
  const named = data["event"];
  const type = typeof named === "string" && named !== "" ? named : event.type;
  const ownId = data["id"];
  const id = typeof ownId === "string" || typeof ownId === "number" ? { id: String(ownId) } : sseId;
  return { server, type, data, receivedAt, ...id };
}
