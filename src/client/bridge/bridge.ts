/**
 * `bridgeStdio()`: newline-delimited JSON-RPC on an input stream ↔ a remote server's
 * transport (legacy SSE, Streamable HTTP, or auto), for hosts that only speak stdio (the
 * library behind `mcp-sse proxy`). The host owns the MCP session (it sends `initialize`); the
 * bridge only moves messages, answers what it cannot deliver with a JSON-RPC error, and ends
 * when either side does.
 *
 * Runtime-agnostic: input is any async iterable (a Node `Readable` is one), output any
 * `write(line)`; the HTTP pool behind the transport loads lazily, as for `connectMcps`.
 */
import type { Transport } from "@modelcontextprotocol/client";
import { loadConfig } from "../../config/index.js";
import type { TransportKind } from "../../config/types.js";
import { type Logger, silentLogger } from "../../logger.js";
import type { TransportFactory } from "../index.js";
import { createClientTransport } from "../transports/index.js";
import { DEFAULT_MAX_LINE_CHARS, LineSplitter } from "../transports/line-splitter.js";
import { createDelivery, type Delivery } from "./delivery.js";

export { JSONRPC_PARSE_ERROR, PROXY_SEND_FAILED } from "./delivery.js";

/** Why the bridge ended: the input ended, the signal aborted, or the remote side closed. */
export type BridgeEnd = "input" | "abort" | "remote";

export interface BridgeStdioOptions {
  /** The remote server's http(s) URL (literal: no `${VAR}` expansion). */
  url: string;
  /** Sent on every request (literal values). */
  headers?: Record<string, string>;
  /** Default `auto`. */
  transport?: Exclude<TransportKind, "stdio">;
  /** Newline-delimited JSON-RPC from the host (e.g. `process.stdin`, any `Readable`). */
  input: AsyncIterable<string | Uint8Array>;
  /** Receives one JSON-RPC message a line, newline included: a function or a `Writable`. */
  output: ((line: string) => void) | { write(line: string): unknown };
  logger?: Logger;
  signal?: AbortSignal;
  /** Build the remote transport (default: the client's own, `createClientTransport`). */
  createTransport?: TransportFactory;
  /**
   * Longest input line, in characters; a longer one is dropped and answered with a parse
   * error. Default `DEFAULT_MAX_LINE_CHARS` (16 Mi); `0` disables the limit.
   */
  maxLineChars?: number;
}

/**
 * A command-line value as a config string that interpolates back to itself: the loader
 * expands `${VAR}` and turns `$$` into `$`, but a `--header` value is literal.
 */
function literal(value: string): string {
  return value.replace(/\$/g, () => "$$");
}

/** The remote server's transport, from a one-server config (the loader validates the URL). */
async function openRemote(options: BridgeStdioOptions, logger: Logger): Promise<Transport> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name] = literal(value);
  const config = await loadConfig({
    mcps: [
      {
        name: "remote",
        transport: options.transport ?? "auto",
        url: literal(options.url),
        headers,
      },
    ],
  });
  const server = config.servers[0];
  if (server === undefined) throw new Error("proxy: no server in the generated config");
  return (options.createTransport ?? createClientTransport)({ server, logger });
}

/** The input's next chunk, or why the bridge stops, whichever comes first. */
function nextOrStop<T>(
  iterator: AsyncIterator<T>,
  setWake: (wake: (why: "remote" | "abort") => void) => void,
): Promise<IteratorResult<T> | "remote" | "abort"> {
  return new Promise((resolve, reject) => {
    setWake(resolve);
    iterator.next().then(resolve, reject);
  });
}

/**
 * Why the bridge stops early, and a wake-up for the read in progress. A fresh promise per
 * read: racing every read against one long-lived promise would pile up its reactions.
 */
class Stopper {
  stopped: "remote" | "abort" | undefined;
  wake: ((why: "remote" | "abort") => void) | undefined;
  stop(why: "remote" | "abort"): void {
    this.stopped ??= why;
    this.wake?.(this.stopped);
  }
}

/** Read the input into lines until it ends or the bridge stops. */
async function pumpInput(
  iterator: AsyncIterator<string | Uint8Array>,
  lines: LineSplitter,
  stopper: Stopper,
): Promise<BridgeEnd> {
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const next = stopper.stopped ?? (await nextOrStop(iterator, (w) => (stopper.wake = w)));
      if (next === "remote" || next === "abort") return next;
      if (next.done) break;
      const text =
        typeof next.value === "string" ? next.value : decoder.decode(next.value, { stream: true });
      lines.push(text);
    }
  } finally {
    stopper.wake = undefined;
  }
  // The last line may lack its newline.
  lines.push(decoder.decode());
  lines.end();
  return "input";
}

/**
 * Bridge until the input ends ("input"), the signal aborts ("abort"), or the remote side
 * closes ("remote"). Rejects only when the remote transport cannot be built or started.
 */
export async function bridgeStdio(options: BridgeStdioOptions): Promise<BridgeEnd> {
  const logger = options.logger ?? silentLogger;
  const transport = await openRemote(options, logger);
  const output = options.output;
  const write =
    typeof output === "function"
      ? (message: unknown) => output(`${JSON.stringify(message)}\n`)
      : (message: unknown) => void output.write(`${JSON.stringify(message)}\n`);
  const delivery = createDelivery(transport, write, logger);
  const stopper = new Stopper();
  transport.onclose = () => stopper.stop("remote");
  await transport.start();
  const onAbort = () => stopper.stop("abort");
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const iterator = options.input[Symbol.asyncIterator]();
  const lines = new LineSplitter({
    onLine: (line) => delivery.queue(line),
    onOverflow: (overflow) => delivery.overflow(overflow),
    maxLineChars: options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS,
  });
  let end: BridgeEnd;
  try {
    end = await pumpInput(iterator, lines, stopper);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  await finish(end, transport, delivery, iterator, logger);
  return end;
}

async function finish(
  end: BridgeEnd,
  transport: Transport,
  delivery: Delivery,
  iterator: AsyncIterator<unknown>,
  logger: Logger,
): Promise<void> {
  if (end === "input") {
    await delivery.drained();
    await transport.close();
    return;
  }
  // Ctrl-C or the remote side closed: close first, which cancels the requests in flight
  // (their callers get an error answer) instead of waiting for them.
  delivery.closing = true;
  // Stop reading the input; how the input ends no longer matters.
  void Promise.resolve(iterator.return?.()).catch((error: unknown) =>
    logger.debug({ err: error }, "proxy: input did not stop cleanly"),
  );
  await transport.close();
  await delivery.drained();
}
