/**
 * Newline-delimited text (stdio JSON-RPC) cut into lines in linear time. Each chunk is
 * searched once, from where the last line ended; the pieces of an unfinished line are kept
 * in an array and joined once, when its newline arrives. (`buffer += chunk` followed by
 * `indexOf("\n")` from 0 rescans and recopies the whole buffer per chunk: a 15 MiB line in
 * 64 KiB chunks took 23 s.) A line longer than `maxLineChars` is dropped — its pieces are
 * released at once and the rest of it, up to its newline, is skipped — and reported.
 *
 * Pure: no `node:` imports, no I/O; the stdio transport and the CLI proxy both feed it.
 */

/** Longest line kept, in characters (UTF-16 units); longer ones are dropped. */
export const DEFAULT_MAX_LINE_CHARS = 16 * 1024 * 1024;

export interface LineOverflow {
  /** Characters of the dropped line seen so far (at least `maxLineChars + 1`). */
  chars: number;
  maxLineChars: number;
}

export interface LineSplitterOptions {
  /** Each complete line, without its `\n` (and without a `\r` before it). */
  onLine: (line: string) => void;
  /** A line over `maxLineChars` was dropped (called once per such line). */
  onOverflow?: (overflow: LineOverflow) => void;
  /** Default `DEFAULT_MAX_LINE_CHARS`; `0` disables the limit. */
  maxLineChars?: number;
}

/** Work done so far: both stay at most the number of characters pushed (linear). */
export interface LineSplitterStats {
  /** Characters searched for a newline. */
  scannedChars: number;
  /** Characters copied when joining the pieces of a line that spanned chunks. */
  joinedChars: number;
}

export class LineSplitter {
  private readonly options: LineSplitterOptions;
  private readonly maxLineChars: number;
  /** The unfinished line, in the pieces it arrived in. */
  private pieces: string[] = [];
  private pendingChars = 0;
  /** Inside a line already reported as too long: skip up to its newline. */
  private skipping = false;
  private readonly counters: LineSplitterStats = { scannedChars: 0, joinedChars: 0 };

  constructor(options: LineSplitterOptions) {
    this.options = options;
    this.maxLineChars = options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS;
  }

  /** Characters of the unfinished line held now. */
  get bufferedChars(): number {
    return this.pendingChars;
  }

  get stats(): Readonly<LineSplitterStats> {
    return { ...this.counters };
  }

  push(chunk: string): void {
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf("\n", start);
      this.counters.scannedChars += (newline === -1 ? chunk.length : newline + 1) - start;
      if (newline === -1) break;
      const tail = chunk.slice(start, newline);
      start = newline + 1;
      if (this.skipping) {
        this.skipping = false;
        continue;
      }
      let line: string;
      if (this.pieces.length === 0) line = tail;
      else {
        this.pieces.push(tail);
        line = this.pieces.join("");
        this.counters.joinedChars += line.length;
        this.pieces = [];
        this.pendingChars = 0;
      }
      if (line.endsWith("\r")) line = line.slice(0, -1);
      if (this.maxLineChars > 0 && line.length > this.maxLineChars) {
        this.overflow(line.length);
        continue;
      }
      this.options.onLine(line);
    }
    if (start === chunk.length || this.skipping) return;
    const rest = start === 0 ? chunk : chunk.slice(start);
    this.pieces.push(rest);
    this.pendingChars += rest.length;
    // Over the limit even if its last character turns out to be the `\r` of a `\r\n`.
    if (this.maxLineChars > 0 && this.pendingChars > this.maxLineChars + 1) {
      // Release the memory now; the rest of this line is skipped as it arrives.
      const chars = this.pendingChars;
      this.pieces = [];
      this.pendingChars = 0;
      this.skipping = true;
      this.overflow(chars);
    }
  }

  /**
   * The input ended: a last line without a newline is delivered as it is (a `\r` is only a
   * line ending before `\n`); the splitter is reset.
   */
  end(): void {
    const skipping = this.skipping;
    this.skipping = false;
    if (skipping || this.pieces.length === 0) return;
    const line = this.pieces.join("");
    this.counters.joinedChars += line.length;
    this.pieces = [];
    this.pendingChars = 0;
    if (this.maxLineChars > 0 && line.length > this.maxLineChars) this.overflow(line.length);
    else this.options.onLine(line);
  }

  private overflow(chars: number): void {
    this.options.onOverflow?.({ chars, maxLineChars: this.maxLineChars });
  }
}
