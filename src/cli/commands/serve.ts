import { createJsonLogger, type Logger } from "../../logger.js";
import { createRedisBackend } from "../../redis/index.js";
import { createDemoServer, startDemoFeed } from "../../server/demo.js";
import { serve as serveHttp } from "../../server/index.js";
import { createStdioServerFactory } from "../../server/stdio-bridge.js";
import type { ServerLike } from "../../server/types.js";
import { usageError as flagUsageError, parseFlags } from "../flags.js";
import type { CliIO } from "../io.js";

/**
 * `mcp-sse serve --demo | --stdio "<command>" [options]`: host an MCP server over legacy
 * HTTP+SSE (`/sse` + `/messages`) and Streamable HTTP (`/mcp`) until SIGINT/SIGTERM.
 */

/** Default bind host of the CLI: loopback only. */
export const DEFAULT_SERVE_HOST = "127.0.0.1";
/** Default port of the CLI. */
export const DEFAULT_SERVE_PORT = 8000;

export const SERVE_USAGE = `usage: mcp-sse serve (--demo | --stdio "<command>") [options]

  --demo                 serve the built-in demo server (realtime_monitor, weather_monitor, live data_update events)
  --stdio "<command>"    serve a stdio MCP program; one child process per session (no shell: quote arguments)
  --host HOST            bind address (default ${DEFAULT_SERVE_HOST})
  --port PORT            port, 0 picks a free one (default ${DEFAULT_SERVE_PORT})
  --allowed-origins A,B  origins allowed to call from a browser (scheme://host[:port])
  --allowed-hosts A,B    Host header names accepted besides loopback (DNS-rebinding protection)
  --token-env NAME       require 'Authorization: Bearer <token>'; tokens come from env var NAME, comma-separated
  --keepalive SECONDS    SSE keep-alive comment interval (0 disables)
  --max-body BYTES       largest POST body accepted
  --max-sessions N       sessions open at once (0 disables the cap)
  --handshake-timeout SECONDS  close a session whose client sent nothing after initialize for this long (default 10, 0 disables)
  --log-level LEVEL      debug | info | warn | error (default info); logs are JSON lines on stderr
  --redis URL            run as one of several replicas behind a load balancer, sharing sessions through
                         Redis (redis:// or rediss://; a password in the URL is never printed); see docs/scaling.md
  --redis-env NAME       the same, the URL read from env var NAME (keeps a password out of ps)
`;

/** What `serve` was asked to do, after parsing and checking the flags. */
export interface ServePlan {
  mode: { kind: "demo" } | { kind: "stdio"; command: string };
  host: string;
  port: number;
  allowedOrigins?: string[];
  allowedHosts?: string[];
  tokens?: string[];
  keepAliveMs?: number;
  maxBodyBytes?: number;
  maxSessions?: number;
  handshakeTimeoutMs?: number;
  /** Redis URL: share sessions with other replicas (`mcp-sse/redis`). */
  redis?: string;
  /** `--redis` carried a password: it is visible to other users in `ps` (say so at startup). */
  redisPasswordInArgs?: boolean;
  logLevel: "debug" | "info" | "warn" | "error";
}

const SERVE_FLAGS = {
  demo: { type: "boolean" },
  stdio: { type: "string" },
  host: { type: "string" },
  port: { type: "string" },
  "allowed-origins": { type: "string" },
  "allowed-hosts": { type: "string" },
  "token-env": { type: "string" },
  keepalive: { type: "string" },
  "max-body": { type: "string" },
  "max-sessions": { type: "string" },
  "handshake-timeout": { type: "string" },
  "log-level": { type: "string" },
  redis: { type: "string" },
  "redis-env": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function usageError(message: string) {
  return flagUsageError(message, SERVE_USAGE);
}

function nonNegativeInt(flag: string, value: string | undefined, max = Number.MAX_SAFE_INTEGER) {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw usageError(`--${flag} must be a whole number from 0 to ${max}, got '${value}'`);
  }
  return Number(value);
}

