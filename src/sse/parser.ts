import { McpSseError } from "../errors.js";
import type { EventStreamParser, ParserCallbacks, SseEvent } from "./types.js";
import { concatBytes, utf8Length } from "./utf8.js";

/**
 * A streaming Server-Sent Events parser: text or UTF-8 bytes in, events out, following the
 * WHATWG HTML "interpreting an event stream" rules. A pure function of its input (STYLE #1):
 * it knows nothing of fetch, sockets, reconnection or MCP.
 *
 * How it is fast: bytes are never decoded one line at a time and never through a streaming
 * `TextDecoder` (which takes a slow path in Node). Each byte chunk is cut after its last line
 * break, and everything up to there is decoded with one call of a non-streaming decoder —
 * a cut after CR/LF never splits a UTF-8 sequence, and decoding complete lines separately
 * yields exactly the U+FFFD a whole-stream decode would (line breaks are ASCII). Only the
 * partial last line is kept, as bytes. Lines are then found with `String.prototype.indexOf`,
 * searching for CR only when the text has one, and a one-line `data:` event followed by its
 * blank line is dispatched without touching the data buffer.
 */

/** Default `maxEventSize`: 16 MiB of UTF-8 (data, type and id of one event). */
export const DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024;

/** What `createParser` returns: the `EventStreamParser` contract plus two read-only views. */
export interface SseParser extends EventStreamParser {
  /**
   * The last event ID buffer (WHATWG): set by an `id` field without NUL, even in a block that
   * dispatches nothing. A reader sends it as `Last-Event-ID` when it reconnects.
   */
  readonly lastEventId: string;
  /** UTF-8 bytes held right now (partial line + pending event): for tests and metrics. */
  readonly bufferedBytes: number;
}

const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const COLON = 0x3a;
const BOM = 0xfeff;

// Feeding mode, fixed by the first non-empty chunk after creation or `reset()`.
const MODE_NONE = 0;
const MODE_BYTES = 1;
const MODE_TEXT = 2;

