/**
 * From the validated file shape to `McpsConfig`: defaults applied, seconds → ms,
 * `http` → `streamable-http`, both file shapes merged into one list, TLS files read.
 */
import type { Logger } from "../logger.js";
import {
  AUTH_GRANTS,
  DEFAULT_AUTH_ALGORITHM,
  DEFAULT_DNS_CACHE_TTL_S,
  DEFAULT_ENABLED,
  DEFAULT_MAX_RECONNECTS,
  DEFAULT_PING_INTERVAL_S,
  DEFAULT_POOL_CONNECTIONS,
  DEFAULT_POOL_CONNECTIONS_PER_HOST,
  DEFAULT_RATE_LIMIT_BACKOFF_S,
  DEFAULT_RECONNECT_INTERVAL_S,
  DEFAULT_SERVER_KIND,
  DEFAULT_SLOW_HANDLER_MS,
  DEFAULT_TIMEOUT_S,
  DEFAULT_TLS_INSECURE,
  DEFAULT_TOOL_SEPARATOR,
} from "./defaults.js";
import type { PathSegment, ProblemList } from "./problems.js";
import { formatPath } from "./problems.js";
import type { RawConfig, RawMcpServersEntry, RawMcpsEntry } from "./schema.js";
import type {
  McpsConfig,
  OAuthConfig,
  PoolConfig,
  ServerConfig,
  TlsConfig,
  TransportKind,
} from "./types.js";
import { entriesOf } from "./validate.js";

/** PEM text read for one entry, keyed by the entry's formatted path. */
export interface TlsPem {
  ca?: string;
  cert?: string;
  key?: string;
}
export type TlsFiles = Map<string, TlsPem>;

type PathModule = typeof import("node:path");
let pathModule: Promise<PathModule> | undefined;
/** `node:path`, loaded only when a config names files (keeps the root import runtime-agnostic). */
function nodePath(): Promise<PathModule> {
  pathModule ??= import("node:path");
  return pathModule;
}

/** Resolve a file path named in the config against the config's directory. */
export async function resolveFrom(baseDir: string, file: string): Promise<string> {
  return (await nodePath()).resolve(baseDir, file);
}

/**
 * Read every `tls.ca/cert/key` file the (interpolated) tree names, relative to `baseDir`.
 * Unreadable or non-PEM files are problems; contents are never put in a message.
 */
export async function readTlsFiles(
  tree: unknown,
  baseDir: string,
  problems: ProblemList,
): Promise<TlsFiles> {
  const out: TlsFiles = new Map();
  const jobs: Promise<void>[] = [];
  for (const { path, value } of entriesOf(tree)) {
    const tls = value["tls"];
    if (tls === null || typeof tls !== "object" || Array.isArray(tls)) continue;
    const files: TlsPem = {};
    out.set(formatPath(path), files);
    for (const field of ["ca", "cert", "key"] as const) {
      const file = (tls as Record<string, unknown>)[field];
      if (typeof file !== "string" || file === "") continue;
      jobs.push(
        readPem(baseDir, file, [...path, "tls", field], problems).then((pem) => {
          if (pem !== undefined) files[field] = pem;
        }),
      );
    }
  }
  await Promise.all(jobs);
  return out;
}

