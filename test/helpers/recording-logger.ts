import type { Logger } from "../../src/logger.js";

/** One logged line: the object's fields, its level and its message. */
export type LoggedLine = Record<string, unknown> & { level: string; msg: string | undefined };

/** A Logger that keeps every line it is given (children write to the same list). */
export function recordingLogger(): Logger & { lines: LoggedLine[] } {
  const lines: LoggedLine[] = [];
  const at =
    (level: string) =>
    (obj: object | string, msg?: string): void =>
      void lines.push(typeof obj === "string" ? { level, msg: obj } : { ...obj, level, msg });
  const logger: Logger & { lines: LoggedLine[] } = {
    lines,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: () => logger,
  };
  return logger;
}
