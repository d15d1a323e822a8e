/**
 * Start a bench host (`host-child.ts`) in a child process on 127.0.0.1 and talk to it over
 * IPC. Every command has a deadline; `close()` kills the child if it does not exit in time.
 * Not a bench module.
 */
import { fileURLToPath } from "node:url";
import type { BenchTarget } from "./e2e-clients.js";
import { CHILD_EXEC_ARGV, forkCommandChild } from "./ipc.js";

export type HostKind = "ours" | "sdk" | "raw";

export type HostCommand =
  | { op: "usage"; gc?: boolean }
  | { op: "notify"; index: number; data: unknown }
  | { op: "probe"; round: number }
  | { op: "fanout"; rounds: number; round: number }
  | { op: "publish"; count: number; gapMs: number; round: number }
  | { op: "subscribers" }
  | { op: "close" };

export interface HostUsage {
  rss: number;
  /** User + system CPU time so far, ms. */
  cpuMs: number;
  /** Of which in the kernel (system calls: socket writes), ms. */
  systemMs: number;
  sessions: number;
}

export interface HostProcess {
  kind: HostKind;
  origin: string;
  pid: number;
  request<T = unknown>(command: HostCommand, timeoutMs?: number): Promise<T>;
  usage(gc?: boolean): Promise<HostUsage>;
  close(): Promise<void>;
}

/** No command may take longer (a bench that hangs is a failed bench). */
const COMMAND_TIMEOUT_MS = 120_000;
const START_TIMEOUT_MS = 30_000;

export async function startHostProcess(
  kind: HostKind,
  options: Record<string, unknown> = {},
): Promise<HostProcess> {
  const {
    ready: origin,
    child,
    request: send,
  } = await forkCommandChild<HostCommand, string>(
    fileURLToPath(new URL("./host-child.ts", import.meta.url)),
    [kind, JSON.stringify(options)],
    {
      // BENCH_HOST_PROF_DIR=/tmp/prof: a CPU profile of every host process, written at exit.
      execArgv: [
        ...CHILD_EXEC_ARGV,
        "--expose-gc",
        "--max-old-space-size=2048",
        ...(process.env["BENCH_HOST_PROF_DIR"]
          ? ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_HOST_PROF_DIR"]}`]
          : []),
        // BENCH_HOST_NODE_FLAGS="--trace-gc": more node flags for every host process.
        ...(process.env["BENCH_HOST_NODE_FLAGS"]?.split(" ").filter((f) => f !== "") ?? []),
      ],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
    `${kind} host`,
    START_TIMEOUT_MS,
  );
  const request = <T>(command: HostCommand, timeoutMs = COMMAND_TIMEOUT_MS): Promise<T> =>
    send<T>(command, timeoutMs);

  return {
    kind,
    origin,
    pid: child.pid ?? -1,
    request,
    usage: (gc = false) => request<HostUsage>({ op: "usage", gc }),
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      await request({ op: "close" }, 15_000).catch(() => undefined);
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The host as a bench client's target (`notify` goes over IPC: for probes, not for floods). */
export function hostTarget(host: HostProcess): BenchTarget {
  return {
    name: host.kind,
    origin: host.origin,
    notify: async (index, data) => {
      await host.request({ op: "notify", index, data });
    },
  };
}
