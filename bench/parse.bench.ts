/**
 * The client's bytes → validated JSON-RPC messages path (docs/performance.md, "parse"), on
 * the same captured stream (parser.bench.ts's ~20 MB of JSON-RPC results and progress
 * notifications as SSE events, cut at socket-like ~16 KB boundaries), in this process:
 *
 * - ours: what the mcp-sse transports run for each chunk of a response body: `createParser`
 *   on bytes, then `parseJsonRpc` (one `JSON.parse`, a structural JSON-RPC 2.0 check);
 * - sdk: what the SDK v2 `StreamableHTTPClientTransport` runs: the body through
 *   `TextDecoderStream` and `EventSourceParserStream`, then
 *   `JSONRPCMessageSchema.parse(JSON.parse(data))` (`parseJSONRPCMessage`).
 *
 * Neither path validates the result payloads (the SDK `Client` does that later, the same on
 * both). Both must produce the same number of messages. Rounds alternate which path runs first,
 * and a full GC runs before each timed pass: garbage one path leaves must not be collected
 * inside the other's timing (it was: the SDK path measured 3-5x slower after our pass than
 * after its own, so the ratio moved with how much garbage *we* left).
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseJSONRPCMessage } from "@modelcontextprotocol/client";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { parseJsonRpc } from "../src/client/transports/jsonrpc.js";
import { createParser } from "../src/sse/index.js";
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

function ours(stream: Stream): { ms: number; messages: number } {
  let messages = 0;
  const t0 = performance.now();
  const parser = createParser({
    onEvent: (event) => {
      const parsed = parseJsonRpc(event.data, "bench");
      if (!Array.isArray(parsed)) throw parsed;
      messages += parsed.length;
    },
  });
  for (const chunk of stream.chunks) parser.feed(chunk);
  return { ms: performance.now() - t0, messages };
}

async function sdk(stream: Stream): Promise<{ ms: number; messages: number }> {
  let messages = 0;
  const t0 = performance.now();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of stream.chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  const events = body
    .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  for (;;) {
    const { done, value } = await events.read();
    if (done) break;
    parseJSONRPCMessage(JSON.parse(value.data));
    messages += 1;
  }
  return { ms: performance.now() - t0, messages };
}

export async function run(): Promise<PartResult> {
  const stream = makeStream(10);
  const mb = stream.bytes / 1024 / 1024;
  const oursRates: number[] = [];
  const sdkRates: number[] = [];
  for (let r = 0; r < WARMUP + RUNS; r++) {
    const first = r % 2 === 0;
    gc();
    const a = first ? ours(stream) : await sdk(stream);
    gc();
    const b = first ? await sdk(stream) : ours(stream);
    const [o, s] = first ? [a, b] : [b, a];
    if (o.messages !== stream.events || s.messages !== stream.events)
      throw new Error(`parse bench: ${o.messages} / ${s.messages} of ${stream.events} messages`);
    if (r < WARMUP) continue;
    oursRates.push(mb / (o.ms / 1000));
    sdkRates.push(mb / (s.ms / 1000));
  }
  return {
    rows: [
      {
        row: "client: bytes → validated JSON-RPC messages",
        metric: "MB/s",
        better: "higher",
        ours: oursRates,
        sdk: sdkRates,
        goal: 3,
      },
    ],
    notes: [
      `${RUNS} runs after ${WARMUP} warm-up; ${mb.toFixed(1)} MB, ${stream.events} messages, ~16 KB chunks`,
    ],
  };
}
