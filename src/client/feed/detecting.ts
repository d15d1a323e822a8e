/**
 * `kind: auto` over a transport that may reach a legacy SSE stream (`sse`, `auto`): an MCP
 * `Connection` that, when the stream's first event is not `endpoint`, continues as a
 * `FeedConnection` on the very stream it opened (see transports/handoff.ts). Detection costs
 * MCP servers nothing: no extra request, no extra wait; the first event decides.
 */
import type { CallToolResult, Tool } from "@modelcontextprotocol/client";
import { type CallOptions, Connection, type ConnectionOptions } from "../connection.js";
import type { ServerConnection } from "../server-connection.js";
import type { ConnectionState } from "../state.js";
import type { FeedHandoff } from "../transports/handoff.js";
import { FeedConnection } from "./connection.js";

export class DetectingConnection implements ServerConnection {
  readonly name: string;
  private current: ServerConnection;
  private handoff: FeedHandoff | undefined;
  private closed = false;

  constructor(private readonly options: ConnectionOptions) {
    this.name = options.server.name;
    this.current = new Connection({
      ...options,
      onFeedDetected: (handoff) => {
        this.handoff = handoff;
      },
    });
  }

  get state(): ConnectionState {
    return this.current.state;
  }
  get error(): Error | undefined {
    return this.current.error;
  }
  get connectedSince(): number | undefined {
    return this.current.connectedSince;
  }
  get tools(): readonly Tool[] {
    return this.current.tools;
  }

  async start(): Promise<void> {
    await this.current.start();
    const handoff = this.handoff;
    this.handoff = undefined;
    if (handoff === undefined) return;
    if (this.closed) {
      await handoff.close();
      return;
    }
    const { server, logger, emit, refreshToken, authProvider } = this.options;
    const { onReconnectAttempt, onStreamReconnect } = this.options;
    logger.info({ server: this.name }, "the server is a plain SSE event feed (kind auto)");
    this.current = new FeedConnection({
      server,
      logger,
      emit,
      handoff,
      ...(refreshToken === undefined ? {} : { refreshToken }),
      ...(authProvider === undefined ? {} : { authProvider }),
      ...(this.options.fetch === undefined ? {} : { fetch: this.options.fetch }),
      ...(onReconnectAttempt === undefined ? {} : { onReconnectAttempt }),
      ...(onStreamReconnect === undefined ? {} : { onStreamReconnect }),
    });
    await this.current.start();
  }

  call(
    tool: string,
    args: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<CallToolResult> {
    return this.current.call(tool, args, options);
  }

  secretValues(): string[] {
    return this.current.secretValues();
  }

  finishAuth(authorizationCode: string, iss?: string): Promise<void> {
    return this.current.finishAuth(authorizationCode, iss);
  }

  notifyRootsChanged(): Promise<void> {
    return this.current.notifyRootsChanged();
  }

  readyClient() {
    return this.current.readyClient();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.current.close();
    const handoff = this.handoff;
    this.handoff = undefined;
    await handoff?.close();
  }
}
