/**
 * Validation of the interpolated tree: the schema (types, ranges, unknown keys) plus the
 * rules that span fields (url vs command per transport, unique names, cert with key).
 * Every problem goes to one list; nothing stops at the first.
 */
import type { z } from "zod";
import type { Logger } from "../logger.js";
import type { PathSegment, ProblemList } from "./problems.js";
import { formatPath } from "./problems.js";
import {
  AUTH_KEYS,
  configSchema,
  KNOWN_ENTRY_KEYS,
  type RawConfig,
  TRANSPORT_NAMES,
} from "./schema.js";

type Obj = Record<string, unknown>;
const TOP_LEVEL_KEYS = ["mcps", "mcpServers", "tool_separator", "pool"];
const POOL_KEYS = ["connections", "connections_per_host", "dns_cache_ttl"];
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** One server entry of either shape, as written in the file (after interpolation). */
export interface EntryRef {
  path: PathSegment[];
  name: string | undefined;
  value: Obj;
}

/** The server entries of a raw tree, in file order: `mcps` first, then `mcpServers`. */
export function entriesOf(tree: unknown): EntryRef[] {
  const out: EntryRef[] = [];
  if (!isObj(tree)) return out;
  if (Array.isArray(tree["mcps"])) {
    tree["mcps"].forEach((value, i) => {
      if (isObj(value)) {
        const name = typeof value["name"] === "string" ? value["name"] : undefined;
        out.push({ path: ["mcps", i], name, value });
      }
    });
  }
  if (isObj(tree["mcpServers"])) {
    for (const [name, value] of Object.entries(tree["mcpServers"])) {
      if (isObj(value)) out.push({ path: ["mcpServers", name], name, value });
    }
  }
  return out;
}

/** The server a problem path belongs to (`mcps[2]…` → that entry's name). */
export function serverNameFinder(
  tree: unknown,
): (path: readonly PathSegment[]) => string | undefined {
  return (path) => {
    if (!isObj(tree) || path.length < 2) return undefined;
    const [section, key] = path;
    if (section === "mcps" && typeof key === "number" && Array.isArray(tree["mcps"])) {
      const entry: unknown = tree["mcps"][key];
      return isObj(entry) && typeof entry["name"] === "string" ? entry["name"] : undefined;
    }
    if (section === "mcpServers" && typeof key === "string") return key;
    return undefined;
  };
}

const MCP_SERVERS_KEYS = [...KNOWN_ENTRY_KEYS.filter((k) => k !== "name"), "type", "disabled"];

/**
 * Drop what mcp-sse does not read, before interpolation (so another tool's `${…}` cannot
 * fail our load): `x-…` top-level keys in any file (docker-compose style, e.g. to hold YAML
 * anchors); and in a file with `mcpServers` (Claude Desktop, Cursor, Cline share it), other
 * top-level keys and unknown keys of `mcpServers` entries. In the `mcps:` format everything
 * else is kept, so that unknown keys are reported as typos.
 */