function list(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Parse `serve` flags (pure: no I/O). Throws `CLI_USAGE` with a one-line reason. */
export function parseServeArgs(argv: string[], env: CliIO["env"]): ServePlan | "help" {
  const { values } = parseFlags(argv, SERVE_FLAGS, SERVE_USAGE, { positionals: false });
  if (values.help) return "help";
  if (values.demo && values.stdio !== undefined)
    throw usageError("use --demo or --stdio, not both");
  if (!values.demo && values.stdio === undefined)
    throw usageError('say what to serve: --demo or --stdio "<command>"');
  if (values.stdio !== undefined && values.stdio.trim() === "")
    throw usageError("--stdio needs a command");

  const plan: ServePlan = {
    mode: values.demo ? { kind: "demo" } : { kind: "stdio", command: values.stdio as string },
    host: values.host ?? DEFAULT_SERVE_HOST,
    port: nonNegativeInt("port", values.port, 65535) ?? DEFAULT_SERVE_PORT,
    logLevel: "info",
  };
  if (values["log-level"] !== undefined) {
    const level = values["log-level"];
    if (level !== "debug" && level !== "info" && level !== "warn" && level !== "error") {
      throw usageError(`--log-level must be debug, info, warn or error, got '${level}'`);
    }
    plan.logLevel = level;
  }
  const origins = list(values["allowed-origins"]);
  if (origins !== undefined) plan.allowedOrigins = origins;
  const hosts = list(values["allowed-hosts"]);
  if (hosts !== undefined) plan.allowedHosts = hosts;
  const keepalive = nonNegativeInt("keepalive", values.keepalive);
  if (keepalive !== undefined) plan.keepAliveMs = keepalive * 1000;
  const maxBody = nonNegativeInt("max-body", values["max-body"]);
  if (maxBody !== undefined) {
    if (maxBody === 0) throw usageError("--max-body must be at least 1 byte");
    plan.maxBodyBytes = maxBody;
  }
  const maxSessions = nonNegativeInt("max-sessions", values["max-sessions"]);
  if (maxSessions !== undefined) plan.maxSessions = maxSessions;
  const handshake = nonNegativeInt("handshake-timeout", values["handshake-timeout"]);
  if (handshake !== undefined) plan.handshakeTimeoutMs = handshake * 1000;

  const redis = redisUrlOf(values.redis, values["redis-env"], env);
  if (redis !== undefined) {
    plan.redis = redis;
    if (values.redis !== undefined && new URL(redis).password !== "")
      plan.redisPasswordInArgs = true;
  }

  const tokenEnv = values["token-env"];
  if (tokenEnv !== undefined) {
    // Tokens never appear on the command line (visible in `ps`): only the variable's name does.
    const tokens = list(env[tokenEnv]) ?? [];
    if (tokens.length === 0) {
      throw usageError(`--token-env ${tokenEnv}: the environment variable is unset or empty`);
    }
    plan.tokens = tokens;
  }
  return plan;
}

/** The Redis URL from `--redis` or from the variable `--redis-env` names (not both). */
function redisUrlOf(
  flag: string | undefined,
  envName: string | undefined,
  env: CliIO["env"],
): string | undefined {
  if (flag !== undefined && envName !== undefined)
    throw usageError("use --redis or --redis-env, not both");
  if (flag !== undefined) return redisUrl(flag, "--redis");
  if (envName === undefined) return undefined;
  const value = env[envName]?.trim();
  if (!value)
    throw usageError(`--redis-env ${envName}: the environment variable is unset or empty`);
  return redisUrl(value, `--redis-env ${envName}`);
}

/** A `redis://` or `rediss://` URL; the message never repeats a password (or the value). */
function redisUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw usageError(`${source} must be a URL such as redis://127.0.0.1:6379`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw usageError(`${source} must be a redis:// or rediss:// URL, got '${url.protocol}'`);
  }
  return value;
}

/** The per-session server factory for a plan (the stdio command is checked here, once). */
export function serverFactory(plan: ServePlan, logger: Logger): () => ServerLike {
  if (plan.mode.kind === "demo") return () => createDemoServer({ logger });
  try {
    return createStdioServerFactory(plan.mode.command, { logger });
  } catch (error) {
    throw usageError(`--stdio: ${(error as Error).message}`);
  }
}

