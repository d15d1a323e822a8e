/**
 * The receiver processes of the feed bench (`feed-receiver-child.ts`), each holding a share
 * of the subscribers, so that no one process's own queueing is the latency measured. Every
 * command has a deadline; `close()` stops every child (killing one that does not exit).
 * Not a bench module.
 */
import { fileURLToPath } from "node:url";
import type { ReceiverCommand, RoundTake } from "./feed-receiver-child.js";
import { CHILD_EXEC_ARGV, forkCommandChild } from "./ipc.js";

const START_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 5_000;

export interface Receiver {
  pid: number;
  request<T>(command: ReceiverCommand, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

async function startReceiver(feedUrl: string): Promise<Receiver> {
  const { child, request, nextId } = await forkCommandChild<ReceiverCommand, true>(
    fileURLToPath(new URL("./feed-receiver-child.ts", import.meta.url)),
    [feedUrl],
    {
      execArgv: [...CHILD_EXEC_ARGV, "--max-old-space-size=1024"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    },
    "feed receiver",
    START_TIMEOUT_MS,
  );
  return {
    pid: child.pid ?? -1,
    request,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const timer = setTimeout(() => child.kill("SIGKILL"), CLOSE_TIMEOUT_MS);
      child.send({ id: nextId(), command: { op: "close" } }, () => undefined);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `count` receivers (all started, or none left running). */
export async function startReceivers(feedUrl: string, count: number): Promise<Receiver[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => startReceiver(feedUrl)),
  );
  const receivers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) {
    await closeReceivers(receivers);
    throw failed.reason;
  }
  return receivers;
}

export async function closeReceivers(receivers: Receiver[]): Promise<void> {
  await Promise.allSettled(receivers.map((r) => r.close()));
}

export type { RoundTake };
