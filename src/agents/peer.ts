/**
 * The frameworks are optional peer dependencies: installing mcp-sse never pulls one in. Each
 * adapter loads its framework through `loadPeer` when the adapter module itself is imported,
 * so a missing framework is one clear error naming the package to install, not Node's
 * "Cannot find package" from deep inside an import graph.
 */
import { McpSseError } from "../errors.js";

/** The framework package an adapter needs is not installed (or cannot be resolved). */
export const AGENTS_PEER_MISSING = "AGENTS_PEER_MISSING";

/** True when `error` is the resolver saying `pkg` (not something it imports) is missing. */
function isMissing(error: unknown, pkg: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return false;
  // Node: "Cannot find package 'ai' imported from …" / "Cannot find module 'ai/test' …".
  return error.message.includes(`'${pkg}'`) || error.message.includes(`'${pkg}/`);
}

/**
 * Runs `load` (an `import()` of `pkg` or one of its subpaths). When `pkg` is missing, throws
 * `AGENTS_PEER_MISSING` naming the adapter, the package and the install command; any other
 * failure (a broken install, an error inside the package) is passed through as it is.
 */
export async function loadPeer<T>(
  adapter: string,
  pkg: string,
  range: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissing(error, pkg)) throw error;
    throw new McpSseError(
      AGENTS_PEER_MISSING,
      `${adapter} needs the package "${pkg}" (${range}), which is not installed: npm install ${pkg}`,
      { details: { adapter, package: pkg, range }, cause: error },
    );
  }
}
