/** Tool filters (`tools: { allow, deny }`): exact names or simple `*` globs. */

function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

/** True when `pattern` (a name, or a glob where `*` matches any run of characters) matches. */
export function matchesToolPattern(pattern: string, toolName: string): boolean {
  return pattern.includes("*") ? globToRegExp(pattern).test(toolName) : pattern === toolName;
}

/**
 * Whether a server's tool is exposed: `deny` wins over `allow`; without `allow` every tool
 * not denied is allowed.
 */
export function isToolAllowed(
  filter: { allow?: readonly string[]; deny?: readonly string[] },
  toolName: string,
): boolean {
  if (filter.deny?.some((p) => matchesToolPattern(p, toolName))) return false;
  if (filter.allow === undefined) return true;
  return filter.allow.some((p) => matchesToolPattern(p, toolName));
}
