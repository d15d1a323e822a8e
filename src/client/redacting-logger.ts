/**
 * The logger one server's connection (and its transport) writes to: every line is redacted
 * with that server's `secret_headers` on top of the built-in secret names, whatever logger the
 * user injected (a logger's own redaction, such as pino's `redact` paths, knows neither this
 * server's header names nor their values). Field names that name a secret lose their
 * value, and the values of the server's secret headers are scrubbed from every string (an
 * error message may echo a header the server reflected).
 */
import { type Logger, silentLogger } from "../logger.js";
import { isSecretName, redactValue, scrubValues } from "../redact.js";
import { secretValuesOf } from "../sse/reader-http.js";

/** The values of the headers whose names are secret (built-in names plus `secretNames`). */
export function secretHeaderValues(
  headers: Record<string, string>,
  secretNames: readonly string[],
): string[] {
  const secret: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (isSecretName(name, secretNames)) secret[name] = value;
  return secretValuesOf(secret);
}

/**
 * `logger` with every object redacted: fields named like a secret (built-in names or
 * `secretNames`, lower case) become `[REDACTED]`, and the current values of the secret headers
 * (`headers()`, read at each line so refreshed tokens are covered) and `extraValues()` (OAuth
 * tokens) are scrubbed from strings.
 * The silent logger is returned as it is (nothing to protect, nothing to spend).
 */
export function redactingLogger(
  logger: Logger,
  secretNames: readonly string[],
  headers: () => Record<string, string>,
  extraValues: () => readonly string[] = () => [],
): Logger {
  if (logger === silentLogger) return logger;
  const line = (obj: object | string): object | string => {
    const values = [...secretHeaderValues(headers(), secretNames), ...extraValues()];
    if (typeof obj === "string") return values.length === 0 ? obj : scrubValues(obj, values);
    return redactValue(obj, { names: secretNames, values }) as object;
  };
  const message = (msg: string | undefined): string | undefined =>
    msg === undefined ? undefined : (line(msg) as string);
  const wrapped: Logger = {
    debug: (obj, msg) => logger.debug(line(obj), message(msg)),
    info: (obj, msg) => logger.info(line(obj), message(msg)),
    warn: (obj, msg) => logger.warn(line(obj), message(msg)),
    error: (obj, msg) => logger.error(line(obj), message(msg)),
  };
  const child = logger.child;
  if (child !== undefined)
    wrapped.child = (bindings) =>
      redactingLogger(child.call(logger, bindings), secretNames, headers, extraValues);
  return wrapped;
}
