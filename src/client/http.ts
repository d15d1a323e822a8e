/**
 * The HTTP client of every HTTP transport: undici's `fetch` over an undici `Agent` per
 * server (connection pooling, keep-alive, HTTP/2 when the server offers it over TLS ALPN,
 * the server's TLS options). Never a hand-written HTTP client (ARCHITECTURE.md).
 *
 * Ownership: every transport opens its own pool (`createFetchPool`) and closes it when it
 * ends, so closing one owner never waits for — or breaks — another owner's requests (two
 * managers built from the same config object used to share, and close, one Agent).
 * `createFetch(server)` keeps a cache per `ServerConfig` for callers who want one shared
 * pool; `closeFetch(server)` closes that cached pool only.
 *
 * Closing is bounded: `close()` lets in-flight requests finish for `graceMs`, then destroys
 * the pool (a long-lived SSE stream would otherwise hold `Agent.close()` forever).
 */
import { Agent, type Dispatcher, Pool, fetch as undiciFetch } from "undici";
import type { ServerConfig } from "../config/types.js";
import { takingRequestAbort, withDispatch } from "./dispatch-mark.js";
import { dispatchRequest } from "./dispatch-request.js";
import { closedOverTlsHint, tlsFailure } from "./tls-errors.js";

/** TCP + TLS connect timeout of each new pooled connection, ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/**
 * How long an idle pooled connection is kept open, ms, when the server's answer gives no
 * `Keep-Alive: timeout=` (one that does is followed, minus undici's 2 s margin). Below Node's
 * own server default (5 s): a server that closes idle connections at 5 s without saying so
 * (`@hono/node-server`, which the SDK's examples use, sets `Connection: keep-alive` itself and
 * so drops Node's hint) would otherwise meet POSTs sent on a connection it is closing, which
 * fail (`ECONNRESET`, "other side closed") and are not retried: a POST may have been read.
 * undici's own default, for the same reason.
 */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 4_000;
/** On close: how long in-flight requests may finish before the pool is destroyed, ms. */
export const DEFAULT_POOL_CLOSE_GRACE_MS = 1_000;

export interface FetchPoolOptions {
  /** Default `DEFAULT_CONNECT_TIMEOUT_MS`; never longer than `server.timeoutMs` when that is set. */
  connectTimeoutMs?: number;
  /** Default `DEFAULT_KEEP_ALIVE_TIMEOUT_MS`. */
  keepAliveTimeoutMs?: number;
}

export interface FetchPool {
  fetch: typeof globalThis.fetch;
  dispatcher: Dispatcher;
  /**
   * Close the pool: idle sockets close, in-flight requests get `graceMs` (default
   * `DEFAULT_POOL_CLOSE_GRACE_MS`; 0: destroy at once) to finish, then the pool is
   * destroyed and they fail. Idempotent (the first call's grace applies).
   */
  close(graceMs?: number): Promise<void>;
}

/** Build an Agent for one server's TLS and timeout settings. */
export function createAgent(server: ServerConfig, options: FetchPoolOptions = {}): Agent {
  return createTrackedAgent(server, options).agent;
}

/**
 * The Agent, and every per-origin dispatcher it made. `Agent.close()` forgets its
 * dispatchers at once, so an `Agent.destroy()` after it reaches none of them: a bounded
 * close must destroy them itself.
 */
function createTrackedAgent(server: ServerConfig, options: FetchPoolOptions) {
  const dispatchers = new Set<TrackedDispatcher>();
  const agent = new Agent(agentOptions(server, options, dispatchers));
  return { agent, dispatchers };
}

type TrackedDispatcher = Dispatcher & { closed: boolean; destroyed: boolean };

/**
 * The Agent options for `server` (TLS, timeouts); the Agent's per-origin pools are added to
 * `dispatchers` so that a bounded close can reach them. `extra` adds pool options (limits).
 */
