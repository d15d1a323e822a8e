/**
 * A pino-compatible logger interface, so users can inject pino (or anything shaped like it),
 * and the redaction every log line goes through. Leaf module: imports nothing.
 */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child?(bindings: Record<string, unknown>): Logger;
}

const noop = () => {};
/** The default: say nothing. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

type Level = "debug" | "info" | "warn" | "error";
const LEVELS: Record<Level, number> = { debug: 20, info: 30, warn: 40, error: 50 };

/**
 * A small JSON-lines logger to a write function (stderr by default in the CLI), at or above
 * `level`. Every object is passed through `redact` first.
 */
export function createJsonLogger(
  write: (line: string) => void,
  level: Level = "info",
  bindings: Record<string, unknown> = {},
): Logger {
  const min = LEVELS[level];
  const emit = (lvl: Level, obj: object | string, msg?: string) => {
    if (LEVELS[lvl] < min) return;
    const fields = typeof obj === "string" ? { msg: obj } : { ...redact(obj), msg };
    write(`${JSON.stringify({ level: lvl, time: Date.now(), ...bindings, ...fields })}\n`);
  };
  return {
    debug: (o, m) => emit("debug", o, m),
    info: (o, m) => emit("info", o, m),
    warn: (o, m) => emit("warn", o, m),
    error: (o, m) => emit("error", o, m),
    child: (more) => createJsonLogger(write, level, { ...bindings, ...more }),
  };
}

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

export const REDACTED = "[REDACTED]";

/** True when a header or field name names a secret. */
export function isSecretName(name: string, extra: readonly string[] = []): boolean {
  const lower = name.toLowerCase();
  return (
    SECRET_HEADER_NAMES.includes(lower) ||
    extra.includes(lower) ||
    /token|secret|password|api[-_]?key|encryption[-_]?key/.test(lower)
  );
}

/** A copy of `headers` with secret values replaced by `[REDACTED]`. */
export function redactHeaders(
  headers: Record<string, string> | undefined,
  extra: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {}))
    out[k] = isSecretName(k, extra) ? REDACTED : v;
  return out;
}

/** Deep copy of a log object with secret-named fields (and any `headers` object) redacted. */
export function redact(
  value: object,
  extra: readonly string[] = [],
  depth = 0,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (isSecretName(k, extra)) out[k] = REDACTED;
    else if (v instanceof Error)
      out[k] = { message: v.message, code: (v as { code?: unknown }).code };
    else if (v !== null && typeof v === "object" && !Array.isArray(v) && depth < 4)
      out[k] = redact(v as object, extra, depth + 1);
    else out[k] = v;
  }
  return out;
}
