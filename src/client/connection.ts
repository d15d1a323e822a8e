/**
 * One server's connection: an SDK v2 `Client` over a transport from `createClientTransport`,
 * driven by the explicit state machine in `state.ts`. A transport that closes unexpectedly
 * (session lost, reconnects exhausted, unauthorized, process exited) is replaced by a NEW
 * transport + Client (re-initialize) with backoff, up to `maxReconnects`; stream drops that
 * can be resumed inside one session are the transport's job and never reach this level.
 */
import { Client, type Tool } from "@modelcontextprotocol/client";
import { isToolAllowed } from "../config/tools.js";
import { isMcpSseError, McpSseError } from "../errors.js";
import type { Logger } from "../logger.js";
import { sleep } from "../sse/backoff.js";
import { DEFAULT_STABLE_CONNECTION_MS } from "../sse/reader-options.js";
import { CLIENT_AUTH_REQUIRED } from "./auth/server-oauth.js";
import {
  CLIENT_CLOSED,
  CLIENT_NOT_READY,
  CLIENT_TIMEOUT,
  CLIENT_UNKNOWN_TOOL,
} from "./call-errors.js";
import { ConnectionCredentials } from "./connection-credentials.js";
import {
  type CallOptions,
  CLIENT_INFO,
  type ConnectionOptions,
  connectFailed,
  reconnectDelay,
} from "./connection-options.js";
import { ConnectionStatus } from "./connection-status.js";
import { CLIENT_AUTH_EVENT, ErrorEventPolicy, type ErrorEventTarget } from "./error-events.js";
import { notificationToEvent, sseEventToEvent } from "./events.js";
import { Liveness } from "./liveness.js";
import { redactingLogger } from "./redacting-logger.js";
import type { ServerConnection } from "./server-connection.js";
import { clientCapabilities, installServerRequestHandlers } from "./server-requests.js";
import type { ConnectionState } from "./state.js";
import { runToolCall } from "./tool-call.js";
import { CLIENT_FEED_DETECTED } from "./transports/handoff.js";

export {
  type CallOptions,
  CLIENT_INFO,
  type ConnectionOptions,
  DEFAULT_BACKOFF_JITTER,
  type RefreshToken,
  reconnectDelay,
  type TransportFactory,
} from "./connection-options.js";

export class Connection implements ServerConnection, ErrorEventTarget {
  readonly name: string;
  private readonly status: ConnectionStatus;
  private _tools: Tool[] = [];
  private client: Client | undefined;
  /** Bumped for every new Client: callbacks of an older one are ignored. */
  private generation = 0;
  private readonly liveness: Liveness;
  /** Losses in a row that came within DEFAULT_STABLE_CONNECTION_MS of being ready. */
  private quickLosses = 0;
  private readonly lifetime = new AbortController();
  private readonly log: Logger;
  /** The guide's error events (AUTHENTICATION_FAILED, RATE_LIMITED, …): see error-events.ts. */
  private readonly errorEvents: ErrorEventPolicy;
  private readonly credentials: ConnectionCredentials;

  constructor(private readonly options: ConnectionOptions) {
    this.name = options.server.name;
    const credentials = new ConnectionCredentials(options, () => this.log);
    this.credentials = credentials;
    const log = options.logger.child?.({ server: this.name }) ?? options.logger;
    // Every line of this server (its transport's too) is redacted with its secret_headers
    // and OAuth tokens.
    this.log = redactingLogger(
      log,
      options.server.secretHeaders,
      () => credentials.headers(),
      () => credentials.oauth?.secretValues() ?? [],
    );
    this.status = new ConnectionStatus(this.name, () => this.log, options.emit);
    this.liveness = new Liveness({
      intervalMs: options.server.pingIntervalMs,
      timeoutMs: options.server.timeoutMs,
      log: this.log,
      isCurrent: (client) => client === this.client && this.isLive(),
      onDead: (error) => this.onLost(error),
    });
    this.errorEvents = new ErrorEventPolicy(options.server, this, this.log, credentials.canRefresh);
  }

