/**
 * `npm run bench [-- <part> …]`: runs every `bench/*.bench.ts` (or those whose name contains
 * a given part, e.g. `e2e`, `idle`, `fanout`, `feed`, `parse`, `parser`), prints one table per
 * part with the median of its runs, the ratio to the SDK measured in the same runs, and the
 * machine; writes everything (every run of every row) to `bench/results.json`.
 *
 * Not part of `npm test`: numbers depend on the machine. Every part bounds its counts and
 * time; servers listen on 127.0.0.1 only.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, totalmem } from "node:os";
import { median } from "./e2e-measure.js";
import type { BenchRow, BenchRun, PartResult, ResultRow } from "./types.js";

const dir = new URL("./", import.meta.url);
const filter = process.argv.slice(2);
const all = readdirSync(dir)
  .filter((name) => name.endsWith(".bench.ts"))
  .sort();
/** A part named exactly (`parse`) is that part alone; otherwise any part containing the word. */
const picks = (f: string) => {
  const exact = all.filter((name) => name === `${f}.bench.ts`);
  return exact.length > 0 ? exact : all.filter((name) => name.includes(f));
};
const modules = filter.length === 0 ? all : [...new Set(filter.flatMap(picks))].sort();

if (modules.length === 0) {
  console.error(`no bench/*.bench.ts module matches ${filter.join(" ")}`);
  process.exit(1);
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${platform()}/${process.arch}`,
  loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
};

/** How many times better than the anchor (>1: faster, lower latency, less memory). */
function ratio(row: ResultRow): number | undefined {
  const ours = median(row.ours);
  const anchor = row.sdk !== undefined ? median(row.sdk) : row.target;
  if (anchor === undefined || ours === 0 || anchor === 0) return undefined;
  return row.better === "higher" ? ours / anchor : anchor / ours;
}

const fmt = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? "" : n >= 100 ? String(Math.round(n)) : n.toFixed(2);

function print(name: string, seconds: number, part: PartResult): void {
  console.log(`\n${name} (${seconds.toFixed(1)} s)`);
  console.table(
    part.rows.map((row) => {
      const r = ratio(row);
      return {
        row: row.row,
        metric: row.metric,
        sdk:
          row.sdk !== undefined
            ? fmt(median(row.sdk))
            : row.target !== undefined
              ? `target ${fmt(row.target)}`
              : "",
        ours: fmt(median(row.ours)),
        ratio: r === undefined ? "" : `${r.toFixed(2)}x`,
        goal: row.goal === undefined ? "" : `${row.goal}x`,
        runs: row.ours.length,
      };
    }),
  );
  for (const note of part.notes) console.log(`  ${note}`);
}

const isPart = (value: unknown): value is PartResult =>
  value !== null && typeof value === "object" && "rows" in value && "notes" in value;

console.log(
  `machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, node ${machine.node} ${machine.platform}, load ${machine.loadAverageAtStart.join(" ")}`,
);
console.log(
  "values: medians of the runs; ratio: N times better than the SDK in the same runs (or than the target): higher rate, lower latency, memory or CPU. The machine may be shared: compare ratios, not absolute values.",
);
const results: Record<string, unknown> = {};
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
    const out = await mod.run();
    const seconds = (performance.now() - started) / 1000;
    const part = name.replace(/\.bench\.ts$/, "");
    if (isPart(out)) {
      print(name, seconds, out);
      results[part] = {
        seconds,
        notes: out.notes,
        rows: out.rows.map((row) => ({
          ...row,
          medianOurs: median(row.ours),
          ...(row.sdk === undefined ? {} : { medianSdk: median(row.sdk) }),
          ratio: ratio(row),
        })),
      };
    } else {
      console.log(`\n${name} (${seconds.toFixed(1)} s)`);
      console.table(out as BenchRow[]);
      results[part] = { seconds, rows: out };
    }
  } catch (error) {
    console.error(
      `${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    failed = true;
  }
}
const file = new URL("./results.json", dir);
// A run of some parts keeps the other parts' last results (each part says when it ran).
const previous = existsSync(file)
  ? ((JSON.parse(readFileSync(file, "utf8")) as { parts?: Record<string, unknown> }).parts ?? {})
  : {};
const stamp = {
  date: new Date().toISOString(),
  commit: gitCommit(),
  machine: { ...machine, loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))) },
};
for (const [part, result] of Object.entries(results))
  results[part] = { ...stamp, ...(result as object) };
const output = { ...stamp, parts: { ...previous, ...results } };
writeFileSync(file, `${JSON.stringify(output, null, 2)}\n`);
console.log(`\nwrote ${file.pathname}`);
process.exit(failed ? 1 : 0);
