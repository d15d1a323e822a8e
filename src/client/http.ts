/**
 * The HTTP client of every HTTP transport: undici's `fetch` over an undici `Agent` per
 * server (connection pooling, keep-alive, HTTP/2 when the server offers it over TLS ALPN,
 * the server's TLS options). Never a hand-written HTTP client (ARCHITECTURE.md).
 *
 * One Agent is cached per `ServerConfig` object, so a transport recreated after a lost
 * session reuses the pool; `closeFetch(server)` (or the disposer from `createFetchPool`)
 * closes it when the manager is done with the server.
 */
import { Agent, type Dispatcher, fetch as undiciFetch } from "undici";
import type { ServerConfig } from "../config/types.js";

/** TCP + TLS connect timeout of each new pooled connection, ms. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** How long an idle pooled connection is kept open, ms. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 30_000;

export interface FetchPoolOptions {
  /** Default `DEFAULT_CONNECT_TIMEOUT_MS`; never longer than `server.timeoutMs` when that is set. */
  connectTimeoutMs?: number;
  /** Default `DEFAULT_KEEP_ALIVE_TIMEOUT_MS`. */
  keepAliveTimeoutMs?: number;
}

export interface FetchPool {
  fetch: typeof globalThis.fetch;
  dispatcher: Dispatcher;
  /** Close the pool: in-flight requests finish, idle sockets close. Idempotent. */
  close(): Promise<void>;
}

/** Build an Agent for one server's TLS and timeout settings. */
export function createAgent(server: ServerConfig, options: FetchPoolOptions = {}): Agent {
  const configured = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const connectTimeout =
    server.timeoutMs > 0 && configured > 0 ? Math.min(configured, server.timeoutMs) : configured;
  const tls = server.tls;
  return new Agent({
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
  });
}

/** A fetch bound to its own Agent, with a disposer. Not cached: the caller owns it. */
export function createFetchPool(server: ServerConfig, options: FetchPoolOptions = {}): FetchPool {
  const agent = createAgent(server, options);
  let closed: Promise<void> | undefined;
  const boundFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    undiciFetch(
      input as Parameters<typeof undiciFetch>[0],
      { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher: agent } as Parameters<
        typeof undiciFetch
      >[1],
    )) as unknown as typeof globalThis.fetch;
  return {
    fetch: boundFetch,
    dispatcher: agent,
    close() {
      closed ??= agent.close();
      return closed;
    },
  };
}

const pools = new WeakMap<ServerConfig, FetchPool>();

/**
 * The cached fetch for `server` (one Agent per `ServerConfig` object). Requests made with
 * it go through that server's pool; close the pool with `closeFetch(server)`.
 */
export function createFetch(server: ServerConfig): typeof globalThis.fetch {
  let pool = pools.get(server);
  if (pool === undefined) {
    pool = createFetchPool(server);
    pools.set(server, pool);
  }
  return pool.fetch;
}

/** Close and forget the cached pool of `server` (no-op when none). */
export async function closeFetch(server: ServerConfig): Promise<void> {
  const pool = pools.get(server);
  if (pool === undefined) return;
  pools.delete(server);
  await pool.close();
}
