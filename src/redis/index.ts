/**
 * `mcp-sse/redis`: the Redis backend that lets several replicas of a host (`serve()`,
 * `createMcpHttpHandler()`, `mcp-sse serve --redis`) serve the same sessions behind a load
 * balancer. Pass it as `backend`; close it after the host. See docs/scaling.md.
 *
 * ```ts
 * import { serve } from "mcp-sse/server";
 * import { createRedisBackend } from "mcp-sse/redis";
 * const backend = await createRedisBackend({ url: "redis://127.0.0.1:6379" });
 * const host = await serve({ createServer, backend });
 * ```
 */
export {
  createRedisBackend,
  DEFAULT_CLAIM_TTL_MS,
  DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
  DEFAULT_REDIS_CONNECT_TIMEOUT_MS,
  DEFAULT_REDIS_KEY_PREFIX,
  REDIS_MAX_RECONNECT_DELAY_MS,
  type RedisBackendOptions,
  type RedisTlsOptions,
} from "../server/backends/redis.js";
