/**
 * An object shaped like a loaded `McpsConfig` (`{ servers, toolSeparator }`) that `loadConfig`
 * did not make is not trusted: it is turned back into the file shape (ms → seconds, camelCase
 * → the file's keys, PEM text kept inline) and goes through the same schema and cross-field
 * rules as a file. Problems are reported under the object's own paths
 * (`servers[0].timeoutMs`). Values are not interpolated: they are already final.
 */
import type { Logger } from "../logger.js";
import { OBJECT_SOURCE } from "./defaults.js";
import { normalize, type TlsFiles, type TlsPem } from "./normalize.js";
import { type ConfigProblem, configInvalid, formatPath, ProblemList } from "./problems.js";
import type { McpsConfig } from "./types.js";
import { entriesOf, serverNameFinder, validateTree } from "./validate.js";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Where a hand-made loaded-shape config is named in messages. */
export const HAND_MADE_SOURCE = `${OBJECT_SOURCE} (an McpsConfig not made by loadConfig, validated again)`;

/**
 * `ServerConfig` key → file key. Times in ms become the file's seconds. A key missing here is
 * passed through unchanged and so reported as unknown (add new `ServerConfig` fields here).
 */
const FIELDS: Record<string, { file: string; msToSeconds?: true }> = {
  name: { file: "name" },
  transport: { file: "transport" },
  url: { file: "url" },
  command: { file: "command" },
  args: { file: "args" },
  env: { file: "env" },
  cwd: { file: "cwd" },
  headers: { file: "headers" },
  timeoutMs: { file: "timeout", msToSeconds: true },
  reconnectIntervalMs: { file: "reconnect_interval", msToSeconds: true },
  maxReconnects: { file: "max_reconnects" },
  pingIntervalMs: { file: "ping_interval", msToSeconds: true },
  enabled: { file: "enabled" },
  tools: { file: "tools" },
  tls: { file: "tls" },
  encryptionKey: { file: "encryption_key" },
  secretHeaders: { file: "secret_headers" },
  slowHandlerMs: { file: "slow_handler_ms" },
  kind: { file: "kind" },
  rpcUrl: { file: "rpc_url" },
  rateLimitBackoffMs: { file: "rate_limit_backoff", msToSeconds: true },
  maxCallTimeMs: { file: "max_call_time", msToSeconds: true },
  auth: { file: "auth" },
};
/** `OAuthConfig` key → the file's `auth:` key. */
const AUTH_FIELDS: Record<string, { file: string }> = {
  grant: { file: "grant" },
  clientId: { file: "client_id" },
  clientSecret: { file: "client_secret" },
  privateKey: { file: "private_key" },
  algorithm: { file: "algorithm" },
  scope: { file: "scope" },
  issuer: { file: "issuer" },
  tokenEndpoint: { file: "token_endpoint" },
};
const FILE_TO_OWN = new Map(Object.entries(FIELDS).map(([own, { file }]) => [file, own]));

/** True for an object in the loaded shape (`servers` and `toolSeparator`, no `mcps`). */
export function looksLoaded(value: object): boolean {
  return (
    "servers" in value && "toolSeparator" in value && !("mcps" in value) && !("mcpServers" in value)
  );
}

/** Own keys → file keys (ms → seconds where marked); unknown keys pass through (and are reported). */
function renameKeys(
  value: unknown,
  fields: Record<string, { file: string; msToSeconds?: true }>,
): unknown {
  if (!isObj(value)) return value;
  const entry: Obj = {};
  for (const [key, v] of Object.entries(value)) {
    const field = fields[key];
    if (field === undefined) entry[key] = v;
    else if (v === undefined) continue;
    else entry[field.file] = field.msToSeconds && typeof v === "number" ? v / 1000 : v;
  }
  return entry;
}

/** `PoolConfig` key → the file's `pool:` key (`dnsCacheTtlMs` in ms → seconds). */
const POOL_FIELDS: Record<string, { file: string; msToSeconds?: true }> = {
  connections: { file: "connections" },
  connectionsPerHost: { file: "connections_per_host" },
  dnsCacheTtlMs: { file: "dns_cache_ttl", msToSeconds: true },
};
const POOL_FILE_TO_OWN = new Map(Object.entries(POOL_FIELDS).map(([own, { file }]) => [file, own]));

function toFileEntry(server: unknown): unknown {
  const entry = renameKeys(server, FIELDS);
  if (isObj(entry) && entry["auth"] !== undefined)
    entry["auth"] = renameKeys(entry["auth"], AUTH_FIELDS);
  return entry;
}

function toFileShape(value: Obj): Obj {
  const tree: Obj = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === "servers") tree["mcps"] = Array.isArray(v) ? v.map(toFileEntry) : v;
    else if (key === "toolSeparator") tree["tool_separator"] = v;
    else if (key === "pool") tree["pool"] = renameKeys(v, POOL_FIELDS);
    else if (key !== "source") tree[key] = v;
  }
  return tree;
}

/** The PEM text the object carries in `tls.ca/cert/key` (a loaded config holds text, not paths). */
function inlineTls(tree: unknown, problems: ProblemList): TlsFiles {
  const out: TlsFiles = new Map();
  for (const { path, value } of entriesOf(tree)) {
    const tls = value["tls"];
    if (!isObj(tls)) continue;
    const pem: TlsPem = {};
    for (const field of ["ca", "cert", "key"] as const) {
      const text = tls[field];
      if (typeof text !== "string" || text === "") continue;
      if (text.includes("-----BEGIN ")) pem[field] = text;
      else problems.add([...path, "tls", field], 'is not PEM text (no "-----BEGIN" line)');
    }
    out.set(formatPath(path), pem);
  }
  return out;
}

/** `mcps[2].timeout` → `servers[2].timeoutMs`: the problem in the object's own terms. */
function ownPath(path: string): string {
  if (path === "tool_separator") return "toolSeparator";
  const pool = /^pool\.([a-z_]+)(.*)$/.exec(path);
  if (pool !== null) return `pool.${POOL_FILE_TO_OWN.get(pool[1] ?? "") ?? pool[1]}${pool[2]}`;
  const match = /^mcps(?:\[(\d+)\](?:\.([A-Za-z_]+))?)?(.*)$/.exec(path);
  if (match === null) return path;
  const [, index, key, rest] = match;
  if (index === undefined) return `servers${rest}`;
  const own = key === undefined ? "" : `.${FILE_TO_OWN.get(key) ?? key}`;
  return `servers[${index}]${own}${rest}`;
}

/** Validate a hand-made loaded-shape config again; the result is a fresh normalized config. */
export async function revalidate(
  value: Obj,
  context: { baseDir: string; logger: Logger },
): Promise<McpsConfig> {
  const tree = toFileShape(value);
  const problems = new ProblemList(serverNameFinder(tree));
  const valid = validateTree(tree, problems);
  const tlsFiles = inlineTls(tree, problems);
  if (problems.items.length > 0) {
    const own: ConfigProblem[] = problems.items.map((p) => ({ ...p, path: ownPath(p.path) }));
    throw configInvalid(HAND_MADE_SOURCE, own);
  }
  if (valid === undefined) throw new Error("unreachable: invalid config without problems");
  return normalize(valid, tlsFiles, { ...context, source: OBJECT_SOURCE });
}
