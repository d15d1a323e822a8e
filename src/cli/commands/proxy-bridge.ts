/**
 * The bridge behind `mcp-sse proxy`: newline-delimited JSON-RPC on an input stream ↔ a
 * remote server's transport (legacy SSE, Streamable HTTP, or auto), for hosts that only
 * speak stdio. The host owns the MCP session (it sends `initialize`); the bridge only moves
 * messages, answers what it cannot deliver with a JSON-RPC error, and ends when either side does.
 */
import type { JSONRPCMessage } from "@modelcontextprotocol/client";
import type { TransportFactory } from "../../client/index.js";
import { createClientTransport } from "../../client/transports/index.js";
import {
  DEFAULT_MAX_LINE_CHARS,
  type LineOverflow,
  LineSplitter,
} from "../../client/transports/line-splitter.js";
import { loadConfig } from "../../config/index.js";
import type { TransportKind } from "../../config/types.js";
import { type Logger, silentLogger } from "../../logger.js";

/** JSON-RPC code for a line that is not JSON (spec: Parse error). */
export const JSONRPC_PARSE_ERROR = -32700;
/** JSON-RPC code the bridge uses when the remote side cannot take a request. */
export const PROXY_SEND_FAILED = -32000;

export interface ProxyOptions {
  url: string;
  headers?: Record<string, string>;
  transport?: Exclude<TransportKind, "stdio">;
  /** Newline-delimited JSON-RPC from the host (e.g. `process.stdin`). */
  input: AsyncIterable<string | Uint8Array>;
  /** Receives one JSON-RPC message a line, newline included. */
  output: (line: string) => void;
  logger?: Logger;
  signal?: AbortSignal;
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

/** Runs until the input ends (0), the signal aborts (0), or the remote side closes (1). */
export async function runProxy(options: ProxyOptions): Promise<number> {
  const logger = options.logger ?? silentLogger;
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
  const transport = (options.createTransport ?? createClientTransport)({ server, logger });
  const write = (message: unknown) => options.output(`${JSON.stringify(message)}\n`);
  /** initialize request ids, to learn the negotiated protocol version from their answers. */
  const initializeIds = new Set<string | number>();
  /**
   * Why the bridge stops early, and a wake-up for the read in progress. A fresh promise per
   * read: racing every read against one long-lived promise would pile up its reactions.
   */
  let stopped: "remote" | "abort" | undefined;
  let wake: ((why: "remote" | "abort") => void) | undefined;
  const stop = (why: "remote" | "abort") => {
    stopped ??= why;
    wake?.(stopped);
  };

  transport.onmessage = (message) => {
    const m = message as { id?: string | number; result?: { protocolVersion?: unknown } };
    if (
      m.id !== undefined &&
      initializeIds.delete(m.id) &&
      typeof m.result?.protocolVersion === "string"
    )
      transport.setProtocolVersion?.(m.result.protocolVersion);
    write(message);
  };
  transport.onerror = (error) => logger.warn({ err: error }, "proxy: remote transport error");
  transport.onclose = () => stop("remote");
  await transport.start();

  /** Set once the bridge ends early: queued lines are answered, not sent. */
  let closing = false;
  const deliver = async (line: string) => {
    let message: JSONRPCMessage;
    try {
      message = JSON.parse(line) as JSONRPCMessage;
    } catch {
      write({
        jsonrpc: "2.0",
        id: null,
        error: { code: JSONRPC_PARSE_ERROR, message: "Parse error: the line is not JSON" },
      });
      return;
    }
    const m = message as { id?: string | number; method?: string };
    if (m.method === "initialize" && m.id !== undefined) initializeIds.add(m.id);
    try {
      if (closing) throw new Error("the bridge is closing");
      await transport.send(message);
    } catch (error) {
      logger.warn({ err: error, method: m.method }, "proxy: could not deliver a message");
      // A request must get an answer, or the host waits forever.
      if (m.id !== undefined && m.method !== undefined)
        write({
          jsonrpc: "2.0",
          id: m.id,
          error: { code: PROXY_SEND_FAILED, message: `mcp-sse proxy: ${(error as Error).message}` },
        });
    }
  };

  const onAbort = () => stop("abort");
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const decoder = new TextDecoder();
  const iterator = options.input[Symbol.asyncIterator]();
  // Deliver in order: a request must not overtake the initialize before it.
  let chain = Promise.resolve();
  const onOverflow = ({ chars, maxLineChars }: LineOverflow) => {
    logger.warn({ chars, maxLineChars }, "proxy: dropped an input line over the size limit");
    write({
      jsonrpc: "2.0",
      id: null,
      error: {
        code: JSONRPC_PARSE_ERROR,
        message: `Parse error: the line is longer than ${maxLineChars} characters (dropped)`,
      },
    });
  };
  const lines = new LineSplitter({
    onLine: (line) => {
      const trimmed = line.trim();
      if (trimmed !== "") chain = chain.then(() => deliver(trimmed));
    },
    onOverflow,
    maxLineChars: options.maxLineChars ?? DEFAULT_MAX_LINE_CHARS,
  });
  let outcome: "input" | "remote" | "abort" = "input";
  try {
    for (;;) {
      const next = stopped ?? (await nextOrStop(iterator, (w) => (wake = w)));
      if (next === "remote" || next === "abort") {
        outcome = next;
        break;
      }
      if (next.done) break;
      const text =
        typeof next.value === "string" ? next.value : decoder.decode(next.value, { stream: true });
      lines.push(text);
    }
  } finally {
    wake = undefined;
    options.signal?.removeEventListener("abort", onAbort);
  }
  if (outcome === "input") {
    // The last line may lack its newline.
    lines.push(decoder.decode());
    lines.end();
    await chain;
    await transport.close();
    return 0;
  }
  // Ctrl-C or the remote side closed: close first, which cancels the requests in flight
  // (their callers get an error answer) instead of waiting for them.
  closing = true;
  // Stop reading the input; how the input ends no longer matters.
  void Promise.resolve(iterator.return?.()).catch((error: unknown) =>
    logger.debug({ err: error }, "proxy: input did not stop cleanly"),
  );
  await transport.close();
  await chain;
  return outcome === "remote" ? 1 : 0;
}
