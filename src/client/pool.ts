/**
 * The HTTP pool a manager shares across all its servers: the config's top-level `pool:`
 * (the guide's connection pool with a total limit, a per-host limit and a DNS cache) applied
 * through undici — `Agent` options, its DNS interceptor, and a request limiter shared by every
 * dispatcher so that the total holds across servers.
 *
 * Event streams are never starved by POSTs: a GET (the long-lived SSE stream of every HTTP
 * transport and of an event feed) is not counted by the limits. Their number is bounded
 * anyway: one open stream per server (legacy SSE, feed) or per session (Streamable HTTP's
 * standalone GET, and a GET that resumes a POST's answer). POSTs and DELETEs (calls,
 * notifications, feed RPCs, session ends) share `connections` / `connections_per_host`, so a
 * stream holding a connection can never leave a call waiting forever.
 *
 * Servers with different TLS settings or connect timeouts get Agents of their own (undici's
 * connect options are per Agent), behind the one limiter and the one DNS cache.
 */
import { Agent, type Dispatcher, interceptors, fetch as undiciFetch } from "undici";
import type { PoolConfig, ServerConfig } from "../config/types.js";
import type { HttpFetch } from "../sse/http-response.js";
import { takingRequestAbort, withDispatch } from "./dispatch-mark.js";
import { dispatchRequest } from "./dispatch-request.js";
import {
  agentOptions,
  closeBounded,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_POOL_CLOSE_GRACE_MS,
  explainTls,
} from "./http.js";
import { createRequestLimiter, type RequestLimiter } from "./request-limiter.js";

/** Node's `dns.lookup` shape, as undici's DNS interceptor calls it. */
export type DnsLookup = NonNullable<Parameters<typeof interceptors.dns>[0]>["lookup"];

export interface SharedPoolOptions {
  /** The resolver behind the DNS cache (tests count lookups). Default: Node's `dns.lookup`. */
  lookup?: DnsLookup;
}

export interface SharedPool {
  /** The fetch for `server`'s requests: its TLS settings, the shared limits and DNS cache. */
  fetchFor(server: ServerConfig): typeof globalThis.fetch;
  /** Requests in flight and waiting under the limits (event streams not counted). */
  stats(): { active: number; queued: number };
  /** Close every Agent (bounded, like `FetchPool.close`). Idempotent. */
  close(graceMs?: number): Promise<void>;
}

type Tracked = Dispatcher & { closed: boolean; destroyed: boolean };

interface Group {
  dispatcher: Dispatcher;
  agent: Agent;
  dispatchers: Set<Tracked>;
}

/** What makes two servers' connections different: TLS material and the connect timeout. */
function groupKey(server: ServerConfig): string {
  const tls = server.tls;
  const timeout =
    server.timeoutMs > 0
      ? Math.min(DEFAULT_CONNECT_TIMEOUT_MS, server.timeoutMs)
      : DEFAULT_CONNECT_TIMEOUT_MS;
  return JSON.stringify([tls?.ca, tls?.cert, tls?.key, tls?.insecure === true, timeout]);
}

export function createSharedPool(pool: PoolConfig, options: SharedPoolOptions = {}): SharedPool {
  const limiter: RequestLimiter = createRequestLimiter(pool.connections, pool.connectionsPerHost);
  // One interceptor instance: every dispatcher reads and fills the same cache.
  const dns =
    pool.dnsCacheTtlMs > 0
      ? interceptors.dns({
          maxTTL: pool.dnsCacheTtlMs,
          ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
        })
      : undefined;
  const groups = new Map<string, Group>();
  let closed: Promise<void> | undefined;

  const makeGroup = (server: ServerConfig): Group => {
    const dispatchers = new Set<Tracked>();
    // No per-origin `connections` on the Agent: it would count the streams too. The limiter
    // bounds the requests; streams add one connection each, and reuse idle ones like requests.
    const agent = new Agent(agentOptions(server, {}, dispatchers));
    // compose(a, b): b runs first. The limiter sees host names; DNS then swaps in addresses.
    const dispatcher =
      dns === undefined
        ? agent.compose(limiter.interceptor)
        : agent.compose(dns, limiter.interceptor);
    return { dispatcher, agent, dispatchers };
  };

  const groupOf = (server: ServerConfig): Group => {
    const key = groupKey(server);
    let group = groups.get(key);
    if (group === undefined) {
      group = makeGroup(server);
      groups.set(key, group);
    }
    return group;
  };

  return {
    fetchFor(server) {
      const fetch = ((input: RequestInfo | URL, init?: RequestInit) => {
        if (closed !== undefined) return Promise.reject(new TypeError("the HTTP pool is closed"));
        const { dispatcher } = groupOf(server);
        return undiciFetch(
          input as Parameters<typeof undiciFetch>[0],
          { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher } as Parameters<
            typeof undiciFetch
          >[1],
        ).catch((error: unknown) => {
          throw explainTls(server, input, error);
        });
      }) as unknown as typeof globalThis.fetch;
      let dispatch: HttpFetch | undefined;
      return withDispatch(
        fetch,
        takingRequestAbort((url, init) => {
          if (closed !== undefined) return Promise.reject(new TypeError("the HTTP pool is closed"));
          dispatch ??= dispatchRequest(groupOf(server).dispatcher, fetch, (u, error) =>
            explainTls(server, u, error),
          );
          return dispatch(url, init);
        }),
      );
    },
    stats: () => limiter.stats(),
    close(graceMs = DEFAULT_POOL_CLOSE_GRACE_MS) {
      closed ??= Promise.all(
        [...groups.values()].map((g) => closeBounded(g.agent, g.dispatchers, graceMs)),
      ).then(() => undefined);
      return closed;
    },
  };
}