function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1" || host === "[::1]";
}

/** Resolve when the signal aborts (SIGINT/SIGTERM in `main`, or a test). */
function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(), { once: true }),
  );
}

/** The library's `serve()` options for a plan (the Redis backend is added by the caller). */
function serveOptions(plan: ServePlan, logger: Logger): Parameters<typeof serveHttp>[0] {
  const options: Parameters<typeof serveHttp>[0] = {
    createServer: serverFactory(plan, logger),
    host: plan.host,
    port: plan.port,
    logger,
  };
  // A stdio program speaks the 2025 session protocol; probing it for the stateless revision
  // would spawn a throwaway child. Clients that negotiate fall back to 2025 sessions.
  if (plan.mode.kind === "stdio") options.stateless = false;
  if (plan.allowedOrigins !== undefined) options.allowedOrigins = plan.allowedOrigins;
  if (plan.allowedHosts !== undefined) options.allowedHosts = plan.allowedHosts;
  if (plan.tokens !== undefined) options.auth = { tokens: plan.tokens };
  if (plan.keepAliveMs !== undefined) options.keepAliveMs = plan.keepAliveMs;
  if (plan.maxBodyBytes !== undefined) options.maxBodyBytes = plan.maxBodyBytes;
  if (plan.maxSessions !== undefined) options.maxSessions = plan.maxSessions;
  if (plan.handshakeTimeoutMs !== undefined) options.handshakeTimeoutMs = plan.handshakeTimeoutMs;
  // The demo also serves the guide's plain event feed and its RPC URL (/mcp/sse, /mcp/rpc).
  if (plan.mode.kind === "demo") options.feed = {};
  return options;
}

export async function serve(argv: string[], io: CliIO): Promise<number> {
  const plan = parseServeArgs(argv, io.env);
  if (plan === "help") {
    io.stdout(SERVE_USAGE);
    return 0;
  }
  const logger = createJsonLogger(io.stderr, plan.logLevel, { component: "mcp-sse serve" });
  if (!isLoopback(plan.host) && plan.tokens === undefined) {
    io.stderr(
      `mcp-sse serve: warning: listening on ${plan.host} without --token-env: anyone who can reach it can use the server\n`,
    );
  }

  const options = serveOptions(plan, logger);
  const demo = plan.mode.kind === "demo";
  if (plan.redisPasswordInArgs) {
    io.stderr(
      "mcp-sse serve: warning: the Redis password on the command line is visible to other users (ps); use --redis-env NAME\n",
    );
  }
  // Several replicas: the Redis backend is connected first, so an unreachable Redis is the
  // startup error (SERVER_REDIS_UNAVAILABLE), before anything listens.
  const backend =
    plan.redis === undefined ? undefined : await createRedisBackend({ url: plan.redis, logger });
  if (backend !== undefined) options.backend = backend;
  let running: Awaited<ReturnType<typeof serveHttp>>;
  try {
    running = await serveHttp(options);
  } catch (error) {
    await backend?.close();
    throw error;
  }
  const stopFeed = demo ? startDemoFeed(running.publish, { logger }) : undefined;
  const base = running.url.replace(/\/+$/, "");
  const what = demo ? "demo" : `stdio command (one process per session)`;
  // One write: whoever reads the startup lines (a supervisor, a test) gets them together.
  const lines = [
    `mcp-sse: serving ${what} on ${base} (legacy SSE: /sse, Streamable HTTP: /mcp, health: /healthz)`,
  ];
  if (backend !== undefined)
    lines.push(`mcp-sse: replica ${backend.replicaId}, sessions shared through Redis`);
  if (demo) lines.push(`mcp-sse: event feed on ${base}/mcp/sse (tools over POST ${base}/mcp/rpc)`);
  io.stdout(`${lines.join("\n")}\n`);

  await untilAborted(io.signal);
  io.stderr("mcp-sse: shutting down\n");
  stopFeed?.();
  await running.close();
  await backend?.close();
  return 0;
}
