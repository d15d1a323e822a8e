import { createClient } from "redis";
import { McpSseError, redactUrl } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { silentLogger } from "../../logger.js";
import type { MemoryBackendOptions } from "./memory.js";
import { createMemoryBackend, DEFAULT_EVENT_LOG_SIZE } from "./memory.js";
import type { RawStreamEntry } from "./redis-log.js";
import { readAfterFromLog, streamIdOf } from "./redis-log.js";
import type { EventLogEntry, ServerBackend, SessionRecord } from "./types.js";

/** Prefix of every key and channel, so several deployments can share one Redis. */
export const DEFAULT_REDIS_KEY_PREFIX = "mcp-sse";
/**
 * How long a session's claim (and its log) lives without a heartbeat, ms: a replica that
 * dies loses its sessions within this. Heartbeats come every third of it.
 */
export const DEFAULT_CLAIM_TTL_MS = 10_000;
/**
 * Bound on starting up (connect, authenticate, subscribe), ms; then `SERVER_REDIS_UNAVAILABLE`.
 * It covers a Redis that accepts the connection but never answers (hung, or not Redis).
 */
export const DEFAULT_REDIS_CONNECT_TIMEOUT_MS = 5_000;
/** Bound on one Redis command, ms: a stalled Redis fails requests instead of hanging them. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 2_000;
/** Longest pause between two reconnection attempts once Redis was lost, ms. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 2_000;

export interface RedisBackendOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). Never logged with its password. */
  url: string;
  /**
   * Only with a `rediss://` URL: the CA certificates to trust (PEM) instead of Node's defaults,
   * and a client certificate and key for a Redis that asks for one. Without it, a private CA
   * can still be trusted process-wide with `NODE_EXTRA_CA_CERTS` (what `serve --redis` uses).
   */
  tls?: RedisTlsOptions;
  /** Default `DEFAULT_REDIS_KEY_PREFIX`. */
  keyPrefix?: string;
  /** Events kept per session, in Redis (`MAXLEN ~`) and in the owner's memory. Default `DEFAULT_EVENT_LOG_SIZE`. */
  eventLogSize?: number;
  /** Bytes kept per session in the owner's memory log (see `MemoryBackendOptions`). */
  eventLogBytes?: number;
  /** Default `DEFAULT_CLAIM_TTL_MS`. */
  claimTtlMs?: number;
  /** Default `DEFAULT_REDIS_CONNECT_TIMEOUT_MS`. */
  connectTimeoutMs?: number;
  /** Default `DEFAULT_REDIS_COMMAND_TIMEOUT_MS`. */
  commandTimeoutMs?: number;
  /** This replica's id (its channel). Default: a random UUID. Must be unique per replica. */
  replicaId?: string;
  /** Outages and recoveries are logged at `error`; default silent. */
  logger?: Logger;
  /** Called with how many events the owner's memory log evicted (metrics). */
  onEvict?: MemoryBackendOptions["onEvict"];
}

