/**
 * Summarize a `.cpuprofile` (from `node --cpu-prof`): top functions by self time, and self time
 * grouped by package / project directory. Usage:
 *   node --import tsx bench/e2e-profile-summary.ts <file.cpuprofile> [top=30]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg, callersOf] = process.argv.slice(2);
if (file === undefined) {
  console.error("usage: e2e-profile-summary.ts <file.cpuprofile> [top]");
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  total += dt;
});

/** Where a function lives: a package name, a project path, or node internals. */
function area(url: string): string {
  if (url === "") return "(native / V8)";
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg?.[1] !== undefined) return pkg[1];
  if (url.startsWith("node:internal/deps/undici")) return "node: bundled undici (global fetch)";
  // ReadableStream construction calls makeTransferable: count it with web streams.
  if (/^node:internal\/(webstreams|worker\/js_transferable)/.test(url)) return "node: web streams";
  if (/^node:internal\/(abort_controller|event_target|per_context\/domexception)/.test(url))
    return "node: AbortController / EventTarget / DOMException";
  if (url.startsWith("node:internal/modules") || url.startsWith("node:internal/vm"))
    return "node: module loading (start-up)";
  if (/^node:(_http|http|internal\/http)/.test(url)) return "node: http";
  if (/^node:(net|internal\/(stream_base|streams))/.test(url) || url.startsWith("node:stream"))
    return "node: net + streams";
  if (url.startsWith("node:")) return "node: other";
  const project = url.match(/\/(src\/[^/]+(?:\/[^/]+)?|bench)\//);
  return project?.[1] ?? url;
}

const byFunction = new Map<string, number>();
const byArea = new Map<string, number>();
for (const [id, us] of selfUs) {
  const frame = byId.get(id)?.callFrame;
  if (frame === undefined) continue;
  const where = frame.url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, "$1/");
  const key = `${frame.functionName || "(anonymous)"}  ${where}:${frame.lineNumber + 1}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  byArea.set(area(frame.url), (byArea.get(area(frame.url)) ?? 0) + us);
}

const pct = (us: number) => `${((us / total) * 100).toFixed(1)}%`;
console.log(`total sampled ${(total / 1000).toFixed(0)} ms\n\nself time by area:`);
for (const [name, us] of [...byArea].sort((a, b) => b[1] - a[1]).slice(0, 20))
  console.log(`${pct(us).padStart(6)}  ${name}`);
console.log(`\ntop ${top} functions by self time:`);
for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top))
  console.log(`${pct(us).padStart(6)}  ${name}`);

if (callersOf !== undefined) {
  const wanted = new RegExp(callersOf);
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const short = (id: number | undefined) => {
    const frame = id === undefined ? undefined : byId.get(id)?.callFrame;
    if (frame === undefined) return "";
    const file = frame.url.replace(/^.*\/(node_modules\/(?:@[^/]+\/)?[^/]+|src|bench)\//, "$1/");
    return `${frame.functionName || "(anon)"}@${file.split("/").slice(-2).join("/")}`;
  };
  const chains = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (!wanted.test(byId.get(id)?.callFrame.functionName ?? "")) continue;
    const chain: string[] = [];
    let at: number | undefined = id;
    for (let depth = 0; depth < 5 && at !== undefined; depth++, at = parent.get(at))
      chain.push(short(at));
    const key = chain.join(" < ");
    chains.set(key, (chains.get(key) ?? 0) + us);
  }
  console.log(`\ncallers of /${callersOf}/ (self time):`);
  for (const [chain, us] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`${pct(us).padStart(6)}  ${chain}`);
}
