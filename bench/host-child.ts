/**
 * One bench host in its own process (the client side runs in the parent, so that neither
 * side's CPU or memory is counted for the other): `ours` (the mcp-sse host, `serve()`),
 * `sdk` (the official SDK transports) or `raw` (node:http, the floor for idle sessions).
 * Started by `host-process.ts`; answers commands over the IPC channel. Not a bench module.
 *
 *   argv: <kind> <JSON options for startOursHost>
 */
import type { McpServer } from "@modelcontextprotocol/server";
import { type BenchHost, startOursHost, startRawHost, startSdkHost } from "./e2e-servers.js";
import type { HostCommand } from "./host-process.js";
import { serveCommands } from "./ipc.js";

const kind = process.argv[2];
const options = JSON.parse(process.argv[3] ?? "{}") as Parameters<typeof startOursHost>[0];
const host: BenchHost =
  kind === "ours"
    ? await startOursHost(options)
    : kind === "sdk"
      ? await startSdkHost()
      : await startRawHost();

/** ~100 bytes of text per notification, like a small sensor or progress log line. */
const TEXT = "sensor 7 reading 42.5 C status ok stream alpha; sensor 8 reading 17.25 C ok";

function session(index: number): McpServer {
  const server = host.sessions[index];
  if (server === undefined) throw new Error(`${kind} host: no session ${index}`);
  return server;
}

/** Every session's server sends one notification per round, all sessions at once. */
async function fanOut(rounds: number, round: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < rounds; i++)
    await Promise.all(
      host.sessions.map((s) =>
        s
          .sendLoggingMessage({ level: "info", data: { round, i, text: TEXT } })
          .catch(() => undefined),
      ),
    );
  return performance.now() - started;
}

/**
 * `count` feed events, `gapMs` apart, each stamped with the wall clock (ms, sub-ms precise).
 * Returns, per event, the ms from the stamp until the host's next `setImmediate`: the time
 * to hand the event to every subscriber's socket (deferred writes such as uncorking included).
 */
async function publish(count: number, gapMs: number, round: number): Promise<number[]> {
  if (host.publish === undefined) throw new Error(`${kind} host has no feed`);
  const handedMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const t = performance.timeOrigin + started;
    host.publish({ event: "tick", round, i, t, text: TEXT });
    await new Promise((resolve) => setImmediate(resolve));
    handedMs.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  return handedMs;
}

async function handle(command: HostCommand): Promise<unknown> {
  switch (command.op) {
    case "usage": {
      const cpu = process.cpuUsage();
      if (command.gc) for (let i = 0; i < 3; i++) globalThis.gc?.();
      return {
        rss: process.memoryUsage().rss,
        cpuMs: (cpu.user + cpu.system) / 1000,
        systemMs: cpu.system / 1000,
        sessions: host.sessions.length,
      };
    }
    case "notify":
      await session(command.index).sendLoggingMessage({ level: "info", data: command.data });
      return null;
    case "probe":
      await Promise.all(
        host.sessions.map((s) =>
          s
            .sendLoggingMessage({
              level: "info",
              data: { round: command.round, i: 0, text: "probe" },
            })
            .catch(() => undefined),
        ),
      );
      return null;
    case "fanout":
      return fanOut(command.rounds, command.round);
    case "publish":
      return publish(command.count, command.gapMs, command.round);
    case "subscribers":
      return host.feedSubscribers?.() ?? 0;
    case "close":
      await host.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

serveCommands<HostCommand>(handle, host.origin);
