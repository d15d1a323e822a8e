import { createParser } from "./parser.js";
import type { ParserCallbacks } from "./types.js";

/**
 * The parser of one connection, as the reader needs it:
 *
 * - A fresh parser per connection, so a half event cut off by a dropped connection is
 *   discarded (HTML spec: pending data at end of stream is discarded).
 * - The last event ID persists across connections, as on an `EventSource`: the parser is
 *   primed with an id-only block (`id: <last>` + blank line), which sets its last event ID
 *   and dispatches nothing. Priming goes after a leading BOM, so that the BOM of the real
 *   stream is still stripped as "the start of the stream".
 * - `committedId` is the last event ID *string* (HTML spec: set when a block ends, also a
 *   block without data), never an `id:` of a block still in progress: the parser's
 *   `lastEventId` is the ID *buffer*, so it is adopted only when nothing is pending.
 */
export interface ConnectionParser {
  feed(chunk: Uint8Array): void;
  /** The ID to send as `Last-Event-ID` if the connection were lost now. */
  readonly committedId: string;
}

const BOM = [0xef, 0xbb, 0xbf];

export function createConnectionParser(
  initialId: string,
  callbacks: ParserCallbacks,
): ConnectionParser {
  let committedId = initialId;
  const parser = createParser({
    ...callbacks,
    onEvent: (event) => {
      committedId = event.lastEventId;
      callbacks.onEvent(event);
    },
  });
  // Bytes of the stream start held until we know whether they begin with a BOM.
  let head: Uint8Array | undefined = initialId === "" ? undefined : new Uint8Array(0);

  function feedParser(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    parser.feed(chunk);
    // Nothing buffered: every block seen so far has ended, the ID buffer is committed.
    if (parser.bufferedBytes === 0) committedId = parser.lastEventId;
  }

  return {
    feed(chunk) {
      if (head === undefined) return feedParser(chunk);
      const joined = concat(head, chunk);
      const bomLength = leadingBomLength(joined);
      if (bomLength === -1) {
        head = joined; // could still become a BOM: wait for more bytes
        return;
      }
      head = undefined;
      const prime = new TextEncoder().encode(`id: ${initialId}\n\n`);
      feedParser(concat(joined.subarray(0, bomLength), prime));
      feedParser(joined.subarray(bomLength));
    },
    get committedId() {
      return committedId;
    },
  };
}

/** 3 for a full BOM, 0 for none, -1 when `bytes` is a strict prefix of a BOM. */
function leadingBomLength(bytes: Uint8Array): number {
  for (let i = 0; i < BOM.length; i++) {
    if (i === bytes.length) return -1;
    if (bytes[i] !== BOM[i]) return 0;
  }
  return BOM.length;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
