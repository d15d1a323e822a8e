/**
 * Legacy HTTP+SSE client transport (MCP 2024-11-05): `GET url` opens the event stream, whose
 * first `endpoint` event names where to POST messages; every server message arrives as a
 * `message` event on that one stream.
 *
 * Resumption: when the stream drops, the reader reconnects with `Last-Event-ID` (backoff
 * base `server.reconnectIntervalMs`, up to `server.maxReconnects` attempts). A server that
 * resumes the session re-sends the same endpoint (or none) and the transport carries on; a
 * server that started a NEW session names a different endpoint, and the transport ends
 * with `CLIENT_SESSION_LOST` so the manager re-initializes instead of staying deaf.
 *
 * Feed detection (`onFeedDetected`, see handoff.ts): when the first event is not `endpoint`,
 * the open stream is handed over to an event-feed connection and `start()` rejects with the
 * internal `CLIENT_FEED_DETECTED`. Without the option, behaviour is unchanged.
 */
import type { JSONRPCMessage, TransportSendOptions } from "@modelcontextprotocol/client";
import { isMcpSseError, McpSseError, redactUrl } from "../../errors.js";
import type { HttpFetch } from "../../sse/http-response.js";
import { openEventStream } from "../../sse/reader.js";
import type { SseEvent } from "../../sse/types.js";
import { ClientTransportBase } from "./base.js";
import {
  alreadyStarted,
  badEndpoint,
  isRetryable,
  notConnected,
  requireUrl,
  sessionLost,
  streamEndError,
} from "./errors.js";
import { feedDetected, StreamRelay, type StreamSink } from "./handoff.js";
import { parseJsonRpc } from "./jsonrpc.js";
import { postWithBackoff } from "./post.js";
import { settleBody } from "./request.js";
import type { ClientTransportOptions, McpSseClientTransport } from "./types.js";

type EventStreamHandle = ReturnType<typeof openEventStream>;

export class LegacySseClientTransport extends ClientTransportBase implements McpSseClientTransport {
  readonly kind = "sse" as const;
  private readonly url: URL;
  /** POSTs: the header source merged in by a fetch wrapper. */
  private readonly fetch: HttpFetch;
  /** The GET stream: the reader adds the headers itself (`streamHeaders`), to scrub them. */
  private readonly streamFetch: typeof globalThis.fetch;
  private endpoint: URL | undefined;
  private stream: EventStreamHandle | undefined;
  /** Where the reader's callbacks go: this transport, until a feed takes the stream over. */
  private sink: StreamSink;
  private startWaiter:
    | { resolve: () => void; reject: (e: Error) => void; timer?: ReturnType<typeof setTimeout> }
    | undefined;

  constructor(options: ClientTransportOptions) {
    super(options);
    this.url = requireUrl(options);
    this.fetch = this.makeFetch();
    this.streamFetch = this.makeBareFetch();
    this.sink = {
      onEvent: (event) => this.onEvent(event),
      onStateChange: (c) => this.streamState("sse", c),
      onError: (error) => this.logStreamError("sse stream error", error),
      shouldReconnect: (error) => isRetryable(error),
      headers: () => this.streamHeaders({ Accept: "text/event-stream" }),
      onDone: (error) => this.onStreamDone(error),
    };
  }

  /**
   * Always undefined, on purpose: the SDK `Client.connect` skips `initialize` when a
   * transport already has a `sessionId` (Streamable HTTP session resumption). The legacy
   * session id is in `legacySessionId`.
   */
  readonly sessionId = undefined;

  /** The session id from the endpoint URL (`?sessionId=`), once the endpoint is known. */
  get legacySessionId(): string | undefined {
    return this.endpoint?.searchParams.get("sessionId") ?? undefined;
  }

