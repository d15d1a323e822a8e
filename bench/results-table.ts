/**
 * `bench/results.json` as the markdown table docs/performance.md keeps:
 *   node --import tsx bench/results-table.ts [path/to/results.json]
 * Not a bench module.
 */
import { readFileSync } from "node:fs";
import type { ResultRow } from "./types.js";

type Row = ResultRow & { medianOurs: number; medianSdk?: number; ratio?: number };
interface Part {
  date: string;
  commit: string;
  machine: {
    cores: number;
    node: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  rows: Row[] | Record<string, unknown>[];
}

const file = process.argv[2] ?? new URL("./results.json", import.meta.url).pathname;
const results = JSON.parse(readFileSync(file, "utf8")) as { parts: Record<string, Part> };
const fmt = (n: number | undefined) =>
  n === undefined || Number.isNaN(n) ? "" : n >= 100 ? String(Math.round(n)) : n.toFixed(2);

console.log("| part | row | metric | sdk | ours | ratio | goal | runs |");
console.log("|---|---|---|---:|---:|---:|---:|---:|");
for (const [name, part] of Object.entries(results.parts)) {
  for (const row of part.rows as Row[]) {
    if (!("medianOurs" in row)) continue;
    const anchor =
      row.medianSdk !== undefined
        ? fmt(row.medianSdk)
        : row.target !== undefined
          ? `target ${fmt(row.target)}`
          : "";
    const ratio = row.ratio === undefined || row.ratio === null ? "" : `${row.ratio.toFixed(2)}x`;
    console.log(
      `| ${name} | ${row.row} | ${row.metric} | ${anchor} | ${fmt(row.medianOurs)} | ${ratio} | ${row.goal === undefined ? "" : `${row.goal}x`} | ${row.ours.length} |`,
    );
  }
}
for (const [name, part] of Object.entries(results.parts))
  console.log(
    `\n${name}: ${part.date}, commit ${part.commit}, ${part.machine.cores} cores, node ${part.machine.node}, load ${part.machine.loadAverageAtStart.join(" ")} → ${part.machine.loadAverageAtEnd.join(" ")}`,
  );
