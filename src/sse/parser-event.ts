import { McpSseError } from "../errors.js";
import type { ParserCallbacks, SseEvent } from "./types.js";
import { utf8Length } from "./utf8.js";

/**
 * The event being assembled by the SSE parser: the WHATWG data buffer, event type buffer and
 * last event ID buffer, the `maxEventSize` accounting, and dispatch. It sees field values
 * only (already split into lines and decoded); where they came from is not its business.
 */

/** Default `maxEventSize`: 16 MiB of UTF-8 (data, type and id of one event). */
export const DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024;

export class SseEventBuilder {
  /** Bytes an event may hold; `Infinity` when the limit is disabled (`maxEventSize: 0`). */
  readonly limit: number;
  /** Discarding lines until the blank line that ends a too-large event. */
  skipEvent = false;
  private data = "";
  private dataLines = 0;
  /** Prefix of `data` whose UTF-8 size is in `dataBytes`. */
  private dataCountedChars = 0;
  private dataBytes = 0;
  private type = "";
  /** WHATWG last event ID buffer: persists across events, cleared only by `reset()`. */
  idBuffer = "";
  /** An id field in the current block counts toward the event's size. */
  private idInBlock = false;
  private readonly onEvent: ParserCallbacks["onEvent"];
  private readonly onRetry: ParserCallbacks["onRetry"];
  private readonly onError: ParserCallbacks["onError"];

  constructor(callbacks: ParserCallbacks) {
    this.onEvent = callbacks.onEvent;
    this.onRetry = callbacks.onRetry;
    this.onError = callbacks.onError;
    const limit = callbacks.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
    this.limit = limit > 0 ? limit : Number.POSITIVE_INFINITY;
  }

  /** Forget the pending event (not the last event ID: WHATWG keeps it across events). */
  resetEvent(): void {
    this.data = "";
    this.dataLines = 0;
    this.dataCountedChars = 0;
    this.dataBytes = 0;
    this.type = "";
    this.idInBlock = false;
  }

  /** A new stream: forget everything, the last event ID too. */
  reset(): void {
    this.skipEvent = false;
    this.idBuffer = "";
    this.resetEvent();
  }

  /** Exact UTF-8 size of the pending event (counts only data not yet counted). */
  eventSize(): number {
    if (this.dataCountedChars < this.data.length) {
      this.dataBytes += utf8Length(this.data, this.dataCountedChars);
      this.dataCountedChars = this.data.length;
    }
    return (
      this.dataBytes + utf8Length(this.type) + (this.idInBlock ? utf8Length(this.idBuffer) : 0)
    );
  }

  /**
   * Whether the pending event plus `extra` bytes is over the limit. The cheap bound (3 bytes
   * per UTF-16 unit) settles almost every call; exact counting happens only near the limit.
   */
  overLimit(extra: number): boolean {
    const fieldChars = this.type.length + (this.idInBlock ? this.idBuffer.length : 0);
    const uncounted = this.data.length - this.dataCountedChars + fieldChars;
    if (extra + this.dataBytes + uncounted * 3 <= this.limit) return false;
    return extra + this.eventSize() > this.limit;
  }

  /** Report a too-large event once, drop it, and skip to the blank line that ends it. */
  dropEvent(size: number): void {
    this.resetEvent();
    this.skipEvent = true;
    const limit = this.limit;
    const onError = this.onError; // callbacks are called as plain functions, as passed
    onError?.(
      new McpSseError(
        "SSE_EVENT_TOO_LARGE",
        `SSE event exceeds the limit of ${limit} bytes (at least ${size} bytes); it was dropped. ` +
          "Raise maxEventSize if such events are expected.",
        { details: { limit, size } },
      ),
    );
  }

  /** A blank line (WHATWG "dispatch the event"). */
  dispatch(): void {
    if (this.skipEvent) {
      this.skipEvent = false;
      this.resetEvent();
      return;
    }
    // WHATWG: the last event ID string takes the buffer's value even when nothing dispatches.
    if (this.dataLines === 0) {
      this.resetEvent();
      return;
    }
    const event: SseEvent = {
      type: this.type === "" ? "message" : this.type,
      data: this.data,
      lastEventId: this.idBuffer,
    };
    this.resetEvent();
    const onEvent = this.onEvent; // callbacks are called as plain functions, as passed
    onEvent(event);
  }

  /**
   * Whether a one-line `data:` event of `dataChars` UTF-16 units (and nothing buffered) can
   * be dispatched straight away, without passing through the data buffer: the cheap size
   * bound settles it, or the line takes the slow path that measures exactly.
   */
  canDispatchLine(dataChars: number): boolean {
    return (
      this.dataLines === 0 &&
      (this.limit === Number.POSITIVE_INFINITY ||
        (dataChars + this.type.length + (this.idInBlock ? this.idBuffer.length : 0)) * 3 <=
          this.limit)
    );
  }

  /** Dispatch a one-line event whose data never entered the buffer (`canDispatchLine`). */
  dispatchLine(data: string): void {
    const event: SseEvent = {
      type: this.type === "" ? "message" : this.type,
      data,
      lastEventId: this.idBuffer,
    };
    this.resetEvent();
    const onEvent = this.onEvent;
    onEvent(event);
  }

  appendData(value: string): void {
    this.data = this.dataLines === 0 ? value : this.data + "\n" + value;
    this.dataLines++;
    this.checkLimit();
  }

  setType(value: string): void {
    this.type = value;
    this.checkLimit();
  }

  setId(value: string): void {
    // WHATWG: an id containing NUL is ignored.
    if (value.indexOf("\0") !== -1) return;
    this.idBuffer = value;
    this.idInBlock = true;
    this.checkLimit();
  }

  /** Any field by name (the fast paths for `data`, `id` and `event` call the setters). */
  field(name: string, value: string): void {
    switch (name) {
      case "data":
        this.appendData(value);
        return;
      case "event":
        this.setType(value);
        return;
      case "id":
        this.setId(value);
        return;
      case "retry":
        if (isDigits(value)) {
          const onRetry = this.onRetry;
          onRetry?.(Number.parseInt(value, 10));
        }
        return;
      default:
        return; // unknown fields are ignored
    }
  }

  private checkLimit(): void {
    if (this.limit !== Number.POSITIVE_INFINITY && this.overLimit(0)) {
      this.dropEvent(this.eventSize());
    }
  }
}

/** WHATWG `retry`: the value must consist of ASCII digits only (and not be empty). */
function isDigits(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
