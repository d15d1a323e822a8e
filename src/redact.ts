/**
 * The one redaction walker: every log line (the JSON logger, the per-server redacting logger)
 * and every event or error the client hands to user code goes through `redactValue`. It
 * copies a value, blanking fields named like a secret and cutting known secret values out of
 * every string. Leaf module: imports nothing, no `node:` module (the SSE layer may use it).
 */

export const REDACTED = "[REDACTED]";
/** What a reference back to an enclosing object becomes. */
export const CIRCULAR = "[Circular]";
/** What a value nested deeper than `MAX_REDACT_DEPTH` becomes (never printed as it is). */
export const TOO_DEEP = "[Too deep]";
/**
 * Nesting levels walked. Deeper values are replaced, not copied: a bound keeps a hostile or
 * accidental 100 000-level value from overflowing the stack, and nothing leaks past it.
 */
export const MAX_REDACT_DEPTH = 100;
/** Shorter secret values are too likely to be ordinary words (or empty) to scrub. */
export const MIN_SCRUBBED_VALUE_LENGTH = 4;

/** Header names whose values are secrets wherever they appear (lower case). */
export const SECRET_HEADER_NAMES: readonly string[] = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "set-cookie",
  "x-api-key",
  "api-key",
  "x-auth-token",
];

/** True when a header or field name names a secret. */
export function isSecretName(name: string, extra: readonly string[] = []): boolean {
  const lower = name.toLowerCase();
  return (
    SECRET_HEADER_NAMES.includes(lower) ||
    extra.includes(lower) ||
    /token|secret|password|api[-_]?key|encryption[-_]?key|private[-_]?key/.test(lower)
  );
}

/** `text` with every occurrence of the given values replaced by `[REDACTED]`. */
export function scrubValues(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (value !== "") out = out.split(value).join(REDACTED);
  return out;
}

export interface RedactOptions {
  /**
   * Field names (lower case) redacted on top of the built-in secret names. `false`: field
   * names are not looked at (event data: a `progressToken` is not a secret).
   */
  names?: readonly string[] | false;
  /** Secret values cut out of every string and key (e.g. the header values a server was sent). */
  values?: readonly string[];
}

interface Walk {
  names: readonly string[] | false;
  values: readonly string[];
  /** The objects being walked (the path from the root): a repeat is a cycle. */
  path: WeakSet<object>;
}

/**
 * A redacted copy of `value`, at any depth: plain objects and arrays, `Map`s (as objects),
 * `Set`s (as arrays), `Headers`, `[name, value]` header pairs, and `Error`s (as
 * `{ name, message, stack, …own fields, cause, errors }`, so an `AggregateError`'s errors and
 * a `cause` chain are covered). Cycles become `[Circular]`, binary data its size.
 */
export function redactValue(value: unknown, options: RedactOptions = {}): unknown {
  const values = (options.values ?? [])
    .filter((v) => v.length >= MIN_SCRUBBED_VALUE_LENGTH)
    // Longest first, so a whole `Bearer <token>` is replaced before its credential part.
    .sort((a, b) => b.length - a.length);
  return walk(value, { names: options.names ?? [], values, path: new WeakSet() }, 0);
}

function walk(value: unknown, w: Walk, depth: number): unknown {
  if (typeof value === "string")
    return w.values.length === 0 ? value : scrubValues(value, w.values);
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_REDACT_DEPTH) return TOO_DEEP;
  if (w.path.has(value)) return CIRCULAR;
  if (value instanceof Date) return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
    return `[${value.byteLength} bytes]`;
  w.path.add(value);
  try {
    return walkObject(value, w, depth + 1);
  } catch {
    // A getter that throws (or a revoked Proxy): show nothing of it rather than fail the log.
    return "[Unreadable]";
  } finally {
    w.path.delete(value);
  }
}

function walkObject(value: object, w: Walk, depth: number): unknown {
  if (Array.isArray(value)) {
    const [name] = value;
    // `[["Authorization", "Bearer …"]]`: the HeadersInit pair form.
    if (value.length === 2 && typeof name === "string" && secretName(name, w))
      return [name, REDACTED];
    return value.map((item) => walk(item, w, depth));
  }
  if (value instanceof Error) return walkError(value, w, depth);
  if (value instanceof Map) return walkEntries(value.entries(), w, depth);
  if (value instanceof Set) return [...value].map((item) => walk(item, w, depth));
  if (typeof Headers !== "undefined" && value instanceof Headers)
    return walkEntries(value.entries(), w, depth);
  return walkEntries(Object.entries(value), w, depth);
}

function walkError(error: Error, w: Walk, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: walk(error.name, w, depth),
    message: walk(error.message, w, depth),
  };
  if (error.stack !== undefined) out["stack"] = walk(error.stack, w, depth);
  Object.assign(out, walkEntries(Object.entries(error), w, depth));
  // Own but not enumerable: `cause` (ES2022) and `AggregateError#errors`.
  if ("cause" in error && error.cause !== undefined) out["cause"] = walk(error.cause, w, depth);
  if (error instanceof AggregateError) out["errors"] = walk(error.errors, w, depth);
  return out;
}

function walkEntries(
  entries: Iterable<[unknown, unknown]>,
  w: Walk,
  depth: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, item] of entries) {
    const name = typeof rawKey === "string" ? rawKey : String(rawKey);
    const key = w.values.length === 0 ? name : scrubValues(name, w.values);
    out[key] = secretName(name, w) ? REDACTED : walk(item, w, depth);
  }
  return out;
}

function secretName(name: string, w: Walk): boolean {
  return w.names !== false && isSecretName(name, w.names);
}
