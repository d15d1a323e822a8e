/**
 * A pino-compatible logger interface, so users can inject pino (or anything shaped like it),
 * and a small JSON-lines logger whose every line goes through the redaction walker
 * (redact.ts). Leaf module: imports only redact.ts.
 */
import { isSecretName, REDACTED, redactValue } from "./redact.js";

export { isSecretName, REDACTED, SECRET_HEADER_NAMES } from "./redact.js";

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
 * `level`. Every object (and the bindings of a child) is passed through `redact` first.
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
    const line = { level: lvl, time: Date.now(), ...bindings, ...fields };
    write(`${JSON.stringify(line, bigintAsString)}\n`);
  };
  return {
    debug: (o, m) => emit("debug", o, m),
    info: (o, m) => emit("info", o, m),
    warn: (o, m) => emit("warn", o, m),
    error: (o, m) => emit("error", o, m),
    child: (more) => createJsonLogger(write, level, redact({ ...bindings, ...more })),
  };
}

/** `JSON.stringify` throws on a bigint; a log line must never throw. */
function bigintAsString(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
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

/**
 * Deep copy of a log object with secret-named fields redacted (the built-in names plus
 * `extra`), at any depth: see `redactValue` in redact.ts, the one walker.
 */
export function redact(value: object, extra: readonly string[] = []): Record<string, unknown> {
  return redactValue(value, { names: extra }) as Record<string, unknown>;
}
