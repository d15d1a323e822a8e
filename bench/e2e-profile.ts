/**
 * The ours-side scenarios of `e2e.bench.ts` alone, for a CPU profile of where mcp-sse spends
 * its time (docs/performance.md):
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/e2e-prof --import tsx bench/e2e-profile.ts
 *   node --import tsx bench/e2e-profile-summary.ts /tmp/e2e-prof/<file>.cpuprofile
 *
 * Runs our host with our client transport (SDK v2 `Client`) and with `connectMcps`, over both
 * wires: sequential and 32-way `tools/call`, and a notification flood. Not a bench module
 * (no `run()`, not picked up by `npm run bench`).
 */
import { type ClientKind, connectBenchClient, inProcess, type WireKind } from "./e2e-clients.js";
import {
  concurrentCalls,
  notificationFlood,
  sequentialCalls,
  waitForServerStream,
  withTimeout,
} from "./e2e-measure.js";
import { startOursHost } from "./e2e-servers.js";

const ROUNDS = 4;
const host = await startOursHost();
let probe = -1;
try {
  for (const wire of ["streamable-http", "sse"] as WireKind[]) {
    for (const kind of ["ours", "connectMcps"] as ClientKind[]) {
      const client = await connectBenchClient(inProcess(host), wire, kind);
      try {
        await waitForServerStream(client, probe--);
        for (let round = 0; round < ROUNDS; round++) {
          await withTimeout(sequentialCalls(client, 200, round), 60_000, "seq");
          await withTimeout(concurrentCalls(client, 640, 32, round), 60_000, "conc");
          await withTimeout(notificationFlood(client, 5_000, 512, round), 60_000, "flood");
        }
        console.log(`${kind} over ${wire}: done`);
      } finally {
        await client.close();
      }
    }
  }
} finally {
  await host.close();
}
