/**
 * The fuzz targets of `npm run fuzz` (scripts/fuzz.ts) with small budgets, so that `npm test`
 * keeps them working and catches the grossest regressions: a few hundred cases per target,
 * a few seconds in all. Any finding fails the test with its seed and counterexample.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_CASE_TIMEOUT_MS, type FuzzBudget } from "./fuzz/harness.js";
import { TARGETS } from "./fuzz/targets.js";

/** Cases per target (split between its properties), and a time bound each. */
const SMOKE: Record<string, number> = {
  "sse-parser": 300,
  fernet: 150,
  "config-loader": 200,
  "http-endpoints": 60,
};
const SMOKE_TIME_LIMIT_MS = 3_000;
/** Below the depth where the server's deeply nested JSON-RPC answers are being fixed apart. */
const SMOKE_MAX_NESTING_DEPTH = 1_000;

describe("fuzz smoke (small budgets of npm run fuzz)", () => {
  it("every target has a smoke budget", () => {
    assert.deepEqual(Object.keys(SMOKE).sort(), Object.keys(TARGETS).sort());
  });

  for (const [name, target] of Object.entries(TARGETS)) {
    it(`${name}: no finding`, async () => {
      const budget: FuzzBudget = {
        numRuns: SMOKE[name] ?? 50,
        timeLimitMs: SMOKE_TIME_LIMIT_MS,
        caseTimeoutMs: DEFAULT_CASE_TIMEOUT_MS,
        maxNestingDepth: SMOKE_MAX_NESTING_DEPTH,
      };
      const figures = await target(budget);
      assert.deepEqual(figures.failures, []);
      assert.ok(figures.cases > 0, "cases ran");
    });
  }
});
