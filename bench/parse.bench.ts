/**
 * The client's bytes → validated JSON-RPC messages path (docs/performance.md, "parse"), on
 * the same captured stream (parser.bench.ts's ~20 MB of JSON-RPC results and progress
 * notifications as SSE events, cut at socket-like ~16 KB boundaries), in this process.
 * Two rows, each measuring both sides on the same stream in the same rounds:
 *
 * 1. parse, JSON, schema check: for ours, `createParser` on bytes, then `parseJsonRpc` (one
 *    `JSON.parse`, a structural JSON-RPC 2.0 check); for the SDK, the body through
 *    `TextDecoderStream` and `EventSourceParserStream`, then
 *    `JSONRPCMessageSchema.parse(JSON.parse(data))` (`parseJSONRPCMessage`).
 * 2. the same stream as each Streamable HTTP client transport reads a POST's SSE answer: on
 *    top of row 1, what each does per chunk and per event before a message is handed on. The
 *    SDK v2 `StreamableHTTPClientTransport` (its `_handleSseStream`): the event id as the
 *    resumption token, empty data and non-`message` types skipped, and
 *    `isJSONRPCResultResponse(m) || isJSONRPCErrorResponse(m)` (two more schema checks) on
 *    each message. Ours (`openRequestStream`, `onStreamEvent`): the reader's connection
 *    parser (`createConnectionParser`, the committed event id per chunk), the event id as the
 *    resumption token, the same skips, and `responseId` on each message.
 *
 * Neither path validates the result payloads (the SDK `Client` does that later, the same on
 * both). Both must produce the same number of messages. Rounds alternate which path runs first,
 * and a full GC runs before each timed pass: garbage one path leaves must not be collected
 * inside the other's timing (it was: the SDK path measured 3-5x slower after our pass than
 * after its own, so the ratio moved with how much garbage *we* left).
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  isJSONRPCErrorResponse,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  parseJSONRPCMessage,
} from "@modelcontextprotocol/client";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { parseJsonRpc, responseId } from "../src/client/transports/jsonrpc.js";
import type { SseEvent } from "../src/sse/index.js";
import { createParser } from "../src/sse/index.js";
import { createConnectionParser } from "../src/sse/reader-parser.js";
import { median } from "./e2e-measure.js";
import { makeStream, type Stream } from "./parser.bench.js";
import type { PartResult } from "./types.js";

const RUNS = Number(process.env["BENCH_PARSE_RUNS"] ?? 7);
const WARMUP = 2;

/** `gc()` without `--expose-gc` on the command line (the flag is set, then read from a context). */
function exposeGc(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}
const gc = exposeGc();

interface Pass {
  ms: number;
  /** CPU time of the whole process during the pass (V8's background threads included). */
  cpuMs: number;
  messages: number;
}

function ours(stream: Stream): Pass {
  let messages = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const parser = createParser({
    onEvent: (event) => {
      const parsed = parseJsonRpc(event.data, "bench");
      if (!Array.isArray(parsed)) throw parsed;
      messages += parsed.length;
    },
  });
  for (const chunk of stream.chunks) parser.feed(chunk);
  return { ms: performance.now() - t0, cpuMs: cpuSince(c0), messages };
}

