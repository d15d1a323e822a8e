import { McpSseError } from "../errors.js";
import type { SseFrame } from "./types.js";

/**
 * The one place SSE frames are written (STYLE.md #2). Every server stream writes through
 * `encodeEvent`/`encodeComment`; no call site builds `data: ...\n\n` by hand.
 */

const FORBIDDEN_IN_FIELD = /[\r\n\0]/;
const LINE_BREAK = /\r\n|\r|\n/;

function checkField(name: "event" | "id", value: string): void {
  if (FORBIDDEN_IN_FIELD.test(value)) {
    throw new McpSseError(
      "SSE_INVALID_FIELD",
      `SSE "${name}" field must not contain CR, LF or NUL (got ${JSON.stringify(value.slice(0, 40))})`,
      { details: { field: name } },
    );
  }
}

/** Encode one event frame, ending with the blank line that dispatches it. */
export function encodeEvent(frame: SseFrame): string {
  let out = "";
  if (frame.id !== undefined) {
    checkField("id", frame.id);
    out += `id: ${frame.id}\n`;
  }
  if (frame.event !== undefined) {
    checkField("event", frame.event);
    out += `event: ${frame.event}\n`;
  }
  if (frame.retry !== undefined) {
    if (!Number.isInteger(frame.retry) || frame.retry < 0) {
      throw new McpSseError(
        "SSE_INVALID_FIELD",
        `SSE "retry" must be a non-negative integer of milliseconds (got ${frame.retry})`,
        { details: { field: "retry" } },
      );
    }
    out += `retry: ${frame.retry}\n`;
  }
  if (frame.data !== undefined) {
    // Fast path: JSON-RPC messages from JSON.stringify never contain raw line breaks.
    if (frame.data.indexOf("\n") === -1 && frame.data.indexOf("\r") === -1) {
      out += `data: ${frame.data}\n`;
    } else {
      for (const line of frame.data.split(LINE_BREAK)) out += `data: ${line}\n`;
    }
  }
  return out + "\n";
}

/**
 * Encode the event `{ id, event, data }` (`event` may be absent): the text `encodeEvent` makes
 * of that frame, with the same checks, built without a frame object. For the per-message path
 * (every message a server sends is such an event: a logged event has an id and data).
 */
export function encodeDataEvent(id: string, event: string | undefined, data: string): string {
  checkField("id", id);
  if (event !== undefined) checkField("event", event);
  if (data.indexOf("\n") !== -1 || data.indexOf("\r") !== -1)
    return encodeEvent(event === undefined ? { id, data } : { id, event, data });
  return event === undefined
    ? `id: ${id}\ndata: ${data}\n\n`
    : `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
}

/** Encode a comment (used for keep-alives). Multi-line text becomes several comment lines. */
export function encodeComment(text = ""): string {
  let out = "";
  for (const line of text.split(LINE_BREAK)) out += line === "" ? ":\n" : `: ${line}\n`;
  return out + "\n";
}