async function readPem(
  baseDir: string,
  file: string,
  path: PathSegment[],
  problems: ProblemList,
): Promise<string | undefined> {
  const full = await resolveFrom(baseDir, file);
  const fs = await import("node:fs/promises");
  let text: string;
  try {
    text = await fs.readFile(full, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    problems.add(
      path,
      `cannot read file ${JSON.stringify(full)}: ${code === "ENOENT" ? "not found" : String(code ?? error)}`,
    );
    return undefined;
  }
  if (!text.includes("-----BEGIN ")) {
    problems.add(path, `file ${JSON.stringify(full)} is not PEM (no "-----BEGIN" line)`);
    return undefined;
  }
  return text;
}

/** Seconds → whole ms; a positive time never rounds down to 0 (which means "disabled"). */
const ms = (seconds: number) => (seconds > 0 ? Math.max(1, Math.round(seconds * 1000)) : 0);

function transportOf(t: string | undefined, hasCommand: boolean): TransportKind {
  if (t === "http") return "streamable-http";
  if (t === "sse" || t === "streamable-http" || t === "stdio" || t === "auto") return t;
  return hasCommand ? "stdio" : "auto";
}

async function toServer(
  name: string,
  entry: RawMcpsEntry | RawMcpServersEntry,
  extra: { transport: string | undefined; enabled: boolean; tls: TlsPem | undefined },
  baseDir: string,
  logger: Logger,
  source: string,
): Promise<ServerConfig> {
  const server: ServerConfig = {
    name,
    transport: transportOf(extra.transport, entry.command !== undefined),
    args: entry.args ?? [],
    env: entry.env ?? {},
    headers: entry.headers ?? {},
    timeoutMs: ms(entry.timeout ?? DEFAULT_TIMEOUT_S),
    reconnectIntervalMs: ms(entry.reconnect_interval ?? DEFAULT_RECONNECT_INTERVAL_S),
    maxReconnects: entry.max_reconnects ?? DEFAULT_MAX_RECONNECTS,
    pingIntervalMs: ms(entry.ping_interval ?? DEFAULT_PING_INTERVAL_S),
    enabled: extra.enabled,
    tools: {
      ...(entry.tools?.allow === undefined ? {} : { allow: entry.tools.allow }),
      ...(entry.tools?.deny === undefined ? {} : { deny: entry.tools.deny }),
    },
    secretHeaders: (entry.secret_headers ?? []).map((h) => h.toLowerCase()),
    // Unset: DEFAULT_MAX_CALL_TIME_FACTOR × each call's own timeout (see connection.ts).
    ...(entry.max_call_time === undefined ? {} : { maxCallTimeMs: ms(entry.max_call_time) }),
    kind: entry.kind ?? DEFAULT_SERVER_KIND,
    rateLimitBackoffMs: ms(entry.rate_limit_backoff ?? DEFAULT_RATE_LIMIT_BACKOFF_S),
    slowHandlerMs: entry.slow_handler_ms ?? DEFAULT_SLOW_HANDLER_MS,
  };
  if (entry.rpc_url !== undefined) server.rpcUrl = entry.rpc_url;
  if (entry.url !== undefined) server.url = entry.url;
  if (entry.command !== undefined) server.command = entry.command;
  if (entry.cwd !== undefined) server.cwd = await resolveFrom(baseDir, entry.cwd);
  if (entry.encryption_key !== undefined) server.encryptionKey = entry.encryption_key;
  if (entry.auth !== undefined) server.auth = authOf(entry.auth);
  if (entry.tls !== undefined) {
    const insecure = entry.tls.insecure ?? entry.tls.insecure_skip_verify ?? DEFAULT_TLS_INSECURE;
    const tls: TlsConfig = { insecure };
    if (extra.tls?.ca !== undefined) tls.ca = extra.tls.ca;
    if (extra.tls?.cert !== undefined) tls.cert = extra.tls.cert;
    if (extra.tls?.key !== undefined) tls.key = extra.tls.key;
    server.tls = tls;
    if (tls.insecure) {
      logger.warn(
        { server: name, source },
        `TLS CERTIFICATE VERIFICATION IS DISABLED for server "${name}" (tls.insecure: true in ${source}): anyone on the network path can impersonate it and read its traffic, headers included. Use tls.ca for a private CA instead.`,
      );
    }
  }
  return server;
}

/** `auth:` in the file's terms → `OAuthConfig` (validate.ts checked which secret is given). */
function authOf(raw: NonNullable<RawMcpsEntry["auth"]>): OAuthConfig {
  const auth: OAuthConfig = {
    grant: raw.grant ?? AUTH_GRANTS[0],
    clientId: raw.client_id,
    algorithm: raw.algorithm ?? DEFAULT_AUTH_ALGORITHM,
  };
  if (raw.client_secret !== undefined) auth.clientSecret = raw.client_secret;
  if (raw.private_key !== undefined) auth.privateKey = raw.private_key;
  if (raw.scope !== undefined) auth.scope = raw.scope;
  if (raw.issuer !== undefined) auth.issuer = raw.issuer;
  if (raw.token_endpoint !== undefined) auth.tokenEndpoint = raw.token_endpoint;
  return auth;
}

/** Build the normalized config from a validated file. */
export async function normalize(
  raw: RawConfig,
  tlsFiles: TlsFiles,
  context: { baseDir: string; logger: Logger; source: string },
): Promise<McpsConfig> {
  const { baseDir, logger, source } = context;
  const servers: ServerConfig[] = [];
  for (const [i, entry] of (raw.mcps ?? []).entries()) {
    servers.push(
      await toServer(
        entry.name,
        entry,
        {
          transport: entry.transport,
          enabled: entry.enabled ?? DEFAULT_ENABLED,
          tls: tlsFiles.get(formatPath(["mcps", i])),
        },
        baseDir,
        logger,
        source,
      ),
    );
  }
  for (const [name, entry] of Object.entries(raw.mcpServers ?? {})) {
    servers.push(
      await toServer(
        name,
        entry,
        {
          transport: entry.transport ?? entry.type,
          enabled: entry.disabled === true ? false : (entry.enabled ?? DEFAULT_ENABLED),
          tls: tlsFiles.get(formatPath(["mcpServers", name])),
        },
        baseDir,
        logger,
        source,
      ),
    );
  }
  return {
    servers,
    toolSeparator: raw.tool_separator ?? DEFAULT_TOOL_SEPARATOR,
    pool: poolOf(raw.pool),
    source,
  };
}

/** The top-level `pool:` with its defaults (all of them for `undefined`). */
export function poolOf(raw: RawConfig["pool"]): PoolConfig {
  return {
    connections: raw?.connections ?? DEFAULT_POOL_CONNECTIONS,
    connectionsPerHost: raw?.connections_per_host ?? DEFAULT_POOL_CONNECTIONS_PER_HOST,
    dnsCacheTtlMs: ms(raw?.dns_cache_ttl ?? DEFAULT_DNS_CACHE_TTL_S),
  };
}
