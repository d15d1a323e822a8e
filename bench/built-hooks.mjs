/**
 * Module hook of the bench (registered by `use-built.mjs`): every module of the package
 * (`src/**\/*.ts`) is loaded from its build (`dist/**\/*.js`, `npm run build`), which is what
 * the package ships and users run, and how the SDK is measured (its published build). The
 * bench's own TypeScript still runs through tsx. A build older than its source is refused: a
 * stale build would measure code that is not the tree's. `BENCH_FROM_SOURCE=1` measures the
 * sources through tsx instead (quicker to iterate, but tsx's transform adds work per closure).
 */
import { existsSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = new URL("../", import.meta.url).href;
const SRC = `${root}src/`;
const DIST = `${root}dist/`;
const fromSource = process.env.BENCH_FROM_SOURCE === "1";

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (fromSource || !resolved.url.startsWith(SRC) || !resolved.url.endsWith(".ts")) return resolved;
  const built = `${DIST}${resolved.url.slice(SRC.length, -".ts".length)}.js`;
  const source = fileURLToPath(resolved.url);
  const output = fileURLToPath(built);
  if (!existsSync(output) || statSync(output).mtimeMs < statSync(source).mtimeMs)
    throw new Error(
      `bench: ${output} is missing or older than ${source}; run \`npm run build\` (\`npm run bench\` does), or set BENCH_FROM_SOURCE=1`,
    );
  return { ...resolved, url: built, format: "module" };
}