  get state(): ConnectionState {
    return this.status.state;
  }
  get error(): Error | undefined {
    return this.status.error;
  }
  get connectedSince(): number | undefined {
    return this.status.connectedSince;
  }
  /**
   * The values this server's requests carry (configured and refreshed headers, and the
   * credential of `Bearer <token>`): the manager scrubs them from what it hands out.
   */
  secretValues(): string[] {
    return this.credentials.secretValues();
  }
  /** The server's tools after `tools.allow/deny` (kept while reconnecting, none once failed). */
  get tools(): readonly Tool[] {
    return this._tools;
  }

  /** First connect: resolves once `ready` or `failed` (never rejects). */
  async start(): Promise<void> {
    this.status.announce(undefined, "connecting");
    try {
      await this.openWithAuth(undefined);
      this.setState("ready");
    } catch (error) {
      // An event feed, handed over to `onFeedDetected`: not a failure of this server.
      if (this.status.state === "closed" || isMcpSseError(error, CLIENT_FEED_DETECTED)) return;
      this.reportError(error);
      this.setState("failed", error);
    }
  }

  async call(tool: string, args: Record<string, unknown>, options: CallOptions = {}) {
    // During a RATE_LIMITED pause: wait for its end (within the timeout) or fail at once.
    // Checked first: outside a pause a call takes no extra turn.
    if (this.errorEvents.paused)
      options = await this.errorEvents.admitCall(tool, options, this.lifetime.signal);
    const server = this.name;
    const client = this.client;
    if (this.status.state !== "ready" || client === undefined)
      throw new McpSseError(
        this.status.state === "closed" ? CLIENT_CLOSED : CLIENT_NOT_READY,
        `Server "${server}" is ${this.status.state}, not ready${this.status.error ? ` (${this.status.error.message})` : ""}; check servers() or retry later.`,
        { details: { server, tool, state: this.status.state } },
      );
    if (!this._tools.some((t) => t.name === tool))
      throw new McpSseError(
        CLIENT_UNKNOWN_TOOL,
        `Server "${server}" has no tool "${tool}" (or it is filtered by tools.allow/deny); its tools: ${this._tools.map((t) => t.name).join(", ") || "none"}.`,
        { details: { server, tool } },
      );
    try {
      return await runToolCall(client, tool, args, options, {
        server: this.options.server,
        emit: this.options.emit,
        closed: () => this.lifetime.signal.aborted,
      });
    } catch (error) {
      // A slow tool, or a dead stream? A ping tells (see liveness.ts).
      if (isMcpSseError(error, CLIENT_TIMEOUT)) this.liveness.probe(client);
      throw error;
    }
  }

  /**
   * Send `notifications/roots/list_changed` if this server is ready (one that is not will list
   * the roots anew when it re-initializes). A failure becomes an `error` event, not a throw.
   */
  async notifyRootsChanged(): Promise<void> {
    const client = this.client;
    if (this.status.state !== "ready" || client === undefined) return;
    try {
      await client.sendRootsListChanged();
    } catch (error) {
      if (client === this.client) this.reportError(error);
    }
  }

  readyClient(): Client | undefined {
    return this.status.state === "ready" ? this.client : undefined;
  }

  async close(): Promise<void> {
    if (this.status.state === "closed") return;
    this.setState("closed");
    this.lifetime.abort();
    this.errorEvents.close();
    this.liveness.stop();
    this.generation += 1;
    const client = this.client;
    this.client = undefined;
    if (client !== undefined) await this.closeClient(client);
  }

  /** Connect once; on 401 with a `refreshToken`, refresh the headers and connect once more. */
  private openWithAuth(previous: unknown): Promise<void> {
    return this.credentials.openWith(
      () => this.open(),
      previous,
      () => this.lifetime.signal.aborted,
    );
  }

