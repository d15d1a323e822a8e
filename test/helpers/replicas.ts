/**
 * Replicas as real child processes (test/fixtures/redis-replica.ts), for the tests that kill
 * them: start, SIGKILL (a crash), and read what they logged.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Bound on a replica starting (tsx compiles on a busy machine). */
const START_TIMEOUT_MS = 60_000;

export interface ReplicaProcess {
  name: string;
  url: string;
  replicaId: string;
  child: ChildProcess;
  /** stderr so far (JSON log lines). */
  log(): string;
  /** SIGKILL, as a crash; resolves on exit. */
  kill(): Promise<void>;
  /** SIGTERM; resolves on exit. */
  stop(): Promise<void>;
  /** SIGSTOP (hung: its sockets stay open, it answers nothing); `resume()` sends SIGCONT. */
  pause(): void;
  resume(): void;
}

export async function startReplica(
  redisUrl: string,
  keyPrefix: string,
  name: string,
  claimTtlMs: number,
  /** How long it waits for another replica that owns a session (default: the host's). */
  forwardTimeoutMs?: number,
): Promise<ReplicaProcess> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "test/fixtures/redis-replica.ts",
      redisUrl,
      keyPrefix,
      name,
      String(claimTtlMs),
      ...(forwardTimeoutMs === undefined ? [] : [String(forwardTimeoutMs)]),
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (t: string) => (stderr += t));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`replica ${name} did not start:\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout?.setEncoding("utf8").on("data", (t: string) => {
      stdout += t;
      const match = /^READY (\S+) (\S+)$/m.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`replica ${name} exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    await exited;
  };
  return {
    name,
    url: ready[1] as string,
    replicaId: ready[2] as string,
    child,
    log: () => stderr,
    kill: () => signal("SIGKILL"),
    stop: () => signal("SIGTERM"),
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
  };
}

/** True while the process has neither exited nor been killed. */
export function alive(replica: ReplicaProcess): boolean {
  return replica.child.exitCode === null && replica.child.signalCode === null;
}