/** Row 2, ours: as `StreamableHttpTransport` reads a POST's SSE answer (see above). */
function oursTransport(stream: Stream): Pass {
  let messages = 0;
  let responses = 0;
  let lastEventId = "";
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const onEvent = (event: SseEvent): void => {
    if (event.lastEventId !== "" && event.lastEventId !== lastEventId) {
      lastEventId = event.lastEventId; // the resumption token
    }
    if (event.type !== "message" || event.data === "") return;
    const parsed = parseJsonRpc(event.data, "bench");
    if (!Array.isArray(parsed)) throw parsed;
    for (const m of parsed) {
      if (responseId(m) !== undefined) responses++;
      messages++;
    }
  };
  const parser = createConnectionParser("", { onEvent });
  for (const chunk of stream.chunks) parser.feed(chunk);
  if (responses === 0 || lastEventId === "") throw new Error("parse bench: no response or id");
  return { ms: performance.now() - t0, cpuMs: cpuSince(c0), messages };
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

/** The SDK's events from the stream, as its transports read a response body. */
function sdkEvents(stream: Stream) {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of stream.chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  return body
    .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
    .pipeThrough(new EventSourceParserStream())
    .getReader();
}

async function sdk(stream: Stream): Promise<Pass> {
  let messages = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const events = sdkEvents(stream);
  for (;;) {
    const { done, value } = await events.read();
    if (done) break;
    parseJSONRPCMessage(JSON.parse(value.data));
    messages += 1;
  }
  return { ms: performance.now() - t0, cpuMs: cpuSince(c0), messages };
}

/** Row 2, the SDK: the loop of `StreamableHTTPClientTransport._handleSseStream` (see above). */
async function sdkTransport(stream: Stream): Promise<Pass> {
  let messages = 0;
  let responses = 0;
  let lastEventId: string | undefined;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const events = sdkEvents(stream);
  for (;;) {
    const { done, value: event } = await events.read();
    if (done) break;
    if (event.id) lastEventId = event.id; // the resumption token
    if (!event.data) continue;
    if (!event.event || event.event === "message") {
      const message: JSONRPCMessage = parseJSONRPCMessage(JSON.parse(event.data));
      if (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) responses++;
      messages++;
    }
  }
  if (responses === 0 || lastEventId === undefined)
    throw new Error("parse bench: no response or id");
  return { ms: performance.now() - t0, cpuMs: cpuSince(c0), messages };
}

/** Each row: our pass and the SDK's, on the same stream, in the same rounds. */
const ROWS = [
  { row: "client: bytes → validated JSON-RPC messages", ours, sdk },
  {
    row: "client: the same, as each Streamable HTTP transport reads an answer",
    ours: oursTransport,
    sdk: sdkTransport,
  },
];

export async function run(): Promise<PartResult> {
  const stream = makeStream(10);
  const mb = stream.bytes / 1024 / 1024;
  const oursRates: number[][] = ROWS.map(() => []);
  const sdkRates: number[][] = ROWS.map(() => []);
  const cpuMs: { ours: number[]; sdk: number[] }[] = ROWS.map(() => ({ ours: [], sdk: [] }));
  for (let r = 0; r < WARMUP + RUNS; r++) {
    for (const [i, row] of ROWS.entries()) {
      const first = r % 2 === 0;
      gc();
      const a = first ? row.ours(stream) : await row.sdk(stream);
      gc();
      const b = first ? await row.sdk(stream) : row.ours(stream);
      const [o, s] = first ? [a, b] : [b, a];
      if (o.messages !== stream.events || s.messages !== stream.events)
        throw new Error(`parse bench: ${o.messages} / ${s.messages} of ${stream.events} messages`);
      if (r < WARMUP) continue;
      oursRates[i]!.push(mb / (o.ms / 1000));
      sdkRates[i]!.push(mb / (s.ms / 1000));
      cpuMs[i]!.ours.push(o.cpuMs);
      cpuMs[i]!.sdk.push(s.cpuMs);
    }
  }
  return {
    rows: ROWS.map((row, i) => ({
      row: row.row,
      metric: "MB/s",
      better: "higher",
      ours: oursRates[i]!,
      sdk: sdkRates[i]!,
      goal: 3,
    })),
    notes: [
      `${RUNS} runs after ${WARMUP} warm-up; ${mb.toFixed(1)} MB, ${stream.events} messages, ~16 KB chunks`,
      ...ROWS.map((_, i) => {
        const ours = median(cpuMs[i]!.ours);
        const sdk = median(cpuMs[i]!.sdk);
        return `row ${i}: CPU ms per pass (medians, the process's threads): SDK ${sdk.toFixed(1)}, ours ${ours.toFixed(1)}, ${(sdk / ours).toFixed(2)}x`;
      }),
    ],
  };
}
