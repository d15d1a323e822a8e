/**
 * Config problems: where (`mcps[2].url`), which server, what is wrong. Every problem found
 * is reported at once in one `CONFIG_INVALID` error. Messages never contain values (header
 * values and keys are secrets); they name fields and variables only.
 */
import { McpSseError } from "../errors.js";

/** The config has problems (see `details.problems`). */
export const CONFIG_INVALID = "CONFIG_INVALID";
/** The file is not valid YAML/JSON (`details.line`, `details.column`). */
export const CONFIG_PARSE = "CONFIG_PARSE";
/** The config file does not exist (`details.path`). */
export const CONFIG_NOT_FOUND = "CONFIG_NOT_FOUND";
/** The config file exists but could not be read (permissions, a directory, ...). */
export const CONFIG_READ_FAILED = "CONFIG_READ_FAILED";

export interface ConfigProblem {
  /** Where, in the file's own terms: `mcps[2].url`, `mcpServers.github.headers`. */
  path: string;
  /** The server the problem belongs to, when known. */
  server: string | undefined;
  message: string;
}

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `["mcps", 2, "url"]` → `mcps[2].url`; odd keys are quoted: `mcpServers["a b"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out === "" ? "<root>" : out;
}

/** Collects problems; `serverOf` names the server a path belongs to. */
export class ProblemList {
  readonly items: ConfigProblem[] = [];
  private readonly order = new Map<ConfigProblem, string>();
  constructor(private readonly serverOf: (path: readonly PathSegment[]) => string | undefined) {}

  add(path: readonly PathSegment[], message: string): void {
    const problem = { path: formatPath(path), server: this.serverOf(path), message };
    this.items.push(problem);
    this.order.set(problem, orderKey(path));
  }

  /** Throw one `CONFIG_INVALID` listing every problem (grouped by server, in file order). */
  throwIfAny(source: string): void {
    if (this.items.length === 0) return;
    // Array.prototype.sort is stable: within a server, problems keep the order found.
    const sorted = [...this.items].sort((a, b) => {
      const ka = this.order.get(a) ?? "";
      const kb = this.order.get(b) ?? "";
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    throw configInvalid(source, sorted);
  }
}

/** Top-level problems first, then `mcps` entries by index, then `mcpServers` entries. */
function orderKey(path: readonly PathSegment[]): string {
  const [section, key] = path;
  if (section === "mcps" && typeof key === "number") return `1:${String(key).padStart(8, "0")}`;
  if (section === "mcpServers" && key !== undefined) return "2";
  return "0";
}

export function configInvalid(source: string, problems: ConfigProblem[]): McpSseError {
  const lines = problems.map(
    (p) => `  - ${p.path}${p.server === undefined ? "" : ` (server "${p.server}")`}: ${p.message}`,
  );
  const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
  return new McpSseError(
    CONFIG_INVALID,
    `Invalid mcp-sse config ${source}: ${count}\n${lines.join("\n")}`,
    { details: { problems, source } },
  );
}
