/**
 * A plain SSE event feed (the guide's `GET /mcp/sse` + `POST /mcp/rpc` servers) as a
 * `ServerConnection`: the stream's JSON events become `McpsEvent`s, tools go over the RPC URL.
 * The stream reconnects through the SSE reader (backoff from `reconnect_interval`, up to
 * `max_reconnects` failures in a row, `Last-Event-ID` when the feed sends ids), exactly like a
 * legacy MCP stream; the reader giving up is `failed`. A stream handed over by the legacy
 * transport (`handoff`) is read on from where it was: no event is lost, no request repeated.
 */
import type { CallToolResult, OAuthClientProvider, Tool } from "@modelcontextprotocol/client";
import { isToolAllowed } from "../../config/tools.js";
import type { ServerConfig } from "../../config/types.js";
import { isMcpSseError, McpSseError, redactUrl } from "../../errors.js";
import type { Logger } from "../../logger.js";
import type { HttpFetch } from "../../sse/http-response.js";
import type { StreamStateChange } from "../../sse/reader-options.js";
import type { SseEvent } from "../../sse/types.js";
import { oauthOf } from "../auth/server-oauth.js";
import {
  CLIENT_INVALID_OPTION,
  CLIENT_REFRESH_FAILED,
  isUnauthorized,
  toCallError,
} from "../call-errors.js";
import { checkCallHeaders } from "../call-headers.js";
import type { CallOptions, RefreshToken } from "../connection.js";
import { ConnectionStatus } from "../connection-status.js";
import { dispatchOf } from "../dispatch-mark.js";
import { ErrorEventPolicy, type ErrorEventTarget } from "../error-events.js";
import type { McpsEvent } from "../events.js";
import { redactingLogger } from "../redacting-logger.js";
import type { ServerConnection } from "../server-connection.js";
import type { ConnectionState } from "../state.js";
import { defaultFetch, mergeHeaders, type OwnedFetch, withHeaders } from "../transports/base.js";
import { isRetryable, requireUrl, streamEndError } from "../transports/errors.js";
import type { FeedHandoff } from "../transports/handoff.js";
import { checkCall } from "./call-checks.js";
import { FeedCredentials } from "./credentials.js";
import { feedEventToEvent } from "./events.js";
import { FeedStream } from "./feed-stream.js";
import { FeedRpc } from "./rpc.js";

export interface FeedConnectionOptions {
  server: ServerConfig;
  logger: Logger;
  /** Receives every event of this feed (its events, state, error), in order. */
  emit: (event: McpsEvent) => void;
  refreshToken?: RefreshToken;
  /** OAuth: the bearer token on the stream and every RPC, the flow on 401 (server-oauth.ts). */
  authProvider?: OAuthClientProvider;
  /** Called on every reconnect attempt of the stream (metrics). */
  onReconnectAttempt?: () => void;
  onStreamReconnect?: () => void;
  /** A stream the legacy SSE transport opened and found to be a feed: read on from it. */
  handoff?: FeedHandoff;
  /** The fetch for the stream and the RPC (tests). Default: a pool of the feed's own. */
  fetch?: typeof globalThis.fetch;
}

export class FeedConnection implements ServerConnection, ErrorEventTarget {
  readonly name: string;
  private readonly status: ConnectionStatus;
  private _tools: Tool[] = [];
  private readonly lifetime = new AbortController();
  private readonly log: Logger;
  private readonly url: URL;
  private readonly pool: OwnedFetch | undefined;
  private readonly bareFetch: typeof globalThis.fetch;
  private readonly credentials: FeedCredentials;
  private readonly rpc: FeedRpc;
  private readonly policy: ErrorEventPolicy;
  private readonly stream: FeedStream;
  /** Error events gave up on the server while it was still connecting. */
  private pendingFailure: McpSseError | undefined;
  /** While `start()` waits for the stream to open. */
  private opening: { resolve: () => void; reject: (error: unknown) => void } | undefined;