export function createParser(callbacks: ParserCallbacks): SseParser {
  const { onEvent, onRetry, onComment, onError } = callbacks;
  const limitOption = callbacks.maxEventSize ?? DEFAULT_MAX_EVENT_SIZE;
  const limit = limitOption > 0 ? limitOption : Number.POSITIVE_INFINITY;
  // ignoreBOM: we strip the one stream-start BOM ourselves; a decoder would strip one at the
  // start of every decode() call. Never called with {stream: true} (Node's fast path).
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

  // --- stream state (all of it is cleared by reset()) ---
  let mode = MODE_NONE;
  let epoch = 0; // bumped by reset(), so a reset from inside a callback stops the current feed
  let atStreamStart = true; // the one leading BOM is still to be stripped
  let pendingCR = false; // the last line ended with a CR at the end of input: skip one LF
  let skipLine = false; // discarding the rest of an overlong line
  let skipEvent = false; // discarding lines until the blank line that ends a too-large event
  let pendingBytes: Uint8Array[] = []; // partial line (byte mode), copies
  let pendingByteLength = 0;
  let pendingText = ""; // partial line (text mode)
  let pendingTextBytes = 0;
  let streamDecoder: TextDecoder | undefined; // only for bytes fed to a text-mode stream
  let streamEncoder: TextEncoder | undefined; // only for text fed to a byte-mode stream

  // --- event buffers (WHATWG: data buffer, event type buffer, last event ID buffer) ---
  let data = "";
  let dataLines = 0;
  let dataCountedChars = 0; // prefix of `data` whose UTF-8 size is in dataBytes
  let dataBytes = 0;
  let type = "";
  let typeBytes = 0;
  let idBuffer = "";
  let idBytes = 0; // an id field in the current block counts toward the event's size

  function resetEvent(): void {
    data = "";
    dataLines = 0;
    dataCountedChars = 0;
    dataBytes = 0;
    type = "";
    typeBytes = 0;
    idBytes = 0;
  }

  /** Exact UTF-8 size of the pending event (counts only data not yet counted). */
  function eventSize(): number {
    if (dataCountedChars < data.length) {
      dataBytes += utf8Length(data, dataCountedChars);
      dataCountedChars = data.length;
    }
    return dataBytes + typeBytes + idBytes;
  }

  /**
   * Whether the pending event plus `extra` bytes is over the limit. The cheap bound (3 bytes
   * per UTF-16 unit) settles almost every call; exact counting happens only near the limit.
   */
  function overLimit(extra: number): boolean {
    if (extra + dataBytes + (data.length - dataCountedChars) * 3 + typeBytes + idBytes <= limit) {
      return false;
    }
    return extra + eventSize() > limit;
  }

  /** Report a too-large event once, drop it, and skip to the blank line that ends it. */
  function dropEvent(size: number): void {
    resetEvent();
    skipEvent = true;
    onError?.(
      new McpSseError(
        "SSE_EVENT_TOO_LARGE",
        `SSE event exceeds the limit of ${limit} bytes (at least ${size} bytes); it was dropped. ` +
          "Raise maxEventSize if such events are expected.",
        { details: { limit, size } },
      ),
    );
  }

  function dispatch(): void {
    if (skipEvent) {
      skipEvent = false;
      resetEvent();
      return;
    }
    // WHATWG: the last event ID string takes the buffer's value even when nothing dispatches.
    if (dataLines === 0) {
      resetEvent();
      return;
    }
    const event: SseEvent = { type: type === "" ? "message" : type, data, lastEventId: idBuffer };
    resetEvent();
    onEvent(event);
  }

  function appendData(value: string): void {
    data = dataLines === 0 ? value : data + "\n" + value;
    dataLines++;
    if (limit !== Number.POSITIVE_INFINITY && overLimit(0)) dropEvent(eventSize());
  }

  function processField(field: string, value: string): void {
    switch (field) {
      case "data":
        appendData(value);
        return;
      case "event":
        type = value;
        typeBytes = utf8Length(value);
        break;
      case "id":
        // WHATWG: an id containing NUL is ignored.
        if (value.indexOf("\0") !== -1) return;
        idBuffer = value;
        idBytes = utf8Length(value);
        break;
      case "retry":
        if (isDigits(value)) onRetry?.(Number.parseInt(value, 10));
        return;
      default:
        return; // unknown fields are ignored
    }
    if (limit !== Number.POSITIVE_INFINITY && overLimit(0)) dropEvent(eventSize());
  }

  /** One complete line `text[start, end)` (no line break in it, not blank). */
  function processLine(text: string, start: number, end: number): void {
    const first = text.charCodeAt(start);
    // Fast path: "data:" (the character at `end` is the line break, never a space).
    if (
      first === 0x64 &&
      text.charCodeAt(start + 1) === 0x61 &&
      text.charCodeAt(start + 2) === 0x74 &&
      text.charCodeAt(start + 3) === 0x61 &&
      text.charCodeAt(start + 4) === COLON
    ) {
      const from = text.charCodeAt(start + 5) === SPACE ? start + 6 : start + 5;
      appendData(text.slice(from, end));
      return;
    }
    if (first === COLON) {
      if (onComment !== undefined) {
        onComment(text.slice(text.charCodeAt(start + 1) === SPACE ? start + 2 : start + 1, end));
      }
      return;
    }
    // Slice first so the colon search can never run past this line.
    const line = text.slice(start, end);
    const colon = line.indexOf(":");
    if (colon === -1) {
      processField(line, "");
      return;
    }
    const from = line.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
    processField(line.slice(0, colon), line.slice(from));
  }

  /**
   * Interpret every complete line of `text`; returns where the unfinished last line starts,
   * or -1 when a callback called reset().
   */
  function processText(text: string): number {
    const len = text.length;
    if (len === 0) return 0;
    let pos = 0;
    if (atStreamStart) {
      atStreamStart = false;
      if (text.charCodeAt(0) === BOM) pos = 1;
    }
    if (pendingCR) {
      pendingCR = false;
      if (text.charCodeAt(pos) === LF) pos++;
    }
    const myEpoch = epoch;
    let cr = text.indexOf("\r", pos); // most streams have none: then it is never searched again
    let lf = text.indexOf("\n", pos);
    while (lf !== -1 || cr !== -1) {
      let end: number;
      let next: number;
      if (cr === -1 || (lf !== -1 && lf < cr)) {
        end = lf;
        next = lf + 1;
      } else {
        end = cr;
        next = cr + 1;
        if (next === len) pendingCR = true;
        else if (text.charCodeAt(next) === LF) next++;
      }
      if (pos === end) {
        dispatch();
      } else if (!skipEvent) {
        // Fast path: one-line data event ending with LF LF: dispatch without buffering.
        if (
          dataLines === 0 &&
          text.charCodeAt(next) === LF &&
          next === end + 1 &&
          text.charCodeAt(pos) === 0x64 &&
          text.charCodeAt(pos + 1) === 0x61 &&
          text.charCodeAt(pos + 2) === 0x74 &&
          text.charCodeAt(pos + 3) === 0x61 &&
          text.charCodeAt(pos + 4) === COLON &&
          (limit === Number.POSITIVE_INFINITY || (end - pos) * 3 + typeBytes + idBytes <= limit)
        ) {
          const from = text.charCodeAt(pos + 5) === SPACE ? pos + 6 : pos + 5;
          const event: SseEvent = {
            type: type === "" ? "message" : type,
            data: text.slice(from, end),
            lastEventId: idBuffer,
          };
          resetEvent();
          next++;
          onEvent(event);
        } else {
          processLine(text, pos, end);
        }
      }
      if (epoch !== myEpoch) return -1;
      pos = next;
      if (lf !== -1 && lf < pos) lf = text.indexOf("\n", pos);
      if (cr !== -1 && cr < pos) cr = text.indexOf("\r", pos);
    }
    return pos;
  }

  /** Drop input up to and including the line break that ends an overlong line. */
  function skipOverlongLine(chunk: string | Uint8Array, start: number): number {
    let lf: number;
    let cr: number;
    if (typeof chunk === "string") {
      lf = chunk.indexOf("\n", start);
      cr = chunk.indexOf("\r", start);
    } else {
      lf = chunk.indexOf(LF, start);
      cr = chunk.indexOf(CR, start);
    }
    if (lf === -1 && cr === -1) return chunk.length;
    skipLine = false;
    if (cr === -1 || (lf !== -1 && lf < cr)) return lf + 1;
    if (cr + 1 === chunk.length) {
      pendingCR = true;
      return cr + 1;
    }
    const after = typeof chunk === "string" ? chunk.charCodeAt(cr + 1) : chunk[cr + 1];
    return after === LF ? cr + 2 : cr + 1;
  }

  /** A partial line is held: drop it (and its event) if the event would be over the limit. */
  function checkPartialLine(partialBytes: number): boolean {
    if (limit === Number.POSITIVE_INFINITY || !overLimit(partialBytes)) return true;
    dropEvent(partialBytes + eventSize());
    pendingBytes = [];
    pendingByteLength = 0;
    pendingText = "";
    pendingTextBytes = 0;
    skipLine = true;
    return false;
  }

  function feedBytes(chunk: Uint8Array): void {
    const len = chunk.length;
    let start = 0;
    if (pendingCR) {
      pendingCR = false;
      if (chunk[0] === LF) start = 1;
    }
    if (skipLine) start = skipOverlongLine(chunk, start);
    // The last line break of the chunk: the tail after it is usually short, so scan backwards.
    let last = len - 1;
    while (last >= start) {
      const b = chunk[last];
      if (b === LF || b === CR) break;
      last--;
    }
    if (last >= start) {
      const myEpoch = epoch;
      if (pendingByteLength > 0) {
        // Finish the held partial line with this chunk's first line.
        let first = start;
        while (chunk[first] !== LF && chunk[first] !== CR) first++;
        pendingBytes.push(chunk.subarray(start, first + 1));
        const line = concatBytes(pendingBytes, pendingByteLength + first + 1 - start);
        pendingBytes = [];
        pendingByteLength = 0;
        if (processText(decoder.decode(line)) === -1 || epoch !== myEpoch) return;
        start = first + 1;
      }
      if (start <= last) {
        const body = start === 0 && last === len - 1 ? chunk : chunk.subarray(start, last + 1);
        if (processText(decoder.decode(body)) === -1 || epoch !== myEpoch) return;
      }
      start = last + 1;
    }
    if (start < len) {
      // A CR that ended the decoded text is followed by this tail, not by an LF.
      pendingCR = false;
      // Mid-way through dropping an event, a non-blank partial line can only be skipped.
      if (skipEvent) {
        pendingBytes = [];
        pendingByteLength = 0;
        skipLine = true;
        return;
      }
      const tail = chunk.slice(start); // a copy: the caller may reuse its buffer
      if (!checkPartialLine(pendingByteLength + tail.length)) return;
      pendingBytes.push(tail);
      pendingByteLength += tail.length;
    }
  }

  function feedText(chunk: string): void {
    let text = chunk;
    if (pendingCR) {
      pendingCR = false;
      if (text.charCodeAt(0) === LF) text = text.slice(1);
    }
    if (skipLine) text = text.slice(skipOverlongLine(text, 0));
    if (text.length === 0) return;
    if (pendingText !== "") {
      if (text.indexOf("\n") === -1 && text.indexOf("\r") === -1) {
        const added = utf8Length(text);
        if (!checkPartialLine(pendingTextBytes + added)) return;
        pendingText += text;
        pendingTextBytes += added;
        return;
      }
      text = pendingText + text;
      pendingText = "";
      pendingTextBytes = 0;
    }
    const rest = processText(text);
    if (rest === -1 || rest === text.length) return;
    if (skipEvent) {
      skipLine = true;
      return;
    }
    const tail = text.slice(rest);
    const tailBytes = utf8Length(tail);
    if (!checkPartialLine(tailBytes)) return;
    pendingText = tail;
    pendingTextBytes = tailBytes;
  }

  function feed(chunk: string | Uint8Array): void {
    if (chunk.length === 0) return;
    if (typeof chunk === "string") {
      if (mode === MODE_BYTES) {
        // Text after bytes: encode it so the byte path keeps its partial line intact.
        streamEncoder ??= new TextEncoder();
        feedBytes(streamEncoder.encode(chunk));
        return;
      }
      mode = MODE_TEXT;
      feedText(chunk);
      return;
    }
    if (mode === MODE_TEXT) {
      // Bytes after text: decode them as a stream (a character may span several of them).
      streamDecoder ??= new TextDecoder("utf-8", { ignoreBOM: true });
      feedText(streamDecoder.decode(chunk, { stream: true }));
      return;
    }
    mode = MODE_BYTES;
    feedBytes(chunk);
  }

  function reset(): void {
    epoch++;
    mode = MODE_NONE;
    atStreamStart = true;
    pendingCR = false;
    skipLine = false;
    skipEvent = false;
    pendingBytes = [];
    pendingByteLength = 0;
    pendingText = "";
    pendingTextBytes = 0;
    streamDecoder = undefined;
    idBuffer = "";
    resetEvent();
  }

  return {
    feed,
    reset,
    get lastEventId() {
      return idBuffer;
    },
    get bufferedBytes() {
      return pendingByteLength + pendingTextBytes + eventSize();
    },
  };
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
