/**
 * `${VAR}` and `${VAR:-default}` in every string value of a parsed config, and `$$` for a
 * literal `$`. Like the shell and docker compose, `:-` uses the default when VAR is unset
 * or empty. A `$` not followed by `{` or `$` is kept as is. Keys are never interpolated.
 */
import type { PathSegment, ProblemList } from "./problems.js";

export type Env = Record<string, string | undefined>;

const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Interpolate one string; problems (unset variable, bad syntax) go to `problems`. */
export function interpolateString(
  text: string,
  env: Env,
  path: readonly PathSegment[],
  problems: ProblemList,
): string {
  if (!text.includes("$")) return text;
  let out = "";
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf("$", i);
    if (dollar < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === "$") {
      out += "$";
      i = dollar + 2;
      continue;
    }
    if (next !== "{") {
      out += "$";
      i = dollar + 1;
      continue;
    }
    const close = text.indexOf("}", dollar + 2);
    if (close < 0) {
      problems.add(path, "unterminated `${` (write `$$` for a literal `$`)");
      return out + text.slice(dollar);
    }
    const body = text.slice(dollar + 2, close);
    const sep = body.indexOf(":-");
    const name = sep < 0 ? body : body.slice(0, sep);
    const fallback = sep < 0 ? undefined : body.slice(sep + 2);
    if (!VAR_NAME.test(name)) {
      problems.add(
        path,
        `invalid variable reference \`\${${name}}\` (expected \${NAME} or \${NAME:-default})`,
      );
    } else {
      const value = env[name];
      if (fallback !== undefined && (value === undefined || value === "")) out += fallback;
      else if (value !== undefined) out += value;
      else
        problems.add(
          path,
          `environment variable ${name} is not set (set it, or write \${${name}:-default})`,
        );
    }
    i = close + 1;
  }
  return out;
}

/** A deep copy of `value` with every string interpolated. */
export function interpolateTree(
  value: unknown,
  env: Env,
  problems: ProblemList,
  path: PathSegment[] = [],
): unknown {
  if (typeof value === "string") return interpolateString(value, env, path, problems);
  if (Array.isArray(value))
    return value.map((item, i) => interpolateTree(item, env, problems, [...path, i]));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      // defineProperty, not `out[k] =`: a JSON key "__proto__" stays a plain (unknown) key.
      Object.defineProperty(out, k, {
        value: interpolateTree(v, env, problems, [...path, k]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return value;
}
