/**
 * The floor of the fan-out rows: the MCP layer alone, no HTTP. `sessions` pairs of the
 * bench's `McpServer` and an SDK v2 `Client` in this process over the SDK's
 * `InMemoryTransport`; each server sends `perSession` logging notifications per run as the
 * hosts do (one per session per round, all sessions at once), every one counted by its
 * client. What a pair built on the SDK's `McpServer` and `Client` (both hosts' pairs are)
 * cannot go below, per notification, before any HTTP. Not a bench module itself: imported by
 * `fanout.bench.ts`.
 */
import { Client, InMemoryTransport } from "@modelcontextprotocol/client";
import type { McpServer } from "@modelcontextprotocol/server";
import { createBenchServer } from "./e2e-servers.js";

/** The same ~100 bytes of text per notification as the hosts send (host-child.ts). */
const TEXT = "sensor 7 reading 42.5 C status ok stream alpha; sensor 8 reading 17.25 C ok";
const RUN_TIMEOUT_MS = 120_000;

interface FloorPair {
  server: McpServer;
  client: Client;
  received: number;
}

/** µs of CPU (this process: both sides) per notification, one value per run after a warm-up. */
export async function mcpLayerFanOut(
  sessions: number,
  perSession: number,
  runs: number,
): Promise<number[]> {
  const servers: McpServer[] = [];
  const pairs: FloorPair[] = [];
  try {
    for (let s = 0; s < sessions; s++) {
      const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
      const server = createBenchServer(servers);
      await server.connect(serverSide);
      const client = new Client({ name: "bench-floor", version: "1.0.0" });
      const pair: FloorPair = { server, client, received: 0 };
      client.setNotificationHandler("notifications/message", () => {
        pair.received += 1;
      });
      await client.connect(clientSide);
      pairs.push(pair);
    }
    const values: number[] = [];
    for (let run = 0; run <= runs; run++) {
      for (const p of pairs) p.received = 0;
      const before = process.cpuUsage();
      await oneRun(pairs, perSession, run);
      const cpu = process.cpuUsage(before);
      if (run > 0) values.push((cpu.user + cpu.system) / (sessions * perSession));
    }
    return values;
  } finally {
    await Promise.allSettled(pairs.map((p) => p.client.close()));
  }
}

async function oneRun(pairs: FloorPair[], perSession: number, round: number): Promise<void> {
  for (let i = 0; i < perSession; i++)
    await Promise.all(
      pairs.map((p) =>
        p.server.sendLoggingMessage({ level: "info", data: { round, i, text: TEXT } }),
      ),
    );
  // Handlers run on microtasks and turns after the sends: wait for every one, bounded.
  const until = performance.now() + RUN_TIMEOUT_MS;
  while (pairs.some((p) => p.received < perSession)) {
    if (performance.now() > until) throw new Error("MCP layer fan-out: notifications missing");
    await new Promise((resolve) => setImmediate(resolve));
  }
}
