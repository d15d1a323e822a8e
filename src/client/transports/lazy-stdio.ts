/**
 * The stdio transport behind a dynamic `import()`: the factory can hand it out without
 * loading `node:child_process` until `start()`, keeping the package root runtime-agnostic.
 */
import type { JSONRPCMessage, TransportSendOptions } from "@modelcontextprotocol/client";
import { DelegatingTransport } from "./delegate.js";
import { alreadyStarted, notConnected } from "./errors.js";
import type { ClientTransportOptions } from "./types.js";

export class LazyStdioTransport extends DelegatingTransport {
  readonly kind = "stdio" as const;
  private readonly options: ClientTransportOptions;
  private started = false;

  constructor(options: ClientTransportOptions) {
    super();
    this.options = options;
  }

  async start(): Promise<void> {
    if (this.started) throw alreadyStarted(this.options.server.name);
    this.started = true;
    const { StdioClientTransport } = await import("./stdio.js");
    const inner = new StdioClientTransport(this.options);
    this.attach(inner);
    await inner.start();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const inner = this.inner;
    if (this.closed || inner === undefined)
      throw notConnected(this.options.server.name, this.closed);
    return inner.send(message, options);
  }
}