export function agentOptions(
  server: ServerConfig,
  options: FetchPoolOptions,
  dispatchers: Set<TrackedDispatcher>,
  extra: Pool.Options = {},
): Agent.Options {
  const configured = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const connectTimeout =
    server.timeoutMs > 0 && configured > 0 ? Math.min(configured, server.timeoutMs) : configured;
  const tls = server.tls;
  return {
    ...extra,
    allowH2: true,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? DEFAULT_KEEP_ALIVE_TIMEOUT_MS,
    // Streams are long-lived: undici's body/headers timeouts would cut an idle SSE stream.
    // Liveness is the reader's idle timeout and the manager's ping, not the socket's.
    bodyTimeout: 0,
    headersTimeout: 0,
    connect: {
      timeout: connectTimeout,
      ...(tls?.ca !== undefined ? { ca: tls.ca } : {}),
      ...(tls?.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls?.key !== undefined ? { key: tls.key } : {}),
      ...(tls?.insecure === true ? { rejectUnauthorized: false } : {}),
    },
    // undici's default factory (a Pool: `connections` is never 1 here), remembering what it makes.
    factory: (origin, opts) => {
      for (const d of dispatchers) if (d.closed || d.destroyed) dispatchers.delete(d);
      const dispatcher = new Pool(origin, opts as Pool.Options);
      dispatchers.add(dispatcher);
      return dispatcher;
    },
  };
}

/** A fetch bound to its own Agent, with a disposer. Not cached: the caller owns it. */
export function createFetchPool(server: ServerConfig, options: FetchPoolOptions = {}): FetchPool {
  const { agent, dispatchers } = createTrackedAgent(server, options);
  let closed: Promise<void> | undefined;
  const boundFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    undiciFetch(
      input as Parameters<typeof undiciFetch>[0],
      { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: agent } as Parameters<
        typeof undiciFetch
      >[1],
    ).catch((error: unknown) => {
      throw explainTls(server, input, error);
    })) as unknown as typeof globalThis.fetch;
  return {
    fetch: withDispatch(
      boundFetch,
      takingRequestAbort(
        dispatchRequest(agent, boundFetch, (url, error) => explainTls(server, url, error)),
      ),
    ),
    dispatcher: agent,
    close(graceMs = DEFAULT_POOL_CLOSE_GRACE_MS) {
      closed ??= closeBounded(agent, dispatchers, graceMs);
      return closed;
    },
  };
}

/**
 * A TLS failure as `CLIENT_TLS` naming the server and the `tls.*` setting to fix; a peer that
 * closed an https connection unanswered keeps undici's error, with a TLS hint in its message.
 */
export function explainTls(
  server: ServerConfig,
  input: RequestInfo | URL,
  error: unknown,
): unknown {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const tls = tlsFailure(server, url, error);
  if (tls !== undefined) return tls;
  const hint = closedOverTlsHint(server, url, error);
  if (hint === undefined) return error;
  return new TypeError(`${(error as Error).message}: ${hint}`, {
    cause: (error as { cause?: unknown }).cause,
  });
}

/** `agent.close()` for at most `graceMs`, then destroy every dispatcher it had. */
export async function closeBounded(
  agent: Agent,
  dispatchers: ReadonlySet<Dispatcher>,
  graceMs: number,
): Promise<void> {
  const graceful = agent.close().then(
    () => true,
    () => false,
  );
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, graceMs));
  });
  const done = await Promise.race([graceful, expired]);
  clearTimeout(timer);
  if (done) return;
  // Requests still running after the grace (e.g. an SSE stream nobody aborted) are cut.
  await Promise.all([...dispatchers].map((d) => d.destroy()));
}

const pools = new WeakMap<ServerConfig, FetchPool>();

/**
 * The cached fetch for `server` (one Agent per `ServerConfig` object), for callers who want
 * one pool shared by everything they do with that server; close it with `closeFetch(server)`.
 * The transports do not use it: each owns a `createFetchPool` of its own.
 */
export function createFetch(server: ServerConfig): typeof globalThis.fetch {
  let pool = pools.get(server);
  if (pool === undefined) {
    pool = createFetchPool(server);
    pools.set(server, pool);
  }
  return pool.fetch;
}

/**
 * Close and forget the pool `createFetch(server)` cached (no-op when none), with the bounded
 * grace of `FetchPool.close`. Pools the transports own are not touched: they close with
 * their transport.
 */
export async function closeFetch(
  server: ServerConfig,
  graceMs = DEFAULT_POOL_CLOSE_GRACE_MS,
): Promise<void> {
  const pool = pools.get(server);
  if (pool === undefined) return;
  pools.delete(server);
  await pool.close(graceMs);
}
