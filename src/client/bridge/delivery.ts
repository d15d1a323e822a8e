/**
 * The bridge's two directions over one transport: remote messages out as lines (learning the
 * negotiated protocol version from initialize answers), and input lines in, in order, each
 * request answered with a JSON-RPC error when it cannot be delivered.
 */
import type { JSONRPCMessage, Transport } from "@modelcontextprotocol/client";
import type { Logger } from "../../logger.js";
import type { LineOverflow } from "../transports/line-splitter.js";

/** JSON-RPC code for a line that is not JSON (spec: Parse error). */
export const JSONRPC_PARSE_ERROR = -32700;
/** JSON-RPC code the bridge uses when the remote side cannot take a request. */
export const PROXY_SEND_FAILED = -32000;

export interface Delivery {
  /** Set once the bridge ends early: queued lines are answered, not sent. */
  closing: boolean;
  /** Deliver a line after every line before it (a request must not overtake its initialize). */
  queue(line: string): void;
  /** Answer a dropped over-long line with a parse error. */
  overflow(overflow: LineOverflow): void;
  /** Settles once every queued line is delivered or answered. */
  drained(): Promise<void>;
}

export function createDelivery(
  transport: Transport,
  write: (message: unknown) => void,
  logger: Logger,
): Delivery {
  /** initialize request ids, to learn the negotiated protocol version from their answers. */
  const initializeIds = new Set<string | number>();
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
  let chain = Promise.resolve();
  const delivery: Delivery = {
    closing: false,
    queue(line) {
      const trimmed = line.trim();
      if (trimmed !== "")
        chain = chain.then(() =>
          deliver(trimmed, { transport, write, logger, initializeIds, delivery }),
        );
    },
    overflow({ chars, maxLineChars }) {
      logger.warn({ chars, maxLineChars }, "proxy: dropped an input line over the size limit");
      write({
        jsonrpc: "2.0",
        id: null,
        error: {
          code: JSONRPC_PARSE_ERROR,
          message: `Parse error: the line is longer than ${maxLineChars} characters (dropped)`,
        },
      });
    },
    drained: () => chain,
  };
  return delivery;
}

interface DeliverContext {
  transport: Transport;
  write: (message: unknown) => void;
  logger: Logger;
  initializeIds: Set<string | number>;
  delivery: Delivery;
}

/** Send one input line to the remote side; answer it with a JSON-RPC error when that fails. */
async function deliver(line: string, context: DeliverContext): Promise<void> {
  const { transport, write, logger, initializeIds, delivery } = context;
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
    if (delivery.closing) throw new Error("the bridge is closing");
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
}
