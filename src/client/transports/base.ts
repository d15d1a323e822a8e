/**
 * What every client transport shares: the SDK callbacks, one `onclose` per transport, the
 * header source and fetch (with the server's headers merged into every request), and logging
 * that never sees a header value.
 */
import type { JSONRPCMessage, MessageExtraInfo } from "@modelcontextprotocol/client";
import type { ServerConfig } from "../../config/types.js";
import { isMcpSseError, McpSseError } from "../../errors.js";
import { type Logger, silentLogger } from "../../logger.js";
import type { HeaderSource } from "./request.js";
import type { ClientTransportOptions, StreamName, StreamStateChange } from "./types.js";

/** Reconnect a silent stream after this long, ms; 0: never (see `idleTimeoutMs`). */
export const DEFAULT_STREAM_IDLE_TIMEOUT_MS = 0;
/** Longest delay between reconnect attempts, ms. */
export const DEFAULT_MAX_RECONNECT_DELAY_MS = 30_000;

/** `fetch` from the options, else the server's undici pool (imported lazily: Node only). */
export function defaultFetch(server: ServerConfig): typeof globalThis.fetch {
  let loaded: Promise<typeof globalThis.fetch> | undefined;
  return async (input, init) => {
    loaded ??= import("../http.js").then((m) => m.createFetch(server));
    return (await loaded)(input, init);
  };
}

/**
 * A fetch that merges the current headers from `getHeaders` into every request (the
 * caller's own headers, like `Accept` or `Last-Event-ID`, win). Token refresh therefore
 * reaches reconnects made inside the SSE reader too.
 */
export function withHeaders(
  fetch: typeof globalThis.fetch,
  getHeaders: HeaderSource,
  remember: (values: string[]) => void,
  serverName: string,
): typeof globalThis.fetch {
  return async (input, init) => {
    let extra: Record<string, string>;
    try {
      extra = await getHeaders();
    } catch (cause) {
      throw new McpSseError(
        "CLIENT_HEADERS_FAILED",
        `getHeaders() failed for server "${serverName}" (token refresh?): ${cause instanceof Error ? cause.message : String(cause)}`,
        { details: { server: serverName }, cause },
      );
    }
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(extra))
      if (!headers.has(name)) headers.set(name, value);
    remember(Object.values(extra));
    return fetch(input, { ...init, headers });
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
  /** Every header value sent so far, to scrub from error bodies. */
  protected readonly secrets = new Set<string>();
  protected started = false;
  protected closed = false;

  constructor(options: ClientTransportOptions) {
    this.options = options;
    this.server = options.server;
    this.log =
      (options.logger ?? silentLogger).child?.({ server: options.server.name }) ??
      options.logger ??
      silentLogger;
    const server = options.server;
    this.getHeaders = options.getHeaders ?? (() => server.headers);
  }

  /** The fetch for this transport: the configured one, with the header source merged in. */
  protected makeFetch(): typeof globalThis.fetch {
    const base = this.options.fetch ?? defaultFetch(this.server);
    return withHeaders(
      base,
      this.getHeaders,
      (values) => {
        for (const v of values) this.secrets.add(v);
      },
      this.server.name,
    );
  }

  protected emitError(error: Error): void {
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
    this.options.onStreamState?.({ server: this.server.name, stream, ...change });
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
