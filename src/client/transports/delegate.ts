/**
 * A transport that forwards to an inner one chosen or loaded later: `auto` picks Streamable
 * HTTP or legacy SSE at the first send; stdio loads its `node:` module at `start()`. The SDK
 * sets callbacks on the outer object; they are read at call time, so setting them before or
 * after the inner transport exists both work.
 */
import type {
  JSONRPCMessage,
  MessageExtraInfo,
  TransportSendOptions,
} from "@modelcontextprotocol/client";
import type { McpSseClientTransport } from "./types.js";

export abstract class DelegatingTransport implements McpSseClientTransport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?:
    | (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void)
    | undefined;

  protected inner: McpSseClientTransport | undefined;
  protected closed = false;
  private protocolVersion: string | undefined;

  abstract readonly kind: McpSseClientTransport["kind"];
  abstract start(): Promise<void>;
  abstract send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void>;

  get sessionId(): string | undefined {
    return this.inner?.sessionId;
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
    this.inner?.setProtocolVersion?.(version);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const inner = this.inner;
    if (inner !== undefined) await inner.close();
    else this.onclose?.();
  }

  /** Route the inner transport's callbacks to ours. */
  protected attach(inner: McpSseClientTransport): void {
    this.inner = inner;
    inner.onmessage = (message, extra) => this.onmessage?.(message, extra);
    inner.onerror = (error) => this.onerror?.(error);
    inner.onclose = () => {
      this.closed = true;
      this.onclose?.();
    };
    if (this.protocolVersion !== undefined) inner.setProtocolVersion?.(this.protocolVersion);
  }

  /** Close an inner transport we are abandoning, without reporting its close upward. */
  protected async detach(inner: McpSseClientTransport): Promise<void> {
    inner.onmessage = undefined;
    inner.onerror = undefined;
    inner.onclose = undefined;
    if (this.inner === inner) this.inner = undefined;
    await inner.close();
  }
}
