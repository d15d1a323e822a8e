/**
 * The package's version, for `initialize` client/server info and `mcp-sse --version`.
 * Declared once here (package.json lies outside the compiled tree, and the root entry must not
 * read files); test/version.test.ts fails when it drifts from package.json.
 */
export const VERSION = "0.1.0";
