/**
 * What every fuzz target shares: a budget (cases and time), the planted secrets that must never
 * show up in any output, the check that an error is one of the documented typed errors, and
 * `runProperty`, which runs a fast-check property within the budget and returns figures
 * instead of throwing. `npm run fuzz` (scripts/fuzz.ts) gives large budgets;
 * test/fuzz-smoke.test.ts gives small ones.
 */
import fc from "fast-check";
import { isMcpSseError } from "../../src/errors.js";

export interface FuzzBudget {
  /** Upper bound on cases (the time limit usually stops a large run first). */
  numRuns: number;
  /** Wall-clock bound on the whole target, ms (generation, cases and shrinking). */
  timeLimitMs: number;
  /** One case taking longer than this is a hang (async cases only), ms. */
  caseTimeoutMs: number;
  /** Replays a run; random otherwise. */
  seed?: number;
  /** Deepest nesting of generated JSON (http-endpoints). Default there: `DEFAULT_MAX_NESTING_DEPTH`. */
  maxNestingDepth?: number;
}

export interface FuzzFigures {
  target: string;
  cases: number;
  durationMs: number;
  /** One line per failing property: what broke, the seed and the (shrunk) counterexample. */
  failures: string[];
  /** Counts worth printing (e.g. answers by HTTP status), to see what the cases reached. */
  counts?: Record<string, number>;
}

/** Default per-case timeout: a case that takes longer is reported as a hang. */
export const DEFAULT_CASE_TIMEOUT_MS = 5_000;

/**
 * Secrets planted in header values and environment variables: none of them may appear in any
 * response, error message or log line. Distinct, and shaped like real tokens.
 */
export const PLANTED = {
  bearer: "sk-fuzz-PLANTED-bearer-7f3a9c1e",
  apiKey: "sk-fuzz-PLANTED-apikey-41b2d8aa",
  env: "sk-fuzz-PLANTED-env-9d0c5b77",
} as const;

const PLANTED_VALUES: readonly string[] = Object.values(PLANTED);

/** A fuzz finding: thrown inside a property so that fast-check shrinks and reports it. */
export class FuzzFinding extends Error {
  override name = "FuzzFinding";
}

/** Throw a finding when `text` holds a planted secret (`where` says which output). */
export function assertNoSecret(text: string, where: string): void {
  for (const secret of PLANTED_VALUES)
    if (text.includes(secret))
      throw new FuzzFinding(`planted secret ${secret.slice(0, 16)}… appears in ${where}`);
}

/**
 * An error is fine only if it is an `McpSseError` whose code starts with one of `prefixes`,
 * and its message and details hold no planted secret; anything else is a crash.
 */
export function assertTypedError(error: unknown, prefixes: readonly string[], where: string) {
  if (error instanceof FuzzFinding) throw error;
  if (!isMcpSseError(error) || !prefixes.some((p) => error.code.startsWith(p))) {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new FuzzFinding(`${where} threw an untyped error: ${what.slice(0, 300)}`);
  }
  assertNoSecret(error.message, `the message of ${error.code} from ${where}`);
  assertNoSecret(safeJson(error.details), `the details of ${error.code} from ${where}`);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}

function describeFailure<Ts>(name: string, details: fc.RunDetails<Ts>): string {
  const error = details.errorInstance;
  const why = error instanceof Error ? error.message : String(error);
  const example = fc.stringify(details.counterexample).slice(0, 600);
  return `${name}: ${why.slice(0, 400)} (seed ${details.seed}, path "${details.counterexamplePath}") counterexample: ${example}`;
}

/**
 * Run `property` within `budget`; never throws. `cases` counts the cases actually run
 * (including shrinking); a run stopped by the time limit is a success.
 */
export async function runProperty<Ts extends [unknown, ...unknown[]]>(
  name: string,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => Promise<void>,
  budget: FuzzBudget,
): Promise<{ cases: number; failure?: string }> {
  let cases = 0;
  const property = fc.asyncProperty(...arbitraries, async (...args: Ts) => {
    cases += 1;
    await predicate(...args);
  });
  const details = await fc.check(property, {
    numRuns: budget.numRuns,
    interruptAfterTimeLimit: budget.timeLimitMs,
    markInterruptAsFailure: false,
    timeout: budget.caseTimeoutMs,
    ...(budget.seed === undefined ? {} : { seed: budget.seed }),
  });
  if (!details.failed) return { cases };
  return { cases, failure: describeFailure(name, details) };
}

/**
 * Run several properties of one target one after another, splitting the budget between them
 * evenly, and sum the figures.
 */
export async function runTarget(
  target: string,
  budget: FuzzBudget,
  properties: ((share: FuzzBudget) => Promise<{ cases: number; failure?: string }>)[],
): Promise<FuzzFigures> {
  const started = Date.now();
  const share: FuzzBudget = {
    ...budget,
    numRuns: Math.max(1, Math.ceil(budget.numRuns / properties.length)),
    timeLimitMs: Math.max(1, Math.floor(budget.timeLimitMs / properties.length)),
  };
  const figures: FuzzFigures = { target, cases: 0, durationMs: 0, failures: [] };
  for (const run of properties) {
    const result = await run(share);
    figures.cases += result.cases;
    if (result.failure !== undefined) figures.failures.push(result.failure);
  }
  figures.durationMs = Date.now() - started;
  return figures;
}

export interface ByteEdit {
  kind: "flip" | "insert" | "delete" | "replace";
  at: number;
  byte: number;
}

/** A few byte edits (flip a bit, insert, delete, replace) to mutate a valid sample with. */
export function byteEdits(maxLength = 8): fc.Arbitrary<ByteEdit[]> {
  const edit = fc.record({
    kind: fc.constantFrom("flip", "insert", "delete", "replace"),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }) as fc.Arbitrary<ByteEdit>;
  return fc.array(edit, { minLength: 1, maxLength });
}

/** `input` with `edits` applied (positions wrap around its length). */
export function applyEdits(input: Uint8Array, edits: readonly ByteEdit[]): Uint8Array {
  const out = [...input];
  for (const { kind, at, byte } of edits) {
    const i = out.length === 0 ? 0 : at % out.length;
    if (kind === "flip" && out.length > 0) out[i] = out[i]! ^ (1 << (byte % 8));
    else if (kind === "insert") out.splice(i, 0, byte);
    else if (kind === "delete") out.splice(i, 1);
    else if (out.length > 0) out[i] = byte;
  }
  return Uint8Array.from(out);
}

/** Split `bytes` into chunks at the given (sorted, deduplicated) cut points. */
export function chunksOf<T extends Uint8Array | string>(input: T, cuts: readonly number[]): T[] {
  const points = [...new Set(cuts.map((c) => (input.length === 0 ? 0 : c % (input.length + 1))))]
    .sort((a, b) => a - b)
    .filter((c) => c > 0 && c < input.length);
  const out: T[] = [];
  let from = 0;
  for (const to of [...points, input.length]) {
    out.push(input.slice(from, to) as T);
    from = to;
  }
  return out;
}
