/** One line of a legacy bench table (`parser.bench.ts`): printed as it is. */
export type BenchRow = Record<string, string | number>;

/**
 * One measured row: the value of each run for mcp-sse, and for the anchor (the official
 * SDK) measured in the same runs, or a target when there is no SDK equivalent. `run.ts`
 * prints the medians and the ratio, and writes every run to `bench/results.json`.
 */
export interface ResultRow {
  /** What is compared, e.g. "legacy SSE, 64 in flight" or "our client → SDK host". */
  row: string;
  /** The unit, e.g. "calls/s", "p99 ms", "KiB/session". */
  metric: string;
  better: "higher" | "lower";
  /** mcp-sse, one value per run. */
  ours: number[];
  /** The SDK in the same runs (same order), when it has an equivalent. */
  sdk?: number[];
  /** Otherwise the goal the issue sets (e.g. 100 ms p99), for the ratio. */
  target?: number;
  /** What the ratio should reach (e.g. 3 for "3x the SDK"), shown next to it. */
  goal?: number;
}

export interface PartResult {
  rows: ResultRow[];
  /** Counts and settings of this part, printed under its table. */
  notes: string[];
}

/** What every `bench/*.bench.ts` module exports. */
export type BenchRun = () => BenchRow[] | PartResult | Promise<BenchRow[] | PartResult>;
