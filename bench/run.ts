/**
 * `npm run bench`: runs every `bench/*.bench.ts` module's exported `run()` in turn and prints
 * its rows as a table. Not part of `npm test` (numbers depend on the machine). Each module
 * bounds its own time (parser ~30 s, end to end ~60 s); the whole run stays within ~2 minutes
 * on a 2-core machine. `npm run bench -- <name>` runs only the files whose name contains it.
 */
import { readdirSync } from "node:fs";
import type { BenchRun } from "./types.js";

const dir = new URL("./", import.meta.url);
const filter = process.argv.slice(2);
const modules = readdirSync(dir)
  .filter((name) => name.endsWith(".bench.ts"))
  .filter((name) => filter.length === 0 || filter.some((f) => name.includes(f)))
  .sort();

if (modules.length === 0) {
  console.error(`no bench/*.bench.ts module matches ${filter.join(" ")}`);
  process.exit(1);
}

console.log(`node ${process.version} ${process.platform}/${process.arch}`);
let failed = false;
for (const name of modules) {
  const started = performance.now();
  const mod = (await import(new URL(name, dir).href)) as { run?: BenchRun };
  if (typeof mod.run !== "function") {
    console.error(`${name}: exports no run() function`);
    failed = true;
    continue;
  }
  try {
    const rows = await mod.run();
    console.log(`\n${name} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    console.table(rows);
  } catch (error) {
    console.error(`${name}: ${error instanceof Error ? error.message : String(error)}`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
