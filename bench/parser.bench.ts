/**
 * Parser throughput: bytes in, dispatched events out. The same MCP-like stream (JSON-RPC
 * notifications and results as SSE events with ids, 100 B–4 KB, a few multi-line, some
 * non-ASCII) cut at socket-like ~16 KB boundaries is fed to our parser (bytes) and to the
 * anchor, `eventsource-parser` v3 behind a streaming `TextDecoder` (as its users run it),
 * alternating in one process, after a warm-up. Both must produce the same event count and
 * checksum, so neither can skip work.
 *
 * Also measured, against the same anchor: our portable path (what a browser runs: no
 * latin1 decoder), and both parsers fed the stream already decoded to strings. Each ratio
 * is the median of the per-round ratios (a round runs every contender back to back, so a
 * noisy neighbour slows all of them alike), next to each contender's median time.
 */
import { createParser as createAnchorParser } from "eventsource-parser";
import { createParser, createPortableParser } from "../src/sse/parser.js";
import type { BenchRow } from "./types.js";

const TARGET_BYTES = Number(process.env["BENCH_PARSER_BYTES"] ?? 20 * 1024 * 1024);
const WARMUP_ROUNDS = 2;
const ROUNDS = 15;
/** Fewest measured rounds, even over the time budget. */
const MIN_ROUNDS = 5;
/** Stop adding rounds after this long (the whole `npm run bench` must stay under 60 s). */
const TIME_BUDGET_MS = 30_000;

/** Small deterministic PRNG (mulberry32) so every run measures the same stream. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ["sensor", "reading", "temperature", "status", "ok", "value", "stream", "42.5"];
const WIDE_WORDS = ["température", "données", "日本語", "Grüße", "ошибка", "😀"];

/** Text of about `size` characters; non-ASCII words in it when `wide`. */
function makeText(random: () => number, size: number, wide: boolean): string {
  let s = "";
  while (s.length < size) {
    const words = wide && random() < 0.2 ? WIDE_WORDS : WORDS;
    s += `${words[Math.floor(random() * words.length)]} `;
  }
  return s.slice(0, size);
}

/**
 * One SSE event carrying a JSON-RPC message, 100 B–4 KB of data; one event in `wideEvery`
 * has non-ASCII text (0: none).
 */
function makeEvent(random: () => number, n: number, wideEvery: number): string {
  const size = 100 + Math.floor(random() ** 2 * 3900);
  const wide = wideEvery > 0 && n % wideEvery === 0;
  let data: string;
  if (n % 3 === 0) {
    const result = { content: [{ type: "text", text: makeText(random, size, wide) }] };
    data = JSON.stringify({ jsonrpc: "2.0", id: n, result });
  } else {
    const params = { progressToken: n, progress: n % 100, message: makeText(random, size, wide) };
    data = JSON.stringify({ jsonrpc: "2.0", method: "notifications/progress", params });
  }
  // A few multi-line payloads (pretty-printed JSON), as some servers send.
  if (n % 50 === 0) data = JSON.stringify(JSON.parse(data), null, 2);
  const lines = data.split("\n");
  let frame = `id: ${n}\nevent: message\n`;
  for (const line of lines) frame += `data: ${line}\n`;
  return frame + "\n";
}

export interface Stream {
  chunks: Uint8Array[];
  /** The same chunks decoded by one streaming `TextDecoder` (for the string feed path). */
  texts: string[];
  bytes: number;
  events: number;
}

export function makeStream(wideEvery: number): Stream {
  const random = prng(42);
  const parts: string[] = [];
  let length = 0;
  let events = 0;
  while (length < TARGET_BYTES) {
    const e = makeEvent(random, events++, wideEvery);
    parts.push(e);
    length += e.length;
  }
  const all = new TextEncoder().encode(parts.join(""));
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < all.length; ) {
    const size = 8 * 1024 + Math.floor(random() * 16 * 1024); // ~16 KB, arbitrary boundaries
    chunks.push(all.slice(offset, offset + size));
    offset += size;
  }
  const decoder = new TextDecoder();
  const texts = chunks.map((chunk) => decoder.decode(chunk, { stream: true }));
  return { chunks, texts, bytes: all.length, events };
}

interface Outcome {
  ms: number;
  events: number;
  checksum: number;
}

/** The same cheap fold over every event for both parsers. */
function fold(sum: number, data: string, id: string | undefined): number {
  return (
    (Math.imul(sum, 31) + data.length + data.charCodeAt(data.length >> 1) + (id?.length ?? 0)) | 0
  );
}

