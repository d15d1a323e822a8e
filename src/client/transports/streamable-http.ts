/**
 * Streamable HTTP client transport (MCP 2025-03-26 and later). Each message is POSTed to the
 * one MCP URL; the answer is 202 (notifications and responses), a JSON body, or an SSE
 * stream that carries the response (and related requests/notifications). After
 * `notifications/initialized` the standalone `GET` stream carries server-initiated messages
 * (405: the server has none, which is fine).
 *
 * Resumption: a request's SSE stream that drops before its response is resumed with
 * `GET` + `Last-Event-ID` (only possible once the server gave an event id); the standalone
 * stream reconnects the same way. A 404 for our session means the server forgot it:
 * `CLIENT_SESSION_LOST`, then `onclose`, and the manager re-initializes.
 */
import type { JSONRPCMessage, TransportSendOptions } from "@modelcontextprotocol/client";
import { isMcpSseError, McpSseError, redactUrl } from "../../errors.js";
import { sleep } from "../../sse/backoff.js";
import type { HttpFetch, HttpResponse } from "../../sse/http-response.js";
import { openEventStream } from "../../sse/reader.js";
import type { SseEvent } from "../../sse/types.js";
import { nodeBodyOf } from "../dispatch-mark.js";
import { type AnswerEnd, type AnswerStream, readAnswerStream } from "./answer-stream.js";
import { ClientTransportBase } from "./base.js";
import { alreadyStarted, isRetryable, notConnected, requireUrl, sessionLost } from "./errors.js";
import {
  isInitializedNotification,
  isInitializeRequest,
  parseJsonRpc,
  requestIds,
  responseId,
} from "./jsonrpc.js";
import { deleteSession, mediaType, postWithBackoff, readJsonRpcAnswer } from "./post.js";
import { settleBody } from "./request.js";
import {
  answerEnd,
  requestStreamEnd,
  type StreamEndContext,
  standaloneEnd,
} from "./streamable-ends.js";
import type { ClientTransportOptions, McpSseClientTransport, StreamName } from "./types.js";

type EventStreamHandle = ReturnType<typeof openEventStream>;

/**
 * How long a request's SSE answer may stay open after its last response before we close it,
 * ms. Servers end it right after that response; one that keeps it open holds a connection
 * for this long at most.
 */
export const REQUEST_STREAM_END_GRACE_MS = 1_000;
/** JSON-RPC error code for a request whose stream ended before its response (SDK: ConnectionClosed). */
export const STREAM_ENDED_RPC_CODE = -32000;

