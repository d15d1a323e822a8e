/**
 * `loadConfig` / `parseConfig`: file or object in, validated `McpsConfig` out.
 * Node modules (`fs`, `path`) are imported dynamically, only when a file is read, so that
 * importing the root package stays runtime-agnostic.
 */

import { LineCounter, parseDocument } from "yaml";
import { McpSseError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import { brand, isBranded } from "./brand.js";
import { OBJECT_SOURCE } from "./defaults.js";
import { type Env, interpolateTree } from "./interpolate.js";
import { locateJsonError } from "./json-errors.js";
import { normalize, readTlsFiles } from "./normalize.js";
import { CONFIG_NOT_FOUND, CONFIG_PARSE, CONFIG_READ_FAILED, ProblemList } from "./problems.js";
import { looksLoaded, revalidate } from "./revalidate.js";
import type { McpsConfig } from "./types.js";
import { selectOwnKeys, serverNameFinder, validateTree } from "./validate.js";

export type ConfigFormat = "yaml" | "json";

export interface LoadConfigOptions {
  /** Variables for `${VAR}` interpolation. Default: `process.env`. */
  env?: Env;
  /** Directory that a relative config path (and, for objects, TLS files and `cwd`) is resolved against. Default: `process.cwd()`. */
  cwd?: string;
  /** Receives the `tls.insecure` warning and debug notes. Default: silent. */
  logger?: Logger;
}

export interface ParseConfigOptions extends LoadConfigOptions {
  /** Default: sniffed (`{` or `[` first → JSON, else YAML). */
  format?: ConfigFormat;
  /** Where the text came from, for messages. Default: `"<text>"`. */
  source?: string;
}

function processEnv(): Env {
  return (globalThis as { process?: { env?: Env } }).process?.env ?? {};
}
function processCwd(): string {
  return (globalThis as { process?: { cwd?: () => string } }).process?.cwd?.() ?? ".";
}

/**
 * Load and validate a config: a path to a YAML/JSON file, or an object of the file's shape
 * (`{ mcps: [...] }` or `{ mcpServers: {...} }`). Every problem is reported at once in
 * `CONFIG_INVALID`; a missing file is `CONFIG_NOT_FOUND`; bad syntax is `CONFIG_PARSE`.
 * A config this function returned (frozen) is passed through as is; any other object shaped
 * like one (`{ servers, toolSeparator }`) is validated again, never trusted for its shape.
 */
export async function loadConfig(
  pathOrConfig: string | object,
  options: LoadConfigOptions = {},
): Promise<McpsConfig> {
  const cwd = options.cwd ?? processCwd();
  if (typeof pathOrConfig !== "string") {
    if (isBranded(pathOrConfig)) return pathOrConfig;
    if (typeof pathOrConfig === "object" && pathOrConfig !== null && looksLoaded(pathOrConfig)) {
      const logger = options.logger ?? silentLogger;
      return brand(
        await revalidate(pathOrConfig as Record<string, unknown>, { baseDir: cwd, logger }),
      );
    }
    return buildConfig(pathOrConfig, { ...options, source: OBJECT_SOURCE, baseDir: cwd });
  }
  const path = await import("node:path");
  const fs = await import("node:fs/promises");
  const full = path.resolve(cwd, pathOrConfig);
  let text: string;
  try {
    text = await fs.readFile(full, "utf8");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ENOENT") {
      throw new McpSseError(
        CONFIG_NOT_FOUND,
        `Config file not found: ${full} (pass -c <file>, or create it)`,
        {
          details: { path: full },
          cause: error,
        },
      );
    }
    throw new McpSseError(
      CONFIG_READ_FAILED,
      `Cannot read config file ${full}: ${String(code ?? error)}`,
      {
        details: { path: full },
        cause: error,
      },
    );
  }
  const ext = path.extname(full).toLowerCase();
  const format: ConfigFormat | undefined =
    ext === ".json" ? "json" : ext === ".yaml" || ext === ".yml" ? "yaml" : undefined;
  return parseConfig(text, {
    ...options,
    ...(format === undefined ? {} : { format }),
    source: full,
    cwd: path.dirname(full),
  });
}

/**
 * Parse and validate config text. Relative TLS paths and `cwd` resolve against
 * `options.cwd` (for a file: its directory).
 */
export async function parseConfig(
  text: string,
  options: ParseConfigOptions = {},
): Promise<McpsConfig> {
  const source = options.source ?? "<text>";
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const format = options.format ?? (/^\s*[[{]/.test(body) ? "json" : "yaml");
  const tree = format === "json" ? parseJson(body, source) : parseYaml(body, source);
  return buildConfig(tree, { ...options, source, baseDir: options.cwd ?? processCwd() });
}

async function buildConfig(
  raw: unknown,
  options: LoadConfigOptions & { source: string; baseDir: string },
): Promise<McpsConfig> {
  const logger = options.logger ?? silentLogger;
  const own = selectOwnKeys(raw, logger);
  const problems = new ProblemList(serverNameFinder(own));
  const tree = interpolateTree(own, options.env ?? processEnv(), problems);
  const valid = validateTree(tree, problems);
  const tlsFiles = await readTlsFiles(tree, options.baseDir, problems);
  problems.throwIfAny(options.source);
  if (valid === undefined) throw new Error("unreachable: invalid config without problems");
  return brand(
    await normalize(valid, tlsFiles, { baseDir: options.baseDir, logger, source: options.source }),
  );
}

function parseError(
  source: string,
  format: string,
  message: string,
  line?: number,
  column?: number,
) {
  const where = line === undefined ? "" : ` at line ${line}, column ${column}`;
  return new McpSseError(CONFIG_PARSE, `Cannot parse ${source} as ${format}${where}: ${message}`, {
    details: { source, line, column },
  });
}

function parseYaml(text: string, source: string): unknown {
  const lineCounter = new LineCounter();
  // prettyErrors off: the pretty form quotes the source line, which may hold a secret.
  const doc = parseDocument(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    // `<<: *defaults` merge keys, to share settings between servers.
    merge: true,
    // Not "warn": yaml would print to stderr (`process.emitWarning`) about e.g. a list used as
    // a key; such a key is reported as a config problem anyway.
    logLevel: "error",
  });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more)` : "";
    throw parseError(source, "YAML", `${first.message}${more}`, line, col);
  }
  try {
    return doc.toJS();
  } catch (error) {
    // e.g. too many aliases (a "billion laughs" document).
    throw parseError(source, "YAML", error instanceof Error ? error.message : String(error));
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const { reason, line, column } = locateJsonError(text);
    throw parseError(source, "JSON", reason, line, column);
  }
}