function runOurs(stream: Stream, create = createParser, asText = false): Outcome {
  let events = 0;
  let checksum = 0;
  const parser = create({
    onEvent: (e) => {
      events++;
      checksum = fold(checksum, e.data, e.lastEventId);
    },
  });
  const t0 = performance.now();
  if (asText) for (const text of stream.texts) parser.feed(text);
  else for (const chunk of stream.chunks) parser.feed(chunk);
  return { ms: performance.now() - t0, events, checksum };
}

/** The anchor on strings already decoded (no `TextDecoder` in the timing). */
function runAnchorText(stream: Stream): Outcome {
  let events = 0;
  let checksum = 0;
  const parser = createAnchorParser({
    onEvent: (e) => {
      events++;
      checksum = fold(checksum, e.data, e.id);
    },
  });
  const t0 = performance.now();
  for (const text of stream.texts) parser.feed(text);
  return { ms: performance.now() - t0, events, checksum };
}

function runAnchor(stream: Stream): Outcome {
  let events = 0;
  let checksum = 0;
  const parser = createAnchorParser({
    onEvent: (e) => {
      events++;
      checksum = fold(checksum, e.data, e.id);
    },
  });
  const t0 = performance.now();
  const decoder = new TextDecoder();
  for (const chunk of stream.chunks) parser.feed(decoder.decode(chunk, { stream: true }));
  parser.feed(decoder.decode());
  return { ms: performance.now() - t0, events, checksum };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Which streams to measure: the first is the headline (realistic MCP traffic). */
const SCENARIOS = [
  { name: "MCP mix (1 event in 20 non-ASCII)", wideEvery: 20 },
  { name: "ASCII only", wideEvery: 0 },
  { name: "non-ASCII text in every event", wideEvery: 1 },
];

/** What one round runs, in this order (the anchor first on odd rounds). */
const CONTENDERS = [
  { parser: "mcp-sse (bytes)", run: (s: Stream) => runOurs(s), vs: "anchor" },
  {
    parser: "mcp-sse portable path (bytes, as in a browser)",
    run: (s: Stream) => runOurs(s, createPortableParser),
    vs: "anchor",
  },
  { parser: "eventsource-parser+TextDecoder", run: runAnchor, vs: "" },
  { parser: "mcp-sse (strings)", run: (s: Stream) => runOurs(s, createParser, true), vs: "text" },
  { parser: "eventsource-parser (strings)", run: runAnchorText, vs: "" },
] as const;

function measure(name: string, stream: Stream): BenchRow[] {
  const times: number[][] = CONTENDERS.map(() => []);
  const ratios: number[][] = CONTENDERS.map(() => []);
  const anchorAt = { anchor: 2, text: 4 } as const;
  const started = performance.now();
  for (let round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
    // Alternate the order, so neither side always runs on a freshly collected heap.
    const order = CONTENDERS.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    const outcomes: Outcome[] = [];
    for (const i of order) outcomes[i] = CONTENDERS[i]!.run(stream);
    const reference = outcomes[anchorAt.anchor]!;
    for (const [i, o] of outcomes.entries()) {
      if (o.events !== stream.events || o.checksum !== reference.checksum) {
        throw new Error(
          `parser bench (${name}): results differ (${CONTENDERS[i]!.parser} ${o.events} ` +
            `events/${o.checksum}, anchor ${reference.events}/${reference.checksum}, ` +
            `expected ${stream.events} events)`,
        );
      }
    }
    if (round >= WARMUP_ROUNDS) {
      for (const [i, c] of CONTENDERS.entries()) {
        times[i]!.push(outcomes[i]!.ms);
        const vs = c.vs === "" ? outcomes[i]! : outcomes[anchorAt[c.vs]]!;
        ratios[i]!.push(vs.ms / outcomes[i]!.ms);
      }
    }
    const measured = round + 1 - WARMUP_ROUNDS;
    if (performance.now() - started > TIME_BUDGET_MS / SCENARIOS.length && measured >= MIN_ROUNDS) {
      break;
    }
  }
  const mb = stream.bytes / 1e6;
  return CONTENDERS.map((c, i) => {
    const ms = median(times[i]!);
    return {
      stream: name,
      parser: c.parser,
      "MB/s": Math.round(mb / (ms / 1000)),
      "events/s": Math.round(stream.events / (ms / 1000)),
      "median ms": Number(ms.toFixed(1)),
      rounds: times[i]!.length,
      "vs anchor": Number(median(ratios[i]!).toFixed(2)),
    };
  });
}

export function run(): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const scenario of SCENARIOS) {
    rows.push(...measure(scenario.name, makeStream(scenario.wideEvery)));
  }
  return rows;
}
