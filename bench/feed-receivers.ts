/**
 * The receiver processes of the feed bench (`feed-receiver-child.ts`), each holding a share
 * of the subscribers, so that no one process's own queueing is the latency measured. Every
 * command has a deadline; `close()` stops every child (killing one that does not exit).
 * Not a bench module.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { ReceiverCommand, RoundTake } from "./feed-receiver-child.js";

const START_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 5_000;

export interface Receiver {
  pid: number;
  request<T>(command: ReceiverCommand, timeoutMs: number): Promise<T>;
  close(): Promise<void>;
}

async function startReceiver(feedUrl: string): Promise<Receiver> {
  const child: ChildProcess = fork(
    fileURLToPath(new URL("./feed-receiver-child.ts", import.meta.url)),
    [feedUrl],
    {
      execArgv: ["--import", "tsx", "--max-old-space-size=1024"],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "advanced",
    },
  );
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 0;
  child.on("exit", () => {
    for (const waiter of pending.values()) waiter.reject(new Error("feed receiver exited"));
    pending.clear();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`feed receiver: not ready after ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    child.once("exit", (code) => reject(new Error(`feed receiver exited (${code}) before ready`)));
    child.on(
      "message",
      (message: { ready?: true; id?: number; result?: unknown; error?: string }) => {
        if (message.ready) {
          clearTimeout(timer);
          resolve();
          return;
        }
        const waiter = message.id === undefined ? undefined : pending.get(message.id);
        if (waiter === undefined || message.id === undefined) return;
        pending.delete(message.id);
        if (message.error !== undefined)
          waiter.reject(new Error(`feed receiver: ${message.error}`));
        else waiter.resolve(message.result);
      },
    );
  });

  return {
    pid: child.pid ?? -1,
    request: <T>(command: ReceiverCommand, timeoutMs: number) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`feed receiver: ${command.op} took over ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ id, command });
      }),
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      const timer = setTimeout(() => child.kill("SIGKILL"), CLOSE_TIMEOUT_MS);
      child.send({ id: nextId++, command: { op: "close" } }, () => undefined);
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