export class StreamableHttpClientTransport
  extends ClientTransportBase
  implements McpSseClientTransport
{
  readonly kind = "streamable-http" as const;
  /** Each request has its own POST (and stream): the SDK may cancel it via `requestSignal`. */
  readonly hasPerRequestStream = true;
  private readonly url: URL;
  /** POST and DELETE: the header source merged in by a fetch wrapper. */
  private readonly fetch: HttpFetch;
  /** GET streams: the reader adds the headers itself (`streamHeaders`), to scrub them. */
  private readonly streamFetch: typeof globalThis.fetch;
  private _sessionId: string | undefined;
  private protocolVersion: string | undefined;
  private standalone: EventStreamHandle | undefined;
  private readonly requestStreams = new Set<EventStreamHandle>();
  /** POST answers read without the full reader (answer-stream.ts). */
  private readonly answers = new Set<AnswerStream>();

  constructor(options: ClientTransportOptions) {
    super(options);
    this.url = requireUrl(options);
    this.fetch = this.makeFetch();
    this.streamFetch = this.makeBareFetch();
  }

  get sessionId(): string | undefined {
    return this._sessionId;
  }

  /** Called by the SDK when the initialize result names the protocol version. */
  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  async start(): Promise<void> {
    if (this.started) throw alreadyStarted(this.server.name);
    this.started = true;
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if (this.closed || !this.started) throw notConnected(this.server.name, this.closed);
    if (options?.resumptionToken !== undefined) {
      this.openRequestStream(undefined, requestIds(message), options, options.resumptionToken);
      return;
    }
    const initialize = isInitializeRequest(message);
    // `messageHeaders` drops the names the transport owns (RESERVED_CALL_HEADERS).
    const headers: Record<string, string> = {
      ...this.messageHeaders(options?.headers),
      ...this.sessionHeaders(!initialize),
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
    };
    const request = await postWithBackoff({
      fetch: this.fetch,
      url: this.url.href,
      serverName: this.server.name,
      headers,
      body: JSON.stringify(message),
      timeoutMs: this.server.timeoutMs,
      fallbackDelayMs: this.server.reconnectIntervalMs,
      signals: [this.lifetime.signal, options?.requestSignal],
      secrets: () => [...this.secrets],
    }).catch((error: unknown) => {
      this.onHttpFailure(error, initialize);
      throw error;
    });
    const { response } = request;
    if (initialize) this._sessionId = response.headers.get("mcp-session-id") ?? undefined;
    const ids = requestIds(message);
    const type = mediaType(response.headers.get("content-type"));
    if (response.status === 202 || (ids.length === 0 && type !== "text/event-stream")) {
      void settleBody(response).finally(request.clearTimeout);
      if (isInitializedNotification(message)) this.openStandalone();
      return;
    }
    if (type === "text/event-stream") {
      // The stream lives as long as the request; the SDK's request timeout and the reader's
      // idle timeout bound it from here on.
      request.clearTimeout();
      this.readAnswer(response, ids, options);
      return;
    }
    if (type === "application/json") {
      for (const m of await readJsonRpcAnswer(request, this.server, this.url.href)) this.deliver(m);
      return;
    }
    request.clearTimeout();
    await response.body?.cancel();
    throw new McpSseError(
      "CLIENT_BAD_RESPONSE",
      `POST ${redactUrl(this.url)} for server "${this.server.name}" answered ${response.status} with content type "${type}"; expected application/json or text/event-stream.`,
      { details: { server: this.server.name, status: response.status, contentType: type } },
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.abort();
    this.teardown();
    try {
      if (this._sessionId !== undefined)
        await deleteSession(
          {
            fetch: this.fetch,
            url: this.url.href,
            serverName: this.server.name,
            headers: this.sessionHeaders(),
            secrets: () => [...this.secrets],
          },
          this.server.timeoutMs,
          this.log,
        );
    } finally {
      await this.releaseFetch();
      this.onclose?.();
    }
  }

  protected teardown(): void {
    this.standalone?.close();
    for (const a of this.answers) a.close();
    this.answers.clear();
    for (const s of this.requestStreams) s.close();
    this.requestStreams.clear();
  }

  /** Session and protocol headers, as known now (read again at every reconnect). */
  private sessionHeaders(withSession = true): Record<string, string> {
    const h: Record<string, string> = {};
    if (withSession && this._sessionId !== undefined) h["Mcp-Session-Id"] = this._sessionId;
    if (this.protocolVersion !== undefined) h["MCP-Protocol-Version"] = this.protocolVersion;
    return h;
  }

  /** 401 and a forgotten session end the transport; everything else only fails this send. */
  private onHttpFailure(error: unknown, initialize: boolean): void {
    if (isMcpSseError(error, "CLIENT_UNAUTHORIZED")) {
      this.finish(error, { defer: true });
      return;
    }
    if (
      !initialize &&
      this._sessionId !== undefined &&
      isMcpSseError(error, "CLIENT_HTTP_STATUS") &&
      error.details["status"] === 404
    )
      this.finish(
        sessionLost(this.server.name, "the server answered 404 for our session id", error),
        {
          defer: true,
        },
      );
  }

  private readerOptions(stream: StreamName) {
    return {
      url: this.url.href,
      method: "GET",
      headers: () => this.streamHeaders({ Accept: "text/event-stream", ...this.sessionHeaders() }),
      fetch: this.streamFetch,
      ...this.streamPolicy(),
      onStateChange: (c: Parameters<typeof this.streamState>[1]) => this.streamState(stream, c),
    };
  }

  /** The standalone GET stream for server-initiated messages (opened once, after init). */
  private openStandalone(): void {
    if (this.standalone !== undefined || this.closed) return;
    const handle = openEventStream({
      ...this.readerOptions("standalone"),
      signal: this.lifetime.signal,
      onEvent: (event: SseEvent) => void this.onStreamEvent(event),
      onError: (error: McpSseError) => this.logStreamError("standalone stream error", error),
      shouldReconnect: (error: McpSseError) => isRetryable(error),
    });
    this.standalone = handle;
    // The reader's `done` never rejects; `error` says why it closed (undefined: by us).
    void handle.done.then(() => this.onStandaloneDone(handle));
  }

  private onStandaloneDone(handle: EventStreamHandle): void {
    if (this.closed) return;
    const end = standaloneEnd(handle, this.endContext());
    if (end.kind === "finish") this.finish(end.error);
    else if (end.kind === "warn") this.emitError(end.error);
    else this.log.debug({}, end.note);
  }

  private endContext(): StreamEndContext {
    return {
      server: this.server,
      url: this.url,
      hasSession: this._sessionId !== undefined,
      secrets: [...this.secrets],
    };
  }

  /**
   * Read a request's SSE answer (`initial`), or resume one by GET + `Last-Event-ID`
   * (`resumeFrom`). Closed once every response it owes has arrived.
   */
  private openRequestStream(
    initial: HttpResponse | undefined,
    ids: (string | number)[],
    options: TransportSendOptions | undefined,
    resumeFrom: string | undefined,
  ): void {
    const pending = new Set(ids);
    // On a resumed request the SDK wants the response under the original request id.
    const replayId = resumeFrom !== undefined && ids.length === 1 ? ids[0] : undefined;
    let lastEventId = resumeFrom ?? "";
    const signals = [this.lifetime.signal];
    if (options?.requestSignal !== undefined) signals.push(options.requestSignal);
    const signal = signals.length === 1 ? this.lifetime.signal : AbortSignal.any(signals);
    const handle: EventStreamHandle = openEventStream({
      ...this.readerOptions("request"),
      ...(initial !== undefined ? { initialResponse: initial } : {}),
      ...(resumeFrom !== undefined ? { lastEventId: resumeFrom } : {}),
      signal,
      onEvent: (event: SseEvent) => {
        if (event.lastEventId !== "" && event.lastEventId !== lastEventId) {
          lastEventId = event.lastEventId;
          options?.onresumptiontoken?.(lastEventId);
        }
        for (const m of this.onStreamEvent(event, replayId)) {
          const id = responseId(m);
          if (id !== undefined) pending.delete(id);
        }
        // Every response is in: the server ends the stream next (spec: SHOULD). Reading to
        // that end keeps the connection; cancelling now would abort it mid-body.
        if (pending.size === 0 && ids.length > 0) handle.closeAtEnd(REQUEST_STREAM_END_GRACE_MS);
      },
      onError: (error: McpSseError) => this.logStreamError("request stream error", error),
      // Without an event id there is nothing to resume: a bare GET would open the
      // standalone stream instead.
      shouldReconnect: (error: McpSseError) =>
        lastEventId !== "" && pending.size > 0 && isRetryable(error),
    });
    this.requestStreams.add(handle);
    // The reader's `done` never rejects; `error` says why it gave up (undefined: closed by us
    // or a clean end without reconnection).
    void handle.done.then(() => {
      this.requestStreams.delete(handle);
      if (this.closed || signal.aborted || pending.size === 0) return;
      const why = handle.error;
      this.onRequestStreamLost(pending, lastEventId === "" ? undefined : why, options, why);
    });
  }

  /**
   * A POST's SSE answer: read straight from its node stream (answer-stream.ts) when it has
   * one and no idle timeout is asked for, else by the full reader. An answer that breaks off
   * after an event id is resumed by the full reader (GET + `Last-Event-ID`), after the delay
   * the full reader would have waited.
   */
  private readAnswer(
    response: HttpResponse,
    ids: (string | number)[],
    options: TransportSendOptions | undefined,
  ): void {
    const body = this.streamPolicy().idleTimeoutMs > 0 ? undefined : nodeBodyOf(response);
    if (body === undefined) {
      this.openRequestStream(response, ids, options, undefined);
      return;
    }
    const pending = new Set(ids);
    let lastEventId = "";
    const answer: AnswerStream = readAnswerStream({
      url: this.url.href,
      body,
      signals: [this.lifetime.signal, options?.requestSignal],
      onEvent: (event) => {
        if (event.lastEventId !== "" && event.lastEventId !== lastEventId) {
          lastEventId = event.lastEventId;
          options?.onresumptiontoken?.(lastEventId);
        }
        for (const m of this.onStreamEvent(event)) {
          const id = responseId(m);
          if (id !== undefined) pending.delete(id);
        }
        // Every response is in: read to the server's end (keeps the connection), briefly.
        if (pending.size === 0 && ids.length > 0) answer.closeAtEnd(REQUEST_STREAM_END_GRACE_MS);
      },
      onError: (error) => this.logStreamError("request stream error", error),
      onEnd: (end) => {
        this.answers.delete(answer);
        if (this.closed || options?.requestSignal?.aborted || pending.size === 0) return;
        this.onAnswerBrokenOff(end, pending, options);
      },
    });
    this.answers.add(answer);
  }

  /** An answer ended before its responses: resume it if it can be, else fail them now. */
  private onAnswerBrokenOff(
    end: AnswerEnd,
    pending: Set<string | number>,
    options: TransportSendOptions | undefined,
  ): void {
    const next = answerEnd(end, this.streamPolicy());
    if (next.kind === "resume") {
      const { error, delayMs } = next;
      this.logStreamError("request stream error", error);
      this.streamState("request", { state: "reconnecting", attempt: 1, delayMs, error });
      void sleep(delayMs, this.lifetime.signal).then((slept) => {
        if (!slept || this.closed || options?.requestSignal?.aborted) return;
        this.openRequestStream(undefined, [...pending], options, end.lastEventId);
      });
      return;
    }
    const { why } = next;
    if (why !== undefined) this.logStreamError("request stream error", why);
    this.onRequestStreamLost(pending, end.lastEventId === "" ? undefined : why, options, why);
  }

  /** The responses will never come: fail those requests now rather than at their timeout. */
  private onRequestStreamLost(
    pending: Set<string | number>,
    last: McpSseError | undefined,
    options: TransportSendOptions | undefined,
    why: McpSseError | undefined,
  ): void {
    const end = requestStreamEnd(pending, last, why, this.endContext());
    if (end.kind === "finish") {
      this.finish(end.error);
      return;
    }
    const { error } = end;
    this.emitError(error);
    for (const id of pending)
      this.deliver({
        jsonrpc: "2.0",
        id,
        error: { code: STREAM_ENDED_RPC_CODE, message: `${error.code}: ${error.message}` },
      });
    options?.onRequestStreamEnd?.();
  }

  /** One SSE event: JSON-RPC messages go to `onmessage` (returned), other types to `onStreamEvent`. */
  private onStreamEvent(event: SseEvent, replayId?: string | number): JSONRPCMessage[] {
    if (event.type !== "message") {
      this.options.onStreamEvent?.(event);
      return [];
    }
    // Priming events (an id with empty data) only set the resumption point.
    if (event.data === "") return [];
    const parsed = parseJsonRpc(event.data, this.server.name);
    if (parsed instanceof McpSseError) {
      this.emitError(parsed);
      return [];
    }
    for (const m of parsed) {
      if (replayId !== undefined && responseId(m) !== undefined)
        (m as { id: unknown }).id = replayId;
      this.deliver(m);
    }
    return parsed;
  }
}
