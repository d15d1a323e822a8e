#!/usr/bin/env node
// After `npm run build`: every subpath export resolves and loads, and the runtime-agnostic
// entry points (`mcp-sse`, `mcp-sse/sse`, `mcp-sse/fernet`) reach no `node:` module through
// static imports (Node-only code must be loaded lazily or live behind `mcp-sse/server`).
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = JSON.parse(readFileSync(resolve(root, "package.json"), "utf8"));
const AGNOSTIC = new Set([".", "./sse", "./fernet"]);
const STATIC_IMPORT =
  /^\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gm;

function staticGraph(file, seen = new Map()) {
  if (seen.has(file)) return seen;
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(STATIC_IMPORT)].map((m) => m[1] ?? m[2]);
  seen.set(file, specs);
  for (const spec of specs)
    if (spec.startsWith(".")) staticGraph(resolve(dirname(file), spec), seen);
  return seen;
}

let failed = false;
for (const [subpath, target] of Object.entries(pkg.exports)) {
  if (subpath === "./package.json") continue;
  const file = resolve(root, target.default);
  const mod = await import(file);
  const names = Object.keys(mod);
  if (names.length === 0) {
    console.error(`mcp-sse${subpath.slice(1)}: exports nothing`);
    failed = true;
  }
  if (AGNOSTIC.has(subpath)) {
    for (const [from, specs] of staticGraph(file)) {
      for (const spec of specs) {
        if (spec.startsWith("node:")) {
          console.error(`mcp-sse${subpath.slice(1)}: ${from} statically imports ${spec}`);
          failed = true;
        }
      }
    }
  }
  console.log(`mcp-sse${subpath.slice(1)}: ${names.length} exports`);
}
process.exit(failed ? 1 : 0);