export interface RedisTlsOptions {
  ca?: string | Buffer | Array<string | Buffer>;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** `tls` only makes sense with `rediss://`: refuse it otherwise instead of connecting in clear. */
function refuseTlsWithoutRediss(options: RedisBackendOptions): void {
  if (options.tls === undefined || /^rediss:/i.test(options.url)) return;
  throw new McpSseError(
    "SERVER_INVALID_OPTIONS",
    `tls was given for ${redactUrl(options.url)}, which is not a rediss:// URL: use rediss:// or drop tls`,
    { details: { option: "tls" } },
  );
}

/**
 * `work()`, or a rejection once `ms` passed: the client's own connect timeout ends at the TCP
 * connection, and its handshake (HELLO, AUTH) has no timeout of its own.
 */
async function within(ms: number, work: () => Promise<void>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([work(), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function redisUnavailable(what: string, cause: unknown): McpSseError {
  return new McpSseError(
    "SERVER_REDIS_UNAVAILABLE",
    `Redis is unavailable (${what}): ${String((cause as Error)?.message ?? cause)}`,
    { cause },
  );
}

/**
 * The shared backend for several replicas (see docs/scaling.md). Sessions run on the replica
 * that opened them (their owner) and are claimed in Redis with a TTL that its heartbeat
 * renews; events are kept in the owner's memory and mirrored to a Redis Stream per session,
 * so any replica can replay them; each replica listens on one pub/sub channel.
 *
 * While Redis is down the owner keeps serving its own sessions from memory (logged loudly at
 * `error`, once per outage); forwarding and cross-replica replay fail with
 * `SERVER_REDIS_UNAVAILABLE` until it is back, when claims are renewed at once. A session
 * whose mirror missed events has its Redis log dropped, so a replay elsewhere reports a gap
 * instead of skipping events silently.
 *
 * Resolves once connected and subscribed; rejects with `SERVER_REDIS_UNAVAILABLE` when Redis
 * cannot be reached within `connectTimeoutMs`.
 */
export async function createRedisBackend(options: RedisBackendOptions): Promise<ServerBackend> {
  refuseTlsWithoutRediss(options);
  const logger = options.logger ?? silentLogger;
  const prefix = options.keyPrefix ?? DEFAULT_REDIS_KEY_PREFIX;
  const ttl = options.claimTtlMs ?? DEFAULT_CLAIM_TTL_MS;
  const maxEvents = options.eventLogSize ?? DEFAULT_EVENT_LOG_SIZE;
  const replicaId = options.replicaId ?? crypto.randomUUID();
  const where = redactUrl(options.url);
  const memory = createMemoryBackend({
    eventLogSize: maxEvents,
    ...(options.eventLogBytes === undefined ? {} : { eventLogBytes: options.eventLogBytes }),
    ...(options.onEvict === undefined ? {} : { onEvict: options.onEvict }),
  });
  const local = new Map<string, SessionRecord>();
  /** Sessions whose Redis log missed an append: dropped (then resumed) once Redis is back. */
  const brokenLogs = new Set<string>();
  let handler: ((message: string) => void) | undefined;
  let broadcastHandler: ((message: string) => void) | undefined;
  let up = false;
  /** Connected once: from then on, losing Redis is an outage to ride out, not a startup error. */
  let started = false;
  let closed = false;

  const sessionKey = (id: string) => `${prefix}:session:${id}`;
  const logKey = (id: string) => `${prefix}:log:${id}`;
  const channelOf = (replica: string) => `${prefix}:replica:${replica}`;
  /** The one channel every replica listens on: the event feed's fan-out. */
  const broadcastChannel = `${prefix}:broadcast`;

  const connectTimeout = options.connectTimeoutMs ?? DEFAULT_REDIS_CONNECT_TIMEOUT_MS;
  const client = createClient({
    url: options.url,
    // Fail at once while disconnected: the owner serves from memory, others answer 503.
    disableOfflineQueue: true,
    commandOptions: { timeout: options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS },
    socket: {
      ...options.tls,
      connectTimeout,
      // Never give up once running; at startup, the first failure is the answer.
      reconnectStrategy: (retries: number, cause: Error) => {
        if (closed) return false;
        if (!started) return cause;
        return Math.min(100 * 2 ** retries, REDIS_MAX_RECONNECT_DELAY_MS);
      },
    },
  });
  const subscriber = client.duplicate();

  const lost = (error: unknown) => {
    if (!up || closed) return;
    up = false;
    logger.error(
      { redis: where, err: error },
      "Redis connection lost: serving this replica's sessions locally only; forwarding and cross-replica resume fail until it is back",
    );
  };
  client.on("error", lost);
  subscriber.on("error", lost);
  client.on("ready", () => {
    if (!started || up || closed) return;
    up = true;
    logger.error({ redis: where }, "Redis is back: renewing this replica's claims");
    void heartbeat();
  });

  try {
    await within(connectTimeout, async () => {
      await client.connect();
      await subscriber.connect();
      await subscriber.subscribe(channelOf(replicaId), (message) => handler?.(message));
      await subscriber.subscribe(broadcastChannel, (message) => broadcastHandler?.(message));
    });
  } catch (error) {
    closed = true;
    await Promise.allSettled([client.destroy(), subscriber.destroy()]);
    throw new McpSseError(
      "SERVER_REDIS_UNAVAILABLE",
      `Cannot connect to Redis at ${where}: ${String((error as Error)?.message ?? error)}`,
      { cause: error, details: { redis: where } },
    );
  }
  started = true;
  up = true;

  const failed = (what: string) => (error: unknown) => {
    lost(error);
    logger.debug({ err: error, redis: where }, `Redis ${what} failed`);
  };

  /** Renew every local claim and log TTL; drop logs that missed events (one pipeline). */
  async function heartbeat(): Promise<void> {
    if (closed || local.size === 0) return;
    const batch = client.multi();
    for (const id of brokenLogs) batch.del(logKey(id));
    for (const record of local.values()) {
      batch.set(sessionKey(record.id), JSON.stringify(record), { PX: ttl });
      batch.pExpire(logKey(record.id), ttl);
    }
    const repaired = [...brokenLogs];
    try {
      await batch.execAsPipeline();
      for (const id of repaired) brokenLogs.delete(id);
    } catch (error) {
      failed("heartbeat")(error);
    }
  }
  const beat = setInterval(() => void heartbeat(), Math.max(100, Math.floor(ttl / 3)));
  beat.unref?.();

  /** Logged in memory at once (the owner serves from it); to Redis in the background. */
  function appendNow(sessionId: string, stream: string, data: string): EventLogEntry {
    const entry = memory.appendNow(sessionId, stream, data);
    if (maxEvents === 0) return entry;
    if (!up || brokenLogs.has(sessionId)) {
      brokenLogs.add(sessionId);
      return entry;
    }
    // Not awaited: the owner serves from memory. Commands on one connection run in order,
    // so a replica told of this event afterwards (pub/sub, same connection) finds it logged.
    client
      .xAdd(
        logKey(sessionId),
        streamIdOf(entry.seq),
        { s: stream, d: data },
        { TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: maxEvents } },
      )
      .catch((error: unknown) => {
        brokenLogs.add(sessionId);
        failed("log append")(error);
      });
    if (entry.seq === 1) client.pExpire(logKey(sessionId), ttl).catch(failed("log ttl"));
    return entry;
  }

  return {
    replicaId,
    async createSession(record) {
      await memory.createSession(record);
      local.set(record.id, record);
      // A session opened during an outage still works here; the heartbeat claims it later.
      await client
        .set(sessionKey(record.id), JSON.stringify(record), { PX: ttl })
        .catch(failed("claim"));
    },
    async getSession(id) {
      const mine = local.get(id);
      if (mine) return mine;
      let text: string | null;
      try {
        text = await client.get(sessionKey(id));
      } catch (error) {
        lost(error);
        throw redisUnavailable("looking a session up", error);
      }
      return text === null ? undefined : (JSON.parse(text) as SessionRecord);
    },
    async deleteSession(id) {
      local.delete(id);
      brokenLogs.delete(id);
      await memory.deleteSession(id);
      await client.del([sessionKey(id), logKey(id)]).catch(failed("delete"));
    },
    append: async (sessionId, stream, data) => appendNow(sessionId, stream, data),
    appendNow,
    async readAfter(sessionId, lastSeq, stream) {
      if (local.has(sessionId)) return memory.readAfter(sessionId, lastSeq, stream);
      const key = logKey(sessionId);
      try {
        const [fromLast, oldest, newest] = (await client
          .multi()
          .xRange(key, streamIdOf(Math.max(lastSeq, 0)), "+")
          .xRange(key, "-", "+", { COUNT: 1 })
          .xRevRange(key, "+", "-", { COUNT: 1 })
          .execAsPipeline()) as unknown as [RawStreamEntry[], RawStreamEntry[], RawStreamEntry[]];
        return readAfterFromLog(sessionId, lastSeq, stream, fromLast, oldest[0], newest[0]);
      } catch (error) {
        lost(error);
        throw redisUnavailable("reading a session's event log", error);
      }
    },
    async send(replica, message) {
      if (replica === replicaId) {
        if (!handler) return false;
        queueMicrotask(() => handler?.(message));
        return true;
      }
      try {
        return (await client.publish(channelOf(replica), message)) > 0;
      } catch (error) {
        lost(error);
        throw redisUnavailable("forwarding to another replica", error);
      }
    },
    onMessage(onMessage) {
      handler = onMessage;
    },
    async broadcast(message) {
      try {
        await client.publish(broadcastChannel, message);
      } catch (error) {
        lost(error);
        throw redisUnavailable("broadcasting to the replicas", error);
      }
    },
    onBroadcast(onBroadcast) {
      broadcastHandler = onBroadcast;
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(beat);
      const ids = [...local.keys()];
      local.clear();
      await memory.close();
      if (ids.length > 0 && up) {
        await client.del(ids.flatMap((id) => [sessionKey(id), logKey(id)])).catch(() => undefined);
      }
      await Promise.allSettled([subscriber.close(), client.close()]);
    },
  };
}
