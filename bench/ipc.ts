/**
 * The command channel between the bench and its child processes (hosts, feed receivers):
 * the child answers `{ id, command }` with `{ id, result }` or `{ id, error }` and says
 * `{ ready }` once; the parent gives every command a deadline. Not a bench module.
 */
import { type ChildProcess, type ForkOptions, fork } from "node:child_process";

/**
 * How every bench child runs: its TypeScript through tsx, the package's modules from their
 * build (built-hooks.mjs), as in the bench process.
 */
export const CHILD_EXEC_ARGV: readonly string[] = [
  "--import",
  "tsx",
  "--import",
  new URL("./use-built.mjs", import.meta.url).href,
];

export interface CommandChild<Command> {
  child: ChildProcess;
  /** Resolves with the child's answer; rejects on its error, its exit, or after `timeoutMs`. */
  request<T>(command: Command, timeoutMs: number): Promise<T>;
  /** A command id for a message sent without waiting (`close`). */
  nextId(): number;
}

/**
 * Fork `file` and wait (at most `startTimeoutMs`) for its `{ ready }`, which is returned.
 * `label` names the child in errors ("sdk host", "feed receiver").
 */
export async function forkCommandChild<Command, Ready>(
  file: string,
  args: string[],
  options: ForkOptions,
  label: string,
  startTimeoutMs: number,
): Promise<{ ready: Ready } & CommandChild<Command>> {
  const child = fork(file, args, options);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let lastId = 0;
  const ready = await new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${label}: not ready after ${startTimeoutMs} ms`));
    }, startTimeoutMs);
    child.once("exit", (code) => reject(new Error(`${label} exited (${code}) before ready`)));
    child.on(
      "message",
      (message: { ready?: Ready; id?: number; result?: unknown; error?: string }) => {
        if (message.ready !== undefined) {
          clearTimeout(timer);
          resolve(message.ready);
          return;
        }
        const waiter = message.id === undefined ? undefined : pending.get(message.id);
        if (waiter === undefined || message.id === undefined) return;
        pending.delete(message.id);
        if (message.error !== undefined) waiter.reject(new Error(`${label}: ${message.error}`));
        else waiter.resolve(message.result);
      },
    );
  });
  child.on("exit", () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${label} exited`));
    pending.clear();
  });
  const request = <T>(command: Command, timeoutMs: number) =>
    new Promise<T>((resolve, reject) => {
      const id = ++lastId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${label}: ${(command as { op?: string }).op} took over ${timeoutMs} ms`));
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
    });
  return { ready, child, request, nextId: () => ++lastId };
}

/** The child's side: answer every command with `handle`, say `ready`, exit with the parent. */
export function serveCommands<Command>(
  handle: (command: Command) => Promise<unknown>,
  ready: unknown,
): void {
  process.on("message", (message: { id: number; command: Command }) => {
    handle(message.command).then(
      (result) => process.send?.({ id: message.id, result }),
      (error: unknown) => process.send?.({ id: message.id, error: String(error) }),
    );
  });
  process.on("disconnect", () => process.exit(0));
  process.send?.({ ready });
}
