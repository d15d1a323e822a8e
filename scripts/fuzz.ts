/**
 * `npm run fuzz [-- --seconds N] [--target NAME] [--seed N] [--max-nesting N]`: runs every fuzz target of
 * test/fuzz with a large budget, bounded in time (default `DEFAULT_FUZZ_SECONDS` in total,
 * split evenly; env `FUZZ_SECONDS` works too), and prints figures per target. Not part of
 * `npm test` (test/fuzz-smoke.test.ts runs the same targets with small budgets).
 *
 * Each target runs in its own child process (`--child`), so that a synchronous hang cannot
 * stop the run (the parent kills it after its time plus a grace and reports a hang) and heap
 * growth is measured per target, after GC (`--expose-gc`). Exit code 1 on any finding.
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import {
  DEFAULT_CASE_TIMEOUT_MS,
  type FuzzBudget,
  type FuzzFigures,
} from "../test/fuzz/harness.js";
import { TARGETS } from "../test/fuzz/targets.js";

/** Total time of a run, seconds, split evenly between the targets. */
export const DEFAULT_FUZZ_SECONDS = 240;
/** A target still running this long after its time is killed and reported as a hang, ms. */
const HANG_GRACE_MS = 60_000;
/** Heap growth (after GC) over a whole target above which memory counts as unbounded. */
const MAX_HEAP_GROWTH_BYTES = 64 * 1024 * 1024;
const RESULT_PREFIX = "FUZZ_RESULT ";

const { values } = parseArgs({
  options: {
    seconds: { type: "string" },
    target: { type: "string", multiple: true },
    seed: { type: "string" },
    "max-nesting": { type: "string" },
    child: { type: "string" },
    ms: { type: "string" },
  },
});

/** Share of a target's time spent warming up before the heap is measured, and its cap. */
const WARMUP_SHARE = 0.1;
const WARMUP_MAX_MS = 10_000;

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  // Twice: the first full GC may leave objects that only become unreachable through it.
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** In the child: run one target, print its figures as one JSON line. */
async function child(name: string, ms: number, seed: number | undefined): Promise<void> {
  const target = TARGETS[name];
  if (target === undefined) throw new Error(`unknown fuzz target ${name}`);
  const budget: FuzzBudget = {
    numRuns: 1_000_000_000,
    timeLimitMs: ms,
    caseTimeoutMs: DEFAULT_CASE_TIMEOUT_MS,
    ...(seed === undefined ? {} : { seed }),
    ...(values["max-nesting"] === undefined
      ? {}
      : { maxNestingDepth: Number(values["max-nesting"]) }),
  };
  // Warm-up first: the first cases load modules, compile schemas and fill bounded caches
  // (tens of MiB that stay, whatever the run's length). Growth is measured after it.
  const warmupMs = Math.min(WARMUP_MAX_MS, Math.floor(ms * WARMUP_SHARE));
  const warmup = await target({ ...budget, timeLimitMs: warmupMs });
  const heapBefore = heapAfterGc();
  const figures = await target({ ...budget, timeLimitMs: ms - warmupMs });
  const growth = heapAfterGc() - heapBefore;
  figures.cases += warmup.cases;
  figures.durationMs += warmup.durationMs;
  figures.failures.unshift(...warmup.failures);
  if (warmup.counts !== undefined) {
    const counts = figures.counts ?? {};
    for (const [k, n] of Object.entries(warmup.counts)) counts[k] = (counts[k] ?? 0) + n;
    figures.counts = counts;
  }
  if (growth > MAX_HEAP_GROWTH_BYTES)
    figures.failures.push(
      `heap grew by ${(growth / 2 ** 20).toFixed(1)} MiB after GC (bound ${MAX_HEAP_GROWTH_BYTES / 2 ** 20} MiB)`,
    );
  process.stdout.write(
    `${RESULT_PREFIX}${JSON.stringify({ ...figures, heapGrowthBytes: growth })}\n`,
  );
}

type ChildFigures = FuzzFigures & { heapGrowthBytes?: number };

/** In the parent: run a target's child, killing it when it overruns. */
function runChild(name: string, ms: number): Promise<ChildFigures> {
  const args = [
    "--expose-gc",
    "--import",
    "tsx",
    "scripts/fuzz.ts",
    "--child",
    name,
    "--ms",
    String(ms),
  ];
  if (values.seed !== undefined) args.push("--seed", values.seed);
  if (values["max-nesting"] !== undefined) args.push("--max-nesting", values["max-nesting"]);
  const started = Date.now();
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    proc.stdout.setEncoding("utf8").on("data", (text: string) => {
      out += text;
    });
    const killer = setTimeout(() => proc.kill("SIGKILL"), ms + HANG_GRACE_MS);
    proc.on("close", (code, signal) => {
      clearTimeout(killer);
      const line = out.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (line !== undefined) return resolve(JSON.parse(line.slice(RESULT_PREFIX.length)));
      const why =
        signal === "SIGKILL"
          ? `hang: killed after ${ms + HANG_GRACE_MS} ms`
          : `crashed (exit ${code}, signal ${signal})`;
      resolve({ target: name, cases: 0, durationMs: Date.now() - started, failures: [why] });
    });
  });
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

async function parent(): Promise<number> {
  const seconds = Number(values.seconds ?? process.env["FUZZ_SECONDS"] ?? DEFAULT_FUZZ_SECONDS);
  if (!(seconds > 0)) throw new Error(`--seconds must be > 0 (got ${values.seconds})`);
  const names = values.target ?? Object.keys(TARGETS);
  for (const n of names)
    if (TARGETS[n] === undefined)
      throw new Error(`unknown fuzz target ${n}; known: ${Object.keys(TARGETS).join(", ")}`);
  const ms = Math.floor((seconds * 1000) / names.length);
  console.log(
    `fuzz: ${names.length} targets, ${(ms / 1000).toFixed(0)} s each (node ${process.version})`,
  );
  const all: ChildFigures[] = [];
  for (const name of names) {
    const figures = await runChild(name, ms);
    all.push(figures);
    const heap =
      figures.heapGrowthBytes === undefined
        ? ""
        : `, heap after GC ${(figures.heapGrowthBytes / 2 ** 20).toFixed(1)} MiB`;
    console.log(
      `  ${pad(name, 16)} ${String(figures.cases).padStart(9)} cases in ${(figures.durationMs / 1000).toFixed(1)} s, ${figures.failures.length} failures${heap}`,
    );
    if (figures.counts !== undefined)
      console.log(
        `      ${Object.entries(figures.counts)
          .map(([k, n]) => `${k}: ${n}`)
          .join(", ")}`,
      );
    for (const f of figures.failures) console.log(`      FAIL ${f}`);
  }
  const cases = all.reduce((n, f) => n + f.cases, 0);
  const failures = all.reduce((n, f) => n + f.failures.length, 0);
  console.log(`fuzz: ${cases} cases, ${failures} failures`);
  return failures === 0 ? 0 : 1;
}

if (values.child !== undefined) {
  await child(
    values.child,
    Number(values.ms),
    values.seed === undefined ? undefined : Number(values.seed),
  );
  process.exit(0);
} else {
  process.exit(await parent());
}
