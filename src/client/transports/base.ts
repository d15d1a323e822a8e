/**
 * What every client transport shares: the SDK callbacks, one `onclose` per transport, the
 * header source and fetch (with the server's headers merged into every request), its own
 * HTTP pool (closed when the transport ends), and logging and callbacks that never see a
 * header value: every error is scrubbed of the values sent before it leaves the transport.
 */
import type { JSONRPCMessage, MessageExtraInfo } from "@modelcontextprotocol/client";
import type { ServerConfig } from "../../config/types.js";
import { isMcpSseError, McpSseError } from "../../errors.js";
import { type Logger, silentLogger } from "../../logger.js";
import { DEFAULT_MAX_RETRY_DELAY_MS } from "../../sse/backoff.js";
import type { HttpFetch } from "../../sse/http-response.js";
import { secretValuesOf } from "../../sse/reader-http.js";
import { oauthOf, type ServerOAuth } from "../auth/server-oauth.js";
import { callHeaderSecrets, RESERVED_CALL_HEADERS } from "../call-headers.js";
import {
  dispatchOf,
  dispatchThrough,
  takesRequestAbort,
  takingRequestAbort,
  withDispatch,
} from "../dispatch-mark.js";
import type { FetchPool } from "../http.js";
import { notConnected } from "./errors.js";
import { type HeaderSource, scrub, scrubError } from "./request.js";
import type { ClientTransportOptions, StreamName, StreamStateChange } from "./types.js";

/** Reconnect a silent stream after this long, ms; 0: never (see `idleTimeoutMs`). */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 0;

/** A fetch and the pool behind it, owned (and closed) by one transport. */
export interface OwnedFetch {
  fetch: typeof globalThis.fetch;
  /** Close the pool (bounded: see `FetchPool.close`). A fetch after this fails. Idempotent. */
  close(): Promise<void>;
}

/**
 * A transport's own undici pool (`createFetchPool`, imported lazily: Node only), opened at
 * the first request. Never shared: closing it cannot cut another transport's requests.
 */
export function defaultFetch(server: ServerConfig): OwnedFetch {
  let pool: Promise<FetchPool> | undefined;
  let closing: Promise<void> | undefined;
  const open = () => {
    if (closing !== undefined) throw notConnected(server.name, true);
    pool ??= import("../http.js").then((m) => m.createFetchPool(server));
    return pool;
  };
  const fetch: typeof globalThis.fetch = async (input, init) => (await open()).fetch(input, init);
  return {
    fetch: withDispatch(
      fetch,
      takingRequestAbort(async (url, init) => dispatchThrough((await open()).fetch, url, init)),
    ),
    close() {
      closing ??= pool === undefined ? Promise.resolve() : pool.then((p) => p.close());
      return closing;
    },
  };
}

/** Call the header source; a throw becomes `CLIENT_HEADERS_FAILED`. */
async function resolveHeaderSource(
  getHeaders: HeaderSource,
  serverName: string,
): Promise<Record<string, string>> {
  try {
    return await getHeaders();
  } catch (cause) {
    throw new McpSseError(
      "CLIENT_HEADERS_FAILED",
      `getHeaders() failed for server "${serverName}" (token refresh?): ${cause instanceof Error ? cause.message : String(cause)}`,
      { details: { server: serverName }, cause },
    );
  }
}

