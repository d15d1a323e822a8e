/** The fuzz targets by name, for scripts/fuzz.ts and test/fuzz-smoke.test.ts. */

import { fuzzConfigLoader } from "./config-loader.js";
import { fuzzFernet } from "./fernet.js";
import type { FuzzBudget, FuzzFigures } from "./harness.js";
import { fuzzHttpEndpoints } from "./http-endpoints.js";
import { fuzzSseParser } from "./sse-parser.js";

export const TARGETS: Record<string, (budget: FuzzBudget) => Promise<FuzzFigures>> = {
  "sse-parser": fuzzSseParser,
  fernet: fuzzFernet,
  "config-loader": fuzzConfigLoader,
  "http-endpoints": fuzzHttpEndpoints,
};
