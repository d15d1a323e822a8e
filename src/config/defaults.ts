/**
 * Every config default, declared once. File values are in seconds (the seed format);
 * `loadConfig` converts them to milliseconds in `McpsConfig`.
 */

import { MAX_TIMER_MS } from "../sse/backoff.js";

/** `timeout`: per-request timeout, seconds. */
export const DEFAULT_TIMEOUT_S = 30;
/** `reconnect_interval`: base delay between reconnect attempts, seconds. */
export const DEFAULT_RECONNECT_INTERVAL_S = 5;
/** `max_reconnects`: attempts before a server is `failed`; 0 = never reconnect. */
export const DEFAULT_MAX_RECONNECTS = 10;
/** `ping_interval`: MCP ping period, seconds; 0 disables pings. */
export const DEFAULT_PING_INTERVAL_S = 0;
/** `tool_separator`: joins server and tool in qualified names (`server__tool`). */
/** `auth.algorithm`: how a `private_key` signs its client assertion (RFC 7523). */
export const DEFAULT_AUTH_ALGORITHM = "RS256";
/** `auth.grant`: the one grant a config can run on its own (machine to machine). */
export const AUTH_GRANTS = ["client_credentials"] as const;
export const DEFAULT_TOOL_SEPARATOR = "__";
/** `enabled`: servers are connected unless disabled. */
export const DEFAULT_ENABLED = true;
/** `tls.insecure`: certificates are verified unless explicitly disabled. */
export const DEFAULT_TLS_INSECURE = false;
/**
 * Largest time a config may give (seconds): timers overflow past 2^31-1 ms and would fire
 * at once instead.
 */
export const MAX_TIMER_S = Math.floor(MAX_TIMER_MS / 1000);
/** The source name used in messages for a config given as an object. */
export const OBJECT_SOURCE = "<object>";
/** Allowed server names (used in qualified tool names, metrics labels and logs). */
export const SERVER_NAME_PATTERN = /^[A-Za-z0-9_.-]+$/;
/**
 * `max_call_time` when not set: this many times the call's timeout. Progress notifications
 * extend a call's timeout; this caps its total time so a server reporting progress forever
 * cannot keep a call pending forever.
 */
export const DEFAULT_MAX_CALL_TIME_FACTOR = 5;
/** `kind`: what the server is; `auto` detects an event feed on a legacy SSE stream. */
export const DEFAULT_SERVER_KIND = "auto";
/** `rate_limit_backoff`: pause after a `RATE_LIMITED` error event without `retry_after`, seconds (the guide's 60). */
export const DEFAULT_RATE_LIMIT_BACKOFF_S = 60;
/**
 * `slow_handler_ms`: an event handler slower than this many milliseconds is logged as a
 * warning naming the event (the guide's client warns past 1 s); 0 disables the warning.
 */
export const DEFAULT_SLOW_HANDLER_MS = 1000;
/**
 * `pool.connections`: requests in flight at once over all HTTP servers of a manager (each
 * holds one HTTP/1.1 connection); further requests wait in order. Event streams are not
 * counted (see `pool` in docs/config.md). aiohttp's default total limit.
 */
export const DEFAULT_POOL_CONNECTIONS = 100;
/** `pool.connections_per_host`: the same bound per origin; 0 = only the total applies (aiohttp's default). */
export const DEFAULT_POOL_CONNECTIONS_PER_HOST = 0;
/** `pool.dns_cache_ttl`: how long a resolved host name is reused, seconds; 0 disables the cache. */
export const DEFAULT_DNS_CACHE_TTL_S = 10;