/** `extra` with `own` on top; `own` wins whatever the case of a header name. */
export function mergeHeaders(
  extra: Record<string, string>,
  own: Record<string, string>,
): Record<string, string> {
  const ownNames = new Set(Object.keys(own).map((name) => name.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(extra))
    if (!ownNames.has(name.toLowerCase())) out[name] = value;
  return Object.assign(out, own);
}

/**
 * A fetch that merges the current headers from `getHeaders` into every request (the
 * caller's own headers, like `Accept` or `Content-Type`, win). Used for POST and DELETE;
 * the SSE reader gets the same headers through its own `headers` option instead, so that
 * it knows their values and scrubs them from its errors.
 */
export function withHeaders<F extends HttpFetch>(
  fetch: F,
  getHeaders: HeaderSource,
  remember: (values: string[]) => void,
  serverName: string,
): F {
  let remembered: Record<string, string> | undefined;
  return (async (input: string, init: RequestInit) => {
    const extra = await resolveHeaderSource(getHeaders, serverName);
    // The same object as the last request's (static or cached headers): values known already.
    if (extra !== remembered) {
      remember(Object.values(extra));
      remembered = extra;
    }
    const own = init?.headers;
    // Our transports pass a plain record: merged as one (no `Headers` object per request).
    if (isPlainRecord(own)) return fetch(input, { ...init, headers: mergeHeaders(extra, own) });
    const headers = new Headers(own);
    for (const [name, value] of Object.entries(extra))
      if (!headers.has(name)) headers.set(name, value);
    return fetch(input, { ...init, headers });
  }) as F;
}

function isPlainRecord(headers: HeadersInit | undefined): headers is Record<string, string> {
  return (
    headers !== undefined &&
    !Array.isArray(headers) &&
    Object.getPrototypeOf(headers) === Object.prototype
  );
}

/** A server's stream policy (reconnects, backoff, timeouts), shared by transports and feeds. */
export function streamPolicyOf(
  server: ServerConfig,
  options: Pick<ClientTransportOptions, "maxReconnectDelayMs" | "idleTimeoutMs"> = {},
) {
  return {
    reconnect: server.maxReconnects > 0,
    maxAttempts: server.maxReconnects,
    minDelayMs: server.reconnectIntervalMs,
    maxDelayMs: Math.max(
      server.reconnectIntervalMs,
      options.maxReconnectDelayMs ?? DEFAULT_MAX_RETRY_DELAY_MS,
    ),
    connectTimeoutMs: server.timeoutMs,
    idleTimeoutMs: options.idleTimeoutMs ?? DEFAULT_STREAM_IDLE_TIMEOUT_MS,
  };
}

export abstract class ClientTransportBase {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?:
    | (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void)
    | undefined;

  protected readonly server: ServerConfig;
  protected readonly log: Logger;
  protected readonly options: ClientTransportOptions;
  protected readonly getHeaders: HeaderSource;
  /** Aborted on close: cancels every request and stream of this transport. */
  protected readonly lifetime = new AbortController();
  /** Every header value sent so far (and its credential part), to scrub from errors. */
  protected readonly secrets = new Set<string>();
  protected started = false;
  protected closed = false;
  /** OAuth for every request (`options.oauth` / `options.authProvider`), if any. */
  protected readonly oauth: ServerOAuth | undefined;
  /** The pool this transport opened (none with `options.fetch`), and its closing. */
  private owned: OwnedFetch | undefined;
  private released: Promise<void> | undefined;

  constructor(options: ClientTransportOptions) {
    this.options = options;
    this.server = options.server;
    this.log =
      (options.logger ?? silentLogger).child?.({ server: options.server.name }) ??
      options.logger ??
      silentLogger;
    const server = options.server;
    this.getHeaders = options.getHeaders ?? (() => server.headers);
    this.oauth = oauthOf(options);
  }

  /**
   * The fetch without the header source: `options.fetch`, else this transport's own pool.
   * For the SSE reader, which adds the headers itself (`streamHeaders`).
   */
  protected makeBareFetch(): typeof globalThis.fetch {
    let fetch = this.options.fetch;
    if (fetch === undefined) {
      this.owned ??= defaultFetch(this.server);
      fetch = this.owned.fetch;
    }
    // OAuth sits below the header source: the bearer token goes on every request, GET
    // streams included, and wins over a configured `Authorization`.
    return this.oauth === undefined
      ? fetch
      : this.oauth.wrap(fetch, (values) => this.rememberSecrets(values));
  }

  /**
   * Give up the pool this transport opened (its stream moves to another owner, who closes
   * it): `releaseFetch` then closes nothing. Undefined with `options.fetch`.
   */
  protected relinquishFetch(): OwnedFetch | undefined {
    const owned = this.owned;
    this.owned = undefined;
    return owned;
  }

  /**
   * The fetch for POST and DELETE: the bare fetch with the header source merged in. Over
   * our own pools (the transport's or the manager's) without OAuth, undici's `request()`
   * instead of `fetch` (dispatch-request.ts): the same answers, a fraction of the CPU.
   */
  protected makeFetch(): HttpFetch {
    const bare = this.makeBareFetch();
    const dispatch = this.oauth === undefined ? dispatchOf(bare) : undefined;
    const fetch = withHeaders<HttpFetch>(
      dispatch ?? bare,
      this.getHeaders,
      (values) => this.rememberSecrets(values),
      this.server.name,
    );
    // The header merge passes `init.signal` on as it is: it takes what its fetch takes.
    return dispatch !== undefined && takesRequestAbort(dispatch)
      ? takingRequestAbort(fetch)
      : fetch;
  }

  /** The reconnection and timeout options every event stream of this server uses. */
  protected streamPolicy() {
    return streamPolicyOf(this.server, this.options);
  }

  /**
   * The `headers` option of an SSE reader: the header source (called before every attempt,
   * so a refreshed token reaches reconnects) under the stream's own headers. The values are
   * remembered, so this transport's errors are scrubbed of them too.
   */
  protected async streamHeaders(own: Record<string, string>): Promise<Record<string, string>> {
    const extra = await resolveHeaderSource(this.getHeaders, this.server.name);
    this.rememberSecrets(Object.values(extra));
    return mergeHeaders(extra, own);
  }

  /**
   * The headers the SDK passed with one message (`send(message, { headers })`: a call's own,
   * see call-headers.ts), without those the transport owns. They go on that message's POST,
   * over a configured header of the same name; secret-looking values are remembered, so this
   * transport's errors and logs are scrubbed of them as of the configured ones.
   */
  protected messageHeaders(
    headers: Readonly<Record<string, string>> | undefined,
  ): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers ?? {}))
      if (!RESERVED_CALL_HEADERS.includes(name.toLowerCase())) out[name] = value;
    this.rememberSecrets(callHeaderSecrets(this.server, out));
    return out;
  }

  private rememberSecrets(values: readonly string[]): void {
    for (const value of values) {
      this.secrets.add(value);
      // A server may echo only the credential of `Bearer <token>`.
      for (const part of secretValuesOf({ value })) this.secrets.add(part);
    }
  }

  /** `error` without any header value this transport has sent (message, details, causes). */
  protected scrubbed(error: Error): Error {
    const secrets = [...this.secrets];
    if (error instanceof McpSseError) return scrubError(error, secrets);
    const message = scrub(error.message, secrets);
    return message === error.message ? error : new Error(message);
  }

  /** Debug-log an error the SSE reader reported (it retries or gives up on its own). */
  protected logStreamError(what: string, error: McpSseError): void {
    this.log.debug({ code: error.code, err: this.scrubbed(error).message }, what);
  }

  protected emitError(raw: Error): void {
    const error = this.scrubbed(raw);
    this.log.warn(
      { code: isMcpSseError(error) ? error.code : undefined, err: error.message },
      "transport error",
    );
    this.onerror?.(error);
  }

  /**
   * Hand a message to the SDK in the order the server sent it. The SDK runs notification
   * handlers on a microtask but settles a response synchronously, so a progress
   * notification followed at once by its response would find its progress handler already
   * gone. Responses therefore go out on a microtask too, queued behind the handlers of the
   * notifications that came before them.
   */
  protected deliver(message: JSONRPCMessage): void {
    const m = message as { method?: unknown };
    if (typeof m.method === "string") {
      this.onmessage?.(message);
      return;
    }
    queueMicrotask(() => {
      if (!this.closed) this.onmessage?.(message);
    });
  }

  protected streamState(stream: StreamName, change: Omit<StreamStateChange, "server" | "stream">) {
    const { error, ...rest } = change;
    this.options.onStreamState?.({
      server: this.server.name,
      stream,
      ...rest,
      ...(error !== undefined ? { error: this.scrubbed(error) } : {}),
    });
  }

  /**
   * Close the pool this transport opened (no-op with `options.fetch`). Its requests were
   * aborted by `lifetime`, so this is quick; `FetchPool.close` bounds it anyway. Idempotent.
   */
  protected releaseFetch(): Promise<void> {
    this.released ??= (this.owned?.close() ?? Promise.resolve()).catch((cause: unknown) =>
      this.log.warn(
        { err: cause instanceof Error ? cause.message : String(cause) },
        "closing the HTTP pool failed",
      ),
    );
    return this.released;
  }

  /**
   * End the transport once: tear down, report `error` (if any) with `onerror`, then
   * `onclose`. Later calls do nothing, so a dying stream and a user's `close()` never
   * double-report. `defer`: report on the next macrotask, for failures found inside
   * `send()` — its rejection must reach the caller before the SDK's `onclose` handler fails
   * every pending request with a generic "Connection closed".
   */
  protected finish(error?: McpSseError | Error, { defer = false } = {}): void {
    if (this.closed) return;
    this.closed = true;
    this.lifetime.abort();
    this.teardown();
    void this.releaseFetch();
    const report = () => {
      if (error !== undefined) this.emitError(error);
      this.onclose?.();
    };
    if (defer) setTimeout(report, 0);
    else report();
  }

  /** Release streams and timers (called once, from `finish`). */
  protected abstract teardown(): void;
}