  /** A new transport + Client, initialized, with its tools listed. */
  private async open(): Promise<void> {
    const generation = ++this.generation;
    const current = () => generation === this.generation && this.status.state !== "closed";
    const { server } = this.options;
    const transport = this.options.createTransport({
      server,
      logger: this.log,
      getHeaders: () => this.credentials.headers(),
      ...(this.credentials.oauth === undefined ? {} : { oauth: this.credentials.oauth }),
      onStreamState: (change) => {
        if (!current()) return;
        this.log.debug({ stream: change.stream, state: change.state }, "stream state");
        if (change.state === "reconnecting") this.options.onStreamReconnect?.();
      },
      onStreamEvent: (event) => {
        if (current()) this.options.emit(sseEventToEvent(this.name, event));
      },
      // Feed detection only on the first connect: a server does not change kind on reconnect.
      ...(this.options.onFeedDetected !== undefined && this.status.state === "connecting"
        ? { onFeedDetected: this.options.onFeedDetected }
        : {}),
    });
    const { handlers } = this.options;
    const client = new Client(CLIENT_INFO, { capabilities: clientCapabilities(handlers) });
    installServerRequestHandlers(client, handlers, this.name, this.log);
    client.fallbackNotificationHandler = async (notification) => {
      if (!current()) return;
      const event = notificationToEvent(this.name, notification);
      this.options.emit(event);
      this.errorEvents.observe(event);
      if (notification.method === "notifications/tools/list_changed")
        this.refreshTools(client)
          .then((changed) => {
            // The list_changed event came before the new list; this one says it is in place.
            if (changed && current())
              this.options.emit({
                server: this.name,
                type: "tools_updated",
                data: { tools: this._tools.map((t) => t.name) },
                receivedAt: Date.now(),
              });
          })
          .catch((error: unknown) => this.reportError(error));
    };
    client.onerror = (error) => {
      if (current()) this.reportError(error);
    };
    client.onclose = () => {
      if (current() && this.isLive()) this.onLost(new Error("transport closed"));
    };
    this.client = client;
    try {
      await client.connect(transport, { timeout: server.timeoutMs });
      await this.refreshTools(client);
    } catch (error) {
      if (this.client === client) this.client = undefined;
      // Invalidate this client's callbacks before closing it.
      if (generation === this.generation) this.generation += 1;
      await this.closeClient(client);
      throw isMcpSseError(error) ? error : connectFailed(server, error);
    }
    if (!current()) {
      await this.closeClient(client);
      throw new McpSseError(CLIENT_CLOSED, `Server "${this.name}" was closed while connecting.`);
    }
    this.liveness.start(client);
    this.options.onSessionReady?.(client);
  }

  /** Lists the tools again; true when this client is still the current one (the list was set). */
  private async refreshTools(client: Client): Promise<boolean> {
    const { tools } = await client.listTools(undefined, {
      timeout: this.options.server.timeoutMs,
    });
    if (client !== this.client) return false;
    this._tools = tools.filter((t) => isToolAllowed(this.options.server.tools, t.name));
    this.log.debug({ count: this._tools.length }, "tools listed");
    return true;
  }

  /** The live connection died: drop its Client (failing its calls) and reconnect. */
  private onLost(error: unknown): void {
    const old = this.client;
    this.generation += 1;
    this.client = undefined;
    this.liveness.stop();
    const cause = this.status.error ?? error;
    // A session lost right after it was ready keeps the backoff growing (see reconnect()).
    const since = this.status.connectedSince;
    const quick = since !== undefined && Date.now() - since < DEFAULT_STABLE_CONNECTION_MS;
    this.quickLosses = quick ? this.quickLosses + 1 : 0;
    this.setState("reconnecting", cause);
    if (old !== undefined) void this.closeClient(old);
    void this.reconnect(cause);
  }

