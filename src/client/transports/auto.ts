/**
 * `auto`: the client side of the spec's backwards-compatibility section (2025-03-26,
 * "Backwards Compatibility"). POST the first message (the `initialize` request) as Streamable
 * HTTP; when that fails with 400, 404 or 405, the server is taken to be a legacy HTTP+SSE
 * server: open `GET url` as an SSE stream, wait for its `endpoint` event and send the message
 * there. 401/403 never fall back (a wrong token is not a wrong protocol): they surface as
 * `CLIENT_UNAUTHORIZED` / `CLIENT_FORBIDDEN`.
 *
 * `start()` runs before the SDK's first `send(initialize)`, so the choice is made at the
 * first send; until then `kind` reads `streamable-http`.
 */
import type { JSONRPCMessage, TransportSendOptions } from "@modelcontextprotocol/client";
import { isMcpSseError } from "../../errors.js";
import { oauthOf } from "../auth/server-oauth.js";
import { DelegatingTransport } from "./delegate.js";
import { alreadyStarted, notConnected } from "./errors.js";
import { LegacySseClientTransport } from "./sse.js";
import { StreamableHttpClientTransport } from "./streamable-http.js";
import type { ClientTransportOptions, McpSseClientTransport } from "./types.js";

/** Statuses of a Streamable HTTP POST that mean "this is a legacy SSE server" (spec). */
export const AUTO_FALLBACK_STATUSES: readonly number[] = [400, 404, 405];

export class AutoClientTransport extends DelegatingTransport {
  private readonly options: ClientTransportOptions;
  private started = false;
  private deciding: Promise<void> | undefined;

  constructor(options: ClientTransportOptions) {
    super();
    // Both candidates share one OAuth state (a 401's challenge, the flow in progress).
    const oauth = oauthOf(options);
    this.options = oauth === undefined ? options : { ...options, oauth };
  }

  get kind(): McpSseClientTransport["kind"] {
    return this.inner?.kind ?? "streamable-http";
  }

  async start(): Promise<void> {
    if (this.started) throw alreadyStarted(this.options.server.name);
    this.started = true;
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closed || !this.started) throw notConnected(this.options.server.name, this.closed);
    if (this.deciding === undefined) {
      this.deciding = this.decide(message, options);
      return this.deciding;
    }
    // Messages sent while the choice is being made wait for it.
    await this.deciding;
    const inner = this.inner;
    if (inner === undefined) throw notConnected(this.options.server.name, true);
    return inner.send(message, options);
  }

  private async decide(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const log = this.options.logger;
    const streamable = new StreamableHttpClientTransport(this.options);
    this.attach(streamable);
    await streamable.start();
    try {
      await streamable.send(message, options);
      log?.debug({ server: this.options.server.name }, "auto: using Streamable HTTP");
      return;
    } catch (error) {
      const status = isMcpSseError(error, "CLIENT_HTTP_STATUS")
        ? error.details["status"]
        : undefined;
      if (typeof status !== "number" || !AUTO_FALLBACK_STATUSES.includes(status)) throw error;
      log?.info(
        { server: this.options.server.name, status },
        "auto: Streamable HTTP POST refused; falling back to legacy SSE",
      );
    }
    await this.detach(streamable);
    if (this.closed) throw notConnected(this.options.server.name, true);
    const legacy = new LegacySseClientTransport(this.options);
    this.attach(legacy);
    await legacy.start();
    await legacy.send(message);
  }
}