  /** Resolves once the `endpoint` event has arrived; rejects typed on failure or timeout. */
  start(): Promise<void> {
    if (this.started) return Promise.reject(alreadyStarted(this.server.name));
    this.started = true;
    const { server } = this;
    return new Promise<void>((resolve, reject) => {
      this.startWaiter = { resolve, reject };
      if (server.timeoutMs > 0) {
        this.startWaiter.timer = setTimeout(() => {
          this.endWith(
            new McpSseError(
              "CLIENT_ENDPOINT_TIMEOUT",
              `Server "${server.name}" at ${redactUrl(this.url)} sent no "endpoint" event within ${server.timeoutMs} ms; is it a legacy SSE (2024-11-05) server?`,
              {
                details: {
                  server: server.name,
                  url: redactUrl(this.url),
                  timeoutMs: server.timeoutMs,
                },
              },
            ),
          );
        }, server.timeoutMs);
      }
      // No `signal`: `teardown` closes the stream unless it was handed over to a feed.
      this.stream = openEventStream({
        url: this.url.href,
        method: "GET",
        headers: () => this.sink.headers(),
        fetch: this.streamFetch,
        ...this.streamPolicy(),
        onEvent: (event: SseEvent) => this.sink.onEvent(event),
        onStateChange: (c) => this.sink.onStateChange(c),
        onError: (error: McpSseError) => this.sink.onError(error),
        shouldReconnect: (error: McpSseError) => this.sink.shouldReconnect(error),
      });
      // The reader's `done` never rejects; `error` says why it gave up.
      const stream = this.stream;
      void stream.done.then(() => this.sink.onDone(stream.error));
    });
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const endpoint = this.endpoint;
    if (this.closed || endpoint === undefined) throw notConnected(this.server.name, this.closed);
    const request = await postWithBackoff({
      fetch: this.fetch,
      url: endpoint.href,
      serverName: this.server.name,
      // A call's own headers (`call(…, { headers })`) go on the POST that carries it.
      headers: { ...this.messageHeaders(options?.headers), "Content-Type": "application/json" },
      body: JSON.stringify(message),
      timeoutMs: this.server.timeoutMs,
      fallbackDelayMs: this.server.reconnectIntervalMs,
      signals: [this.lifetime.signal],
      secrets: () => [...this.secrets],
    }).catch((error: unknown) => {
      // A session the server no longer knows: the stream may look alive, but every POST fails.
      if (isMcpSseError(error, "CLIENT_HTTP_STATUS") && error.details["status"] === 404)
        this.finish(sessionLost(this.server.name, "the server answered 404 to a POST", error), {
          defer: true,
        });
      else if (isMcpSseError(error, "CLIENT_UNAUTHORIZED")) this.finish(error, { defer: true });
      throw error;
    });
    // The answer comes on the SSE stream; the POST body is just "Accepted": read (not
    // cancelled) in the background, under the POST's timeout.
    void settleBody(request.response).finally(request.clearTimeout);
  }

  async close(): Promise<void> {
    this.finish();
    await this.stream?.done;
    await this.releaseFetch();
  }

  protected teardown(): void {
    this.stream?.close();
    this.failStart(
      new McpSseError(
        "CLIENT_CLOSED",
        `Transport for server "${this.server.name}" was closed before it connected.`,
        {
          details: { server: this.server.name },
        },
      ),
    );
  }

  private onEvent(event: SseEvent): void {
    if (this.endpoint === undefined && event.type !== "endpoint" && this.handOver(event)) return;
    if (event.type === "endpoint") {
      this.onEndpoint(event.data);
      return;
    }
    if (event.type !== "message") {
      this.options.onStreamEvent?.(event);
      return;
    }
    const parsed = parseJsonRpc(event.data, this.server.name);
    if (parsed instanceof McpSseError) {
      this.emitError(parsed);
      return;
    }
    for (const m of parsed) this.deliver(m);
  }

  /**
   * The first event is not `endpoint`: with `onFeedDetected`, give the stream (reader, pool,
   * this event) to the feed connection and fail `start()` with `CLIENT_FEED_DETECTED`.
   */
  private handOver(first: SseEvent): boolean {
    const onFeedDetected = this.options.onFeedDetected;
    const stream = this.stream;
    if (onFeedDetected === undefined || stream === undefined || this.startWaiter === undefined)
      return false;
    const relay = new StreamRelay(this.url, stream, this.relinquishFetch(), this.sink, this.log);
    this.sink = relay;
    this.stream = undefined;
    relay.onEvent(first);
    this.log.debug(
      { firstType: first.type },
      "legacy SSE: first event is not endpoint; event feed",
    );
    onFeedDetected(relay);
    this.failStart(feedDetected(this.server.name, this.url, first.type));
    return true;
  }

  private onEndpoint(data: string): void {
    let next: URL;
    try {
      next = new URL(data.trim(), this.url);
    } catch (cause) {
      this.endWith(badEndpoint(this.server.name, this.url, "is not a valid URL", cause));
      return;
    }
    if (next.origin !== this.url.origin) {
      this.endWith(
        badEndpoint(this.server.name, this.url, `is on another origin (${next.origin})`),
      );
      return;
    }
    if (this.endpoint === undefined) {
      this.endpoint = next;
      this.log.debug({ sessionId: this.legacySessionId }, "legacy SSE endpoint received");
      const waiter = this.startWaiter;
      this.startWaiter = undefined;
      if (waiter?.timer !== undefined) clearTimeout(waiter.timer);
      waiter?.resolve();
      return;
    }
    if (next.href === this.endpoint.href) {
      this.log.debug({ sessionId: this.legacySessionId }, "legacy SSE session resumed");
      return;
    }
    this.finish(
      sessionLost(
        this.server.name,
        "after reconnecting, the server named a different session endpoint (it cannot resume)",
      ),
    );
  }

  private onStreamDone(why: McpSseError | undefined): void {
    if (this.closed) return;
    this.endWith(streamEndError(this.server, this.url, why, "sse", [...this.secrets]));
  }

  /**
   * End the transport with `error`: `onerror`, then `onclose` (the manager reconnects or
   * gives up on that signal), and a pending `start()` rejects with the same error.
   */
  private endWith(error: McpSseError | Error): void {
    this.failStart(error);
    this.finish(error);
  }

  private failStart(error: Error): void {
    const waiter = this.startWaiter;
    if (waiter === undefined) return;
    this.startWaiter = undefined;
    if (waiter.timer !== undefined) clearTimeout(waiter.timer);
    waiter.reject(error);
  }
}