  private async reconnect(cause: unknown): Promise<void> {
    const { maxReconnects, reconnectIntervalMs } = this.options.server;
    let last = cause;
    // Only the user can authorize (finishAuth): reconnecting would open the page again.
    for (let attempt = 1; attempt <= maxReconnects && !authRequired(last); attempt += 1) {
      // Quick losses pace the backoff, they do not count towards max_reconnects: a server
      // that drops every session at once is re-initialized on the schedule, not in a loop.
      const delayMs = reconnectDelay(
        attempt + this.quickLosses,
        reconnectIntervalMs,
        this.options.random ?? Math.random,
      );
      await sleep(delayMs, this.lifetime.signal);
      // RATE_LIMITED pauses reconnects too.
      await this.errorEvents.untilResumed(this.lifetime.signal);
      if (this.lifetime.signal.aborted) return;
      this.options.onReconnectAttempt?.();
      this.log.info({ attempt, maxReconnects, delayMs }, "reconnecting");
      try {
        await this.openWithAuth(last);
        if (this.status.state !== "reconnecting") return;
        this.setState("ready");
        return;
      } catch (error) {
        if (this.lifetime.signal.aborted) return;
        last = error;
        this.reportError(error);
      }
    }
    if (this.status.state === "reconnecting") this.setState("failed", last);
  }

  /**
   * Complete an OAuth authorization the server was waiting for (`CLIENT_AUTH_REQUIRED`):
   * exchange the code, then connect again at once if the server had failed for want of it.
   */
  async finishAuth(authorizationCode: string, iss?: string): Promise<void> {
    await this.credentials.finishAuth(authorizationCode, iss);
    if (this.status.state !== "failed" || this.lifetime.signal.aborted) return;
    this.setState("reconnecting");
    // Read through a call: the state may have changed (close) while this awaited.
    const reconnecting = () => this.state === "reconnecting";
    try {
      await this.openWithAuth(undefined);
      if (reconnecting()) this.setState("ready");
    } catch (error) {
      if (!reconnecting()) return;
      this.reportError(error);
      this.setState("failed", error);
      throw error;
    }
  }

  /** Connected: ready, or paused by a RATE_LIMITED error event. */
  private isLive(): boolean {
    return this.status.state === "ready" || this.status.state === "paused";
  }

  // ErrorEventTarget: what the guide's error events (error-events.ts) ask of this connection.

  /** AUTHENTICATION_FAILED: refreshed credentials, then a new session with them. */
  async reauthenticate(): Promise<void> {
    if (!this.credentials.canRefresh) return;
    await this.credentials.refresh();
    if (this.isLive())
      this.onLost(
        new McpSseError(
          CLIENT_AUTH_EVENT,
          `Server "${this.name}" sent an AUTHENTICATION_FAILED error event; reconnecting with refreshed credentials.`,
          { details: { server: this.name } },
        ),
      );
  }

  setPaused(paused: boolean): void {
    // Only a live session pauses: a reconnect loop already waits for the pause on its own.
    if (paused && this.status.state === "ready") this.setState("paused");
    else if (!paused && this.status.state === "paused") this.setState("ready");
  }

  fail(error: McpSseError): void {
    if (this.status.state === "closed" || this.status.state === "failed") return;
    const old = this.client;
    this.generation += 1;
    this.client = undefined;
    this.liveness.stop();
    this.reportError(error);
    this.setState("failed", error);
    if (old !== undefined) void this.closeClient(old);
  }

  report(error: unknown): void {
    this.reportError(error);
  }

  private async closeClient(client: Client): Promise<void> {
    try {
      await client.close();
    } catch (error) {
      this.log.debug({ err: error }, "closing the MCP client failed");
    }
  }

  private reportError(error: unknown): void {
    this.status.report(error);
  }

  private setState(to: ConnectionState, error?: unknown): void {
    // A reconnecting server keeps its tools (a stable tool set for the agent; calls fail
    // fast with CLIENT_NOT_READY meanwhile); a failed one has none.
    if (this.status.set(to, error) && to === "failed") this._tools = [];
  }
}

function authRequired(error: unknown): boolean {
  return isMcpSseError(error, CLIENT_AUTH_REQUIRED);
}
