/**
 * What the client commands (tools, call, watch, doctor, proxy) share: the config path, the
 * logger, header and seconds flags, one-line errors and tables.
 */
import { connectMcps, type McpsManager } from "../../client/index.js";
import { McpSseError } from "../../errors.js";
import { createJsonLogger, type Logger, silentLogger } from "../../logger.js";
import { usageError } from "../flags.js";
import type { CliIO } from "../io.js";

/** `-c` when none is given, resolved against the working directory. */
export const DEFAULT_CONFIG_FILE = "mcps.yaml";

export const CONFIG_FLAGS = {
  config: { type: "string", short: "c" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** The CLI logs JSON lines to stderr at debug level when `DEBUG` is set; otherwise it is silent. */
export function cliLogger(io: CliIO): Logger {
  const debug = io.env["DEBUG"];
  return debug !== undefined && debug !== "" && debug !== "0"
    ? createJsonLogger(io.stderr, "debug")
    : silentLogger;
}

/** A number of seconds from a flag, as ms; `CLI_USAGE` when it is not a non-negative number. */
export function secondsFlag(
  value: string | undefined,
  flag: string,
  usage: string,
  { positive = false }: { positive?: boolean } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0 || value.trim() === "")
    throw usageError(`${flag} must be a number of seconds, got '${value}'`, usage);
  const ms = Math.round(seconds * 1000);
  // A timeout of 0 would mean "never give up": no request may hang, so it is refused.
  if (positive && ms <= 0) throw usageError(`${flag} must be more than 0 seconds`, usage);
  return ms;
}

/**
 * Headers from `--header 'Name: value'` flags and `--header-env NAME` flags (the environment
 * variable NAME holds a whole `Name: value` line, so a secret stays out of `ps` output).
 */
export function parseHeaderFlags(
  headers: readonly string[] | undefined,
  headerEnv: readonly string[] | undefined,
  env: CliIO["env"],
  usage: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  const add = (line: string, where: string) => {
    const colon = line.indexOf(":");
    const name = colon > 0 ? line.slice(0, colon).trim() : "";
    if (name === "" || /[\s:]/.test(name))
      throw usageError(`${where} must look like 'Name: value'`, usage);
    out[name] = line.slice(colon + 1).trim();
  };
  // Name a bad flag by its position only: its text may be a secret typed without a name.
  for (const [i, line] of (headers ?? []).entries()) add(line, `--header #${i + 1}`);
  for (const name of headerEnv ?? []) {
    const value = env[name];
    if (value === undefined || value === "")
      throw usageError(`--header-env ${name}: the environment variable ${name} is not set`, usage);
    add(value, `The value of ${name}`);
  }
  return out;
}

/**
 * An error as ONE line, no stack (ARCHITECTURE: a one-line reason on stderr): the message's
 * first line; for a list (`CONFIG_INVALID`'s `  - problem` lines) its first item and how many
 * more there are; then `hint`, then ` [CODE]` for an `McpSseError`. `--debug` shows the rest.
 */
export function oneLine(error: unknown, hint = ""): string {
  const text = error instanceof Error ? error.message : String(error);
  const [first = "", ...rest] = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  let line = first;
  let more = rest.length;
  let noun = more === 1 ? "line" : "lines";
  if (rest[0]?.startsWith("- ")) {
    line += ` — ${rest[0].slice(2)}`;
    more -= 1;
    noun = more === 1 ? "problem" : "problems";
  }
  if (more > 0) line += ` (and ${more} more ${noun}; run with --debug for all)`;
  if (hint !== "") line += ` ${hint}`;
  return error instanceof McpSseError ? `${line} [${error.code}]` : line;
}

// Shared with the library's diagnose (which may not import the CLI).
export { truncate } from "../../client/truncate.js";

/** A plain text table: a header row and left-aligned columns. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join("\n")}\n`;
}

/**
 * `connectMcps` on the `-c` file (default `./mcps.yaml`, resolved against the working
 * directory) with the CLI's environment and logger; Ctrl-C while connecting closes it at once.
 */
export function connectConfigured(config: string | undefined, io: CliIO): Promise<McpsManager> {
  return connectMcps(config ?? DEFAULT_CONFIG_FILE, {
    cwd: io.cwd,
    env: io.env,
    logger: cliLogger(io),
    signal: io.signal,
  });
}
