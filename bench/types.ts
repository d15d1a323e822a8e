/** One line of the table `npm run bench` prints. */
export type BenchRow = Record<string, string | number>;

/** What every `bench/*.bench.ts` module exports. */
export type BenchRun = () => BenchRow[] | Promise<BenchRow[]>;
