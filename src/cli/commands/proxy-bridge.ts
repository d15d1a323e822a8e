/**
 * The bridge behind `mcp-sse proxy`: newline-delimited JSON-RPC on an input stream ↔ a
 * remote server's transport (legacy SSE, Streamable HTTP, or auto), for hosts that only
 * speak stdio. The host owns the MCP session (it sends `initialize`); the bridge only moves
 * messages, answers what it cannot deliver with a JSON-RPC error, and ends when either side does.
 */
import type { JSONRPCMessage } from "@modelcontextprotocol/client";
import type { TransportFactory } from "../../client/index.js";
import { createClientTransport } from "../../client/transports/index.js";
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
}

/** Runs until the input ends (0), the signal aborts (0), or the remote side closes (1). */
export async function runProxy(options: ProxyOptions): Promise<number> {
  const logger = options.logger ?? silentLogger;
  const config = await loadConfig({
    mcps: [
      {
        name: "remote",
        transport: options.transport ?? "auto",
        url: options.url,
        headers: options.headers ?? {},
      },
    ],
  });
  const server = config.servers[0];
  if (server === undefined) throw new Error("proxy: no server in the generated config");
  const transport = (options.createTransport ?? createClientTransport)({ server, logger });
  const write = (message: unknown) => options.output(`${JSON.stringify(message)}\n`);
  /** initialize request ids, to learn the negotiated protocol version from their answers. */
  const initializeIds = new Set<string | number>();
  let remoteClosed!: () => void;
  const closed = new Promise<"remote">((resolve) => {
    remoteClosed = () => resolve("remote");
  });

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
  transport.onclose = () => remoteClosed();
  await transport.start();

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

  const aborted = new Promise<"abort">((resolve) => {
    if (options.signal?.aborted) resolve("abort");
    options.signal?.addEventListener("abort", () => resolve("abort"), { once: true });
  });
  const decoder = new TextDecoder();
  const iterator = options.input[Symbol.asyncIterator]();
  let pending = "";
  let outcome: "input" | "remote" | "abort" = "input";
  // Deliver in order: a request must not overtake the initialize before it.
  let chain = Promise.resolve();
  for (;;) {
    const next = await Promise.race([iterator.next(), closed, aborted]);
    if (next === "remote" || next === "abort") {
      outcome = next;
      break;
    }
    if (next.done) break;
    pending +=
      typeof next.value === "string" ? next.value : decoder.decode(next.value, { stream: true });
    let newline = pending.indexOf("\n");
    while (newline >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line !== "") chain = chain.then(() => deliver(line));
      newline = pending.indexOf("\n");
    }
  }
  if (outcome === "input" && pending.trim() !== "")
    chain = chain.then(() => deliver(pending.trim()));
  await chain;
  if (outcome !== "input") void iterator.return?.();
  await transport.close();
  return outcome === "remote" ? 1 : 0;
}
