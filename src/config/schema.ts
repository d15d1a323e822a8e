/**
 * The one schema of a config file, for both accepted shapes:
 * - `mcps:` — the seed format, a list of entries (our own format: unknown keys are errors,
 *   as typo protection);
 * - `mcpServers:` — the map Claude Desktop / Cursor use (shared with other tools that add
 *   their own keys, so unknown keys there are ignored).
 * It runs on the interpolated tree; rules that span fields live in `validate.ts`.
 * Messages never include the input value (it may be a secret).
 */
import { z } from "zod";
import { decodeBase64Url } from "../fernet/index.js";
import {
  AUTH_GRANTS,
  DEFAULT_POOL_CONNECTIONS,
  MAX_TIMER_S,
  SERVER_NAME_PATTERN,
} from "./defaults.js";

export const TRANSPORT_NAMES = ["sse", "http", "streamable-http", "stdio", "auto"] as const;
export const SERVER_KINDS = ["auto", "mcp", "feed"] as const;

/** A number, or a string of digits (an interpolated `${TIMEOUT:-30}` is a string). */
function numeric(v: unknown): unknown {
  return typeof v === "string" && /^\s*\d+(\.\d+)?\s*$/.test(v) ? Number(v) : v;
}
/** A boolean, or `"true"`/`"false"` (from interpolation). */
function booleanish(v: unknown): unknown {
  if (v === "true") return true;
  if (v === "false") return false;
  return v;
}

const base = () =>
  z
    .number({ error: "must be a number of seconds" })
    .max(MAX_TIMER_S, `must be at most ${MAX_TIMER_S} seconds (~24.8 days, the timer limit)`);
const seconds = (min: "positive" | "nonnegative") =>
  z.preprocess(
    numeric,
    min === "positive"
      ? base().positive("must be > 0 seconds")
      : base().nonnegative("must be >= 0 seconds"),
  );

const flag = z.preprocess(booleanish, z.boolean({ error: "must be true or false" }));

/** Header values, env values, args: strings; YAML numbers/booleans are stringified. */
const scalar = z
  .union([z.string(), z.number(), z.boolean()], { error: "must be a string" })
  .transform(String);

const stringMap = z.record(z.string(), scalar, { error: "must be a map of names to strings" });
const nonEmpty = z.string({ error: "must be a string" }).min(1, "must not be empty");

const WELL_KNOWN_SCHEMES = ["ws:", "wss:", "ftp:", "file:", "data:", "unix:", "tcp:", "stdio:"];

const httpUrl = z.string({ error: "must be a string" }).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not echoing the value: it may come from a secret variable.
    ctx.addIssue({ code: "custom", message: "is not a valid absolute URL" });
    return;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    // Name the scheme only when it is a well-known one: "sk-live:abc" parses as a URL too.
    const scheme = WELL_KNOWN_SCHEMES.includes(url.protocol) ? ` (got "${url.protocol}")` : "";
    ctx.addIssue({ code: "custom", message: `must be an http:// or https:// URL${scheme}` });
  }
});

const fernetKey = z
  .string({ error: "must be a string" })
  .refine(
    (k) => decodeBase64Url(k)?.length === 32,
    "is not a valid Fernet key (32 bytes, url-safe base64)",
  );

const transport = z.enum(TRANSPORT_NAMES, {
  error: `must be one of ${TRANSPORT_NAMES.join(", ")}`,
});

/** Keys of `auth:` (unknown keys are typos there too). */
export const AUTH_KEYS = [
  "grant",
  "client_id",
  "client_secret",
  "private_key",
  "algorithm",
  "scope",
  "issuer",
  "token_endpoint",
] as const;

/** `auth:`: OAuth client credentials. Which secret is given is checked in validate.ts. */
const authSchema = z.strictObject(
  {
    grant: z.enum(AUTH_GRANTS, { error: `must be ${AUTH_GRANTS.join(", ")}` }).optional(),
    client_id: z.string({ error: "is required (a string)" }).min(1, "must not be empty"),
    client_secret: nonEmpty.optional(),
    private_key: nonEmpty.optional(),
    algorithm: nonEmpty.optional(),
    scope: nonEmpty.optional(),
    issuer: httpUrl.optional(),
    token_endpoint: httpUrl.optional(),
  },
  { error: `must be a map with ${AUTH_KEYS.join(", ")}` },
);