export function selectOwnKeys(tree: unknown, logger: Logger): unknown {
  if (!isObj(tree)) return tree;
  const shared = tree["mcpServers"] !== undefined;
  const ignored: string[] = [];
  const out: Obj = {};
  for (const [key, value] of Object.entries(tree)) {
    if (!TOP_LEVEL_KEYS.includes(key) && (shared || key.startsWith("x-"))) ignored.push(key);
    else
      Object.defineProperty(out, key, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  const servers = out["mcpServers"];
  if (isObj(servers)) {
    const kept: Obj = {};
    for (const [name, entry] of Object.entries(servers)) {
      let value = entry;
      if (isObj(entry)) {
        value = Object.fromEntries(
          Object.entries(entry).filter(([k]) => MCP_SERVERS_KEYS.includes(k)),
        );
        for (const k of Object.keys(entry))
          if (!MCP_SERVERS_KEYS.includes(k)) ignored.push(`mcpServers.${name}.${k}`);
      }
      Object.defineProperty(kept, name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    out["mcpServers"] = kept;
  }
  if (ignored.length > 0) logger.debug({ ignored }, "config: ignoring keys not used by mcp-sse");
  return out;
}

/** Levenshtein distance, for "did you mean" on unknown keys (short strings only). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        prev[j]! + 1,
        cur[j - 1]! + 1,
        prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  const lower = key.toLowerCase().replace(/-/g, "_");
  const best = known.map((k) => ({ k, d: distance(lower, k) })).sort((x, y) => x.d - y.d)[0];
  const hint = best && best.d <= 3 ? ` (did you mean "${best.k}"?)` : "";
  return `unknown key "${key}"${hint}`;
}

function issueToProblems(issue: z.core.$ZodIssue, problems: ProblemList, skip: Set<string>): void {
  const path = issue.path.filter((p): p is PathSegment => typeof p !== "symbol");
  if (issue.code === "unrecognized_keys") {
    const last = path.at(-1);
    const known =
      path.length === 0
        ? TOP_LEVEL_KEYS
        : last === "tls"
          ? ["ca", "cert", "key", "insecure", "insecure_skip_verify"]
          : last === "tools"
            ? ["allow", "deny"]
            : last === "auth"
              ? AUTH_KEYS
              : path.length === 1 && last === "pool"
                ? POOL_KEYS
                : path.length === 2
                  ? KNOWN_ENTRY_KEYS
                  : [];
    for (const key of issue.keys) problems.add([...path, key], unknownKeyMessage(key, known));
    return;
  }
  if (skip.has(formatPath(path))) return;
  if (issue.code === "invalid_key") {
    problems.add(path, issue.issues[0]?.message ?? "invalid key");
    return;
  }
  problems.add(path, issue.message);
}

function isTransportName(t: unknown): boolean {
  return typeof t === "string" && (TRANSPORT_NAMES as readonly string[]).includes(t);
}

function normalizeTransport(t: unknown): unknown {
  return t === "http" ? "streamable-http" : t;
}

/** Rules across fields, on the raw tree (types may be wrong: the schema reports those). */
function crossFieldRules(tree: unknown, problems: ProblemList, skip: Set<string>): void {
  const firstUse = new Map<string, string>();
  const add = (path: PathSegment[], message: string) => {
    if (!skip.has(formatPath(path))) problems.add(path, message);
  };
  for (const { path, name, value } of entriesOf(tree)) {
    if (name !== undefined) {
      const where = formatPath(path);
      const first = firstUse.get(name);
      if (first === undefined) firstUse.set(name, where);
      else add([...path, "name"], `duplicate server name "${name}": also used by ${first}`);
    }
    const declared = normalizeTransport(value["transport"]);
    const typed = normalizeTransport(value["type"]);
    // Only known names are compared and quoted: any other value is the schema's problem, and
    // may come from a secret variable.
    if (
      path[0] === "mcpServers" &&
      isTransportName(declared) &&
      isTransportName(typed) &&
      declared !== typed
    ) {
      add(
        [...path, "type"],
        `type "${String(value["type"])}" contradicts transport "${String(value["transport"])}"`,
      );
    }
    const hasCommand = value["command"] !== undefined;
    const hasUrl = value["url"] !== undefined;
    const transport = declared ?? typed ?? (hasCommand ? "stdio" : "auto");
    if (typeof transport !== "string") continue;
    if (transport === "stdio") {
      if (!hasCommand) add([...path, "command"], "is required for the stdio transport");
      if (hasUrl)
        add(
          [...path, "url"],
          "is not used by the stdio transport (remove it, or set an HTTP transport)",
        );
    } else if (["sse", "streamable-http", "auto"].includes(transport)) {
      if (!hasUrl) add([...path, "url"], `is required for the ${transport} transport`);
      if (hasCommand)
        add([...path, "command"], `is only used by the stdio transport, not ${transport}`);
    }
    feedRules(path, value, transport, add);
    authRules(path, value, transport, add);
    const tls = value["tls"];
    if (isObj(tls) && (tls["cert"] === undefined) !== (tls["key"] === undefined)) {
      add([...path, "tls"], "cert and key must be given together (mutual TLS)");
    }
    if (
      isObj(tls) &&
      tls["insecure"] !== undefined &&
      tls["insecure_skip_verify"] !== undefined &&
      String(tls["insecure"]) !== String(tls["insecure_skip_verify"])
    ) {
      add([...path, "tls", "insecure_skip_verify"], "contradicts tls.insecure (give only one)");
    }
  }
}

/**
 * An event feed is read over plain SSE (GET) with tools over HTTP: `kind: feed` needs a URL
 * transport that can read it (`sse` or `auto`), and `rpc_url` means nothing to stdio.
 */
function feedRules(
  path: PathSegment[],
  value: Obj,
  transport: string,
  add: (path: PathSegment[], message: string) => void,
): void {
  if (value["kind"] === "feed" && (transport === "stdio" || transport === "streamable-http"))
    add(
      [...path, "kind"],
      `feed servers are read over plain SSE: use transport sse or auto, not ${transport}`,
    );
  if (value["rpc_url"] !== undefined && transport === "stdio")
    add([...path, "rpc_url"], "is only used by event feeds over HTTP, not the stdio transport");
  if (value["rpc_url"] !== undefined && value["kind"] === "mcp")
    add([...path, "rpc_url"], "is only used by event feeds, not kind mcp");
}

/**
 * `auth:` (OAuth client credentials): HTTP transports only; exactly one client secret
 * (`client_secret` or `private_key`); and not beside an `Authorization` header, which the
 * OAuth token would replace (one of them would be silently unused).
 */
function authRules(
  path: PathSegment[],
  value: Obj,
  transport: string,
  add: (path: PathSegment[], message: string) => void,
): void {
  const auth = value["auth"];
  if (!isObj(auth)) return;
  const where = [...path, "auth"];
  if (transport === "stdio") add(where, "is only used by HTTP transports, not stdio");
  const secret = auth["client_secret"] !== undefined;
  const key = auth["private_key"] !== undefined;
  if (!secret && !key)
    add(where, "needs client_secret (client_secret_basic) or private_key (private_key_jwt)");
  if (secret && key)
    add([...where, "private_key"], "give only one of client_secret and private_key");
  if (auth["algorithm"] !== undefined && !key)
    add([...where, "algorithm"], "is only used with private_key");
  const headers = value["headers"];
  if (isObj(headers) && Object.keys(headers).some((h) => h.toLowerCase() === "authorization"))
    add(
      [...path, "headers", "Authorization"],
      "cannot be combined with auth: (its OAuth token is the Authorization header); remove one",
    );
}

/**
 * Validate the interpolated tree. Returns the parsed config when there is no problem (in
 * this step or earlier ones), else `undefined`; problems are added to `problems`.
 */
export function validateTree(tree: unknown, problems: ProblemList): RawConfig | undefined {
  // Paths that already have a problem (an unset variable) are not reported twice.
  const skip = new Set(problems.items.map((p) => p.path));
  const input = tree;
  if (isObj(input) && input["mcps"] === undefined && input["mcpServers"] === undefined) {
    problems.add(
      [],
      "no servers: add `mcps:` (a list of servers) or `mcpServers:` (a map of name to server)",
    );
  }
  const result = configSchema.safeParse(input);
  if (!result.success)
    for (const issue of result.error.issues) issueToProblems(issue, problems, skip);
  crossFieldRules(input, problems, skip);
  return result.success && problems.items.length === 0 ? result.data : undefined;
}