  constructor(private readonly options: FeedConnectionOptions) {
    const { server } = options;
    this.name = server.name;
    const log = options.logger.child?.({ server: this.name }) ?? options.logger;
    this.status = new ConnectionStatus(this.name, () => this.log, options.emit);
    const credentials = new FeedCredentials(
      server,
      options.refreshToken,
      () => this.log,
      oauthOf(options),
    );
    this.credentials = credentials;
    this.log = redactingLogger(
      log,
      server.secretHeaders,
      () => credentials.headers(),
      () => credentials.oauthSecretValues(),
    );
    this.url = requireUrl({ server });
    this.pool =
      options.handoff?.pool ?? (options.fetch === undefined ? defaultFetch(server) : undefined);
    this.bareFetch = credentials.authorized(
      (this.pool?.fetch ?? options.fetch) as typeof globalThis.fetch,
    );
    this.rpc = new FeedRpc({
      server,
      // Over our own pool without OAuth: request() instead of fetch (dispatch-request.ts).
      fetch: withHeaders<HttpFetch>(
        dispatchOf(this.bareFetch) ?? this.bareFetch,
        () => this.credentials.headers(),
        (v) => this.credentials.remember(v),
        this.name,
      ),
      secrets: () => this.credentials.secrets(),
      lifetime: this.lifetime.signal,
      // One refresh per RPC request that got a 401 (the request is then sent once more).
      refresh: async () => {
        if (!this.credentials.canRefresh) return false;
        await this.credentials.refresh();
        return !this.lifetime.signal.aborted;
      },
      log: this.log,
    });
    this.policy = new ErrorEventPolicy(server, this, this.log, options.refreshToken !== undefined);
    this.stream = new FeedStream({
      server,
      url: this.url,
      fetch: this.bareFetch,
      closed: () => this.lifetime.signal.aborted,
      headers: async () => {
        const headers = this.credentials.headers();
        this.credentials.remember(Object.values(headers));
        return mergeHeaders(headers, { Accept: "text/event-stream" });
      },
      // During a RATE_LIMITED pause the reader gives up; the feed reopens when it ends.
      shouldReconnect: (error) => isRetryable(error) && !this.policy.paused,
      onEvent: (event) => this.onStreamEvent(event),
      onState: (change) => this.onStreamState(change),
      onError: (error) => this.onStreamError(error),
      onDone: (error) => void this.onStreamDone(error),
    });
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
  get tools(): readonly Tool[] {
    return this._tools;
  }

  async start(): Promise<void> {
    const { handoff } = this.options;
    // A handed-over stream was announced `connecting` by the MCP attempt that found it.
    if (handoff === undefined) this.status.announce(undefined, "connecting");
    try {
      await this.openFirst(handoff);
      await this.listTools();
      if (this.pendingFailure !== undefined) throw this.pendingFailure;
      this.setState("ready");
      if (this.policy.paused) this.setState("paused");
    } catch (error) {
      if (this.status.state === "closed") return;
      void this.stream.close();
      this.status.report(error);
      this.setState("failed", error);
    }
  }

  async call(
    tool: string,
    args: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<CallToolResult> {
    const admitted = await this.policy.admitCall(tool, options, this.lifetime.signal);
    const timeoutMs = admitted.timeout ?? this.options.server.timeoutMs;
    const at = {
      server: this.name,
      state: this.status.state,
      error: this.status.error,
      tools: this._tools,
    };
    checkCall(at, tool, timeoutMs);
    const headers = checkCallHeaders(this.options.server, tool, options.headers);
    try {
      return await this.rpc.callTool(tool, args, timeoutMs, admitted.signal, headers);
    } catch (error) {
      throw toCallError(error, {
        server: this.name,
        tool,
        timeoutMs,
        signal: admitted.signal,
        closed: this.lifetime.signal.aborted,
      });
    }
  }

  secretValues(): string[] {
    return this.credentials.secretValues();
  }

  /** Feeds take non-interactive OAuth only (client credentials): nothing to finish. */
  async finishAuth(): Promise<void> {
    throw new McpSseError(
      CLIENT_INVALID_OPTION,
      `finishAuth("${this.name}"): server "${this.name}" is an event feed; feeds support OAuth without a user (client credentials), not the interactive flow.`,
      { details: { server: this.name } },
    );
  }

  /** A feed has no roots to hear about. */
  async notifyRootsChanged(): Promise<void> {}

  /** An event feed has no resources or prompts. */
  readyClient(): undefined {
    return undefined;
  }

  async close(): Promise<void> {
    if (this.status.state === "closed") return;
    this.setState("closed");
    this.lifetime.abort();
    this.policy.close();
    this.opening?.reject(
      new McpSseError("CLIENT_CLOSED", `Server "${this.name}" was closed while connecting.`),
    );
    await this.stream.close();
    await this.pool?.close();
  }

  // ErrorEventTarget: what the error-event policy asks of this feed.

  async reauthenticate(): Promise<void> {
    await this.credentials.refresh();
    if (this.lifetime.signal.aborted) return;
    this.log.info({}, "reconnecting the feed with refreshed credentials");
    void this.stream.close();
    this.reopen();
  }

  setPaused(paused: boolean): void {
    if (paused && (this.status.state === "ready" || this.status.state === "reconnecting"))
      this.setState("paused");
    else if (!paused && this.status.state === "paused")
      this.setState(this.stream.state === "open" ? "ready" : "reconnecting");
  }

  fail(error: McpSseError): void {
    if (this.status.state === "closed" || this.status.state === "failed") return;
    void this.stream.close();
    if (this.status.state === "connecting") {
      // The first connect gives up with it; start() reports it.
      this.pendingFailure = error;
      this.opening?.reject(error);
      return;
    }
    this.status.report(error);
    this.setState("failed", error);
  }

  report(error: unknown): void {
    this.status.report(error);
  }

  // The stream.

  /** Resolves once the first stream is open (a handed-over one is), within the timeout. */
  private openFirst(handoff: FeedHandoff | undefined): Promise<void> {
    const { timeoutMs, name } = this.options.server;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          this.opening?.reject(
            new McpSseError(
              "CLIENT_CONNECT_FAILED",
              `Event feed "${name}" did not open its stream within ${timeoutMs} ms.`,
              { details: { server: name, timedOut: true } },
            ),
          ),
        timeoutMs,
      );
      this.opening = {
        resolve: () => {
          clearTimeout(timer);
          this.opening = undefined;
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          this.opening = undefined;
          reject(error);
        },
      };
      if (handoff === undefined) this.stream.open();
      // Attaching may already have replayed the stream's end (then `opening` is settled).
      else if (this.stream.adopt(handoff)) this.opening?.resolve();
    });
  }

  private onStreamEvent(event: SseEvent): void {
    const out = feedEventToEvent(this.name, event, this.log);
    this.options.emit(out);
    this.policy.observe(out);
  }

  private onStreamState(change: StreamStateChange): void {
    this.log.debug({ state: change.state, attempt: change.attempt }, "feed stream state");
    if (change.state === "open") {
      this.credentials.opened();
      this.opening?.resolve();
      if (this.status.state === "reconnecting") {
        this.setState("ready");
        this.listTools().catch((error: unknown) => this.status.report(error));
      }
    } else if (change.state === "reconnecting") {
      this.options.onStreamReconnect?.();
      this.options.onReconnectAttempt?.();
      if (this.status.state === "ready") this.setState("reconnecting", change.error);
    }
  }

  private onStreamError(error: McpSseError): void {
    this.log.debug({ code: error.code }, "feed stream error");
    const refreshable = isUnauthorized(error) && this.credentials.refreshable;
    // A first connect fails at its first error (connectMcps resolves promptly), like MCP's.
    if (this.opening !== undefined && !refreshable) {
      const scrubbed = this.scrubbed(error);
      this.opening.reject(
        new McpSseError(
          "CLIENT_CONNECT_FAILED",
          `Could not open the event feed of server "${this.name}" (${redactUrl(this.url)}): ${scrubbed.message}`,
          { details: { server: this.name, timedOut: false }, cause: scrubbed },
        ),
      );
    }
  }

  /** The reader gave up: wait out a pause, refresh after a 401, or fail. */
  private async onStreamDone(error: McpSseError | undefined): Promise<void> {
    if (this.policy.paused) {
      await this.policy.untilResumed(this.lifetime.signal);
      if (!this.lifetime.signal.aborted) this.reopen();
      return;
    }
    try {
      if (isUnauthorized(error) && (await this.refreshAfter401())) {
        this.reopen();
        return;
      }
    } catch (refreshFailed) {
      error = refreshFailed as McpSseError;
    }
    if (this.lifetime.signal.aborted) return;
    const why = isMcpSseError(error, CLIENT_REFRESH_FAILED)
      ? error
      : streamEndError(this.options.server, this.url, error, "sse", this.credentials.secrets());
    // Still connecting: start() reports it.
    if (this.status.state === "connecting") this.opening?.reject(why);
    else if (this.status.state !== "failed") {
      this.status.report(why);
      this.setState("failed", why);
    }
  }

  private reopen(): void {
    if (this.status.state === "ready" || this.status.state === "paused")
      this.setState("reconnecting");
    this.stream.open();
  }

  // Tools and credentials.

  private async listTools(): Promise<void> {
    const tools = await this.rpc.listTools();
    this._tools = tools.filter((t) => isToolAllowed(this.options.server.tools, t.name));
    this.log.debug({ count: this._tools.length }, "feed tools listed");
  }

  /** After a 401: one refresh per failure streak; false when the connection closed meanwhile. */
  private async refreshAfter401(): Promise<boolean> {
    return (await this.credentials.refreshAfter401()) && !this.lifetime.signal.aborted;
  }

  private scrubbed(error: McpSseError): McpSseError {
    return this.credentials.scrub(error);
  }

  private setState(to: ConnectionState, error?: unknown): void {
    // A failed server has no tools; a reconnecting one keeps them (as MCP servers do).
    if (this.status.set(to, error) && to === "failed") this._tools = [];
  }
}