/** Fields shared by both shapes (everything but the name). */
const serverFields = {
  transport: transport.optional(),
  url: httpUrl.optional(),
  headers: stringMap.optional(),
  timeout: seconds("positive").optional(),
  reconnect_interval: seconds("positive").optional(),
  max_reconnects: z
    .preprocess(
      numeric,
      z
        .number({ error: "must be a whole number" })
        .int("must be a whole number")
        .nonnegative("must be >= 0"),
    )
    .optional(),
  ping_interval: seconds("nonnegative").optional(),
  enabled: flag.optional(),
  tools: z
    .strictObject(
      {
        allow: z.array(nonEmpty, { error: "must be a list of tool names" }).optional(),
        deny: z.array(nonEmpty, { error: "must be a list of tool names" }).optional(),
      },
      { error: "must be a map with `allow` and/or `deny`" },
    )
    .optional(),
  tls: z
    .strictObject(
      {
        ca: nonEmpty.optional(),
        cert: nonEmpty.optional(),
        key: nonEmpty.optional(),
        insecure: flag.optional(),
        /** The same as `insecure` (the name Go's crypto/tls and many YAML configs use). */
        insecure_skip_verify: flag.optional(),
      },
      { error: "must be a map with ca, cert, key, insecure" },
    )
    .optional(),
  encryption_key: fernetKey.optional(),
  auth: authSchema.optional(),
  command: nonEmpty.optional(),
  args: z.array(scalar, { error: "must be a list of strings" }).optional(),
  env: stringMap.optional(),
  cwd: nonEmpty.optional(),
  secret_headers: z.array(nonEmpty, { error: "must be a list of header names" }).optional(),
  max_call_time: seconds("positive").optional(),
  kind: z.enum(SERVER_KINDS, { error: `must be one of ${SERVER_KINDS.join(", ")}` }).optional(),
  rpc_url: httpUrl.optional(),
  rate_limit_backoff: seconds("positive").optional(),
  slow_handler_ms: z
    .preprocess(
      numeric,
      z
        .number({ error: "must be a number of milliseconds" })
        .nonnegative("must be >= 0 milliseconds")
        .max(MAX_TIMER_S * 1000, `must be at most ${MAX_TIMER_S * 1000} milliseconds`),
    )
    .optional(),
};

const count = (min: 0 | 1) =>
  z.preprocess(
    numeric,
    z
      .number({ error: "must be a whole number" })
      .int("must be a whole number")
      .min(min, `must be >= ${min}`),
  );

/** The top-level `pool:` (the guide's connection pool knobs), shared by every HTTP server. */
const poolSchema = z
  .strictObject(
    {
      connections: count(1).optional(),
      connections_per_host: count(0).optional(),
      dns_cache_ttl: seconds("nonnegative").optional(),
    },
    { error: "must be a map with connections, connections_per_host, dns_cache_ttl" },
  )
  .superRefine((pool, ctx) => {
    const total = pool.connections ?? DEFAULT_POOL_CONNECTIONS;
    if (pool.connections_per_host !== undefined && pool.connections_per_host > total)
      ctx.addIssue({
        code: "custom",
        path: ["connections_per_host"],
        message: `must be at most pool.connections (${total})`,
      });
  });

const serverName = z
  .string({ error: "is required (a string)" })
  .regex(SERVER_NAME_PATTERN, "must use only letters, digits, `_`, `.` and `-`");

/** One `mcps:` entry. Strict: an unknown key is most likely a typo. */
export const mcpsEntrySchema = z.strictObject(
  { name: serverName, ...serverFields },
  { error: "must be a map of server settings" },
);

/** One `mcpServers:` value (Claude Desktop / Cursor). Loose: other tools add their keys. */
export const mcpServersEntrySchema = z.looseObject(
  {
    ...serverFields,
    /** Claude Desktop / Cursor spell the transport `type`. */
    type: transport.optional(),
    /** Cline's switch; honoured as `enabled: false`. */
    disabled: flag.optional(),
  },
  { error: "must be a map of server settings" },
);

/** The whole file. */
export const configSchema = z.strictObject(
  {
    mcps: z.array(mcpsEntrySchema, { error: "must be a list of servers" }).optional(),
    mcpServers: z
      .record(
        z
          .string()
          .regex(
            SERVER_NAME_PATTERN,
            "server name must use only letters, digits, `_`, `.` and `-`",
          ),
        mcpServersEntrySchema,
        { error: "must be a map of server name to settings" },
      )
      .optional(),
    tool_separator: nonEmpty.optional(),
    pool: poolSchema.optional(),
  },
  { error: "must be a map with `mcps:` (a list) or `mcpServers:` (a map)" },
);

export type RawConfig = z.output<typeof configSchema>;
export type RawMcpsEntry = z.output<typeof mcpsEntrySchema>;
export type RawMcpServersEntry = z.output<typeof mcpServersEntrySchema>;

/** Every key an entry may have, for "did you mean" hints on unknown keys. */
export const KNOWN_ENTRY_KEYS: readonly string[] = ["name", ...Object.keys(serverFields)];
