/**
 * Regressions of the stdio transport's ending. It waited for the child's `close` (every
 * pipe closed), so a grandchild that inherited stdout (`sh -c "server & …"`) kept `close()`
 * pending, and hid an exit, for as long as the grandchild lived.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { StdioClientTransport } from "../../../src/client/transports/stdio.js";
import type { McpSseError } from "../../../src/errors.js";
import type { Logger } from "../../../src/logger.js";
import { waitFor, withTimeout } from "../../helpers/wait-for.js";
import { serverConfig } from "./helpers.js";

/** A transport running `sh -c script`, with the pids the script prints to stderr. */
function shell(script: string) {
  const pids: number[] = [];
  const logger: Logger = {
    debug: () => {},
    info: (obj) => {
      const line = (obj as { stderr?: string }).stderr ?? "";
      for (const m of line.matchAll(/pid=(\d+)/g)) pids.push(Number(m[1]));
    },
    warn: () => {},
    error: () => {},
  };
  const transport = new StdioClientTransport({
    server: serverConfig({ transport: "stdio", command: "sh", args: ["-c", script] }),
    logger,
  });
  return { transport, pids };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process (the signal-0 probe's only answer for a reaped pid).
    return false;
  }
}

/** Kill the sleepers our scripts left behind (by pid, only ours). */
function killAll(pids: number[]): void {
  for (const pid of pids) if (alive(pid)) process.kill(pid, "SIGKILL");
}

test("stdio close() hung while a grandchild held stdout open: it now returns once the child exits", async () => {
  // The grandchild sleeps with our stdout pipe; the child (cat) exits when stdin ends.
  const { transport, pids } = shell('sleep 30 & echo "pid=$!" >&2; exec cat >/dev/null');
  try {
    await withTimeout(transport.start(), 5_000, "start");
    await waitFor(() => pids.length === 1, { message: "the grandchild's pid" });
    await withTimeout(transport.close(), 5_000, "close() with a grandchild holding stdout");
    assert.ok(alive(pids[0] as number), "the grandchild still holds the pipe: close did not wait");
  } finally {
    killAll(pids);
  }
});

test("stdio exit was never reported while a grandchild held stdout: CLIENT_PROCESS_EXITED after the last message", async () => {
  const { transport, pids } = shell(
    'sleep 30 & echo "pid=$!" >&2; printf \'{"jsonrpc":"2.0","method":"notifications/last"}\\n\'; exit 3',
  );
  const order: string[] = [];
  const errors: McpSseError[] = [];
  transport.onmessage = (m) => void order.push(`message:${(m as { method: string }).method}`);
  transport.onerror = (e) => {
    errors.push(e as McpSseError);
    order.push(`error:${(e as McpSseError).code}`);
  };
  transport.onclose = () => void order.push("close");
  try {
    await withTimeout(transport.start(), 5_000, "start");
    await waitFor(() => order.includes("close"), { message: "the exit to be reported" });
    assert.deepEqual(order, ["message:notifications/last", "error:CLIENT_PROCESS_EXITED", "close"]);
    assert.equal(errors[0]?.details["exitCode"], 3);
    await withTimeout(transport.close(), 5_000, "close after the exit");
  } finally {
    killAll(pids);
  }
});

test("stdio close() of a child that ignores SIGTERM ends with SIGKILL after the grace", async () => {
  const { transport, pids } = shell('trap "" TERM; echo "pid=$$" >&2; while :; do sleep 0.1; done');
  try {
    await withTimeout(transport.start(), 5_000, "start");
    await waitFor(() => pids.length === 1, { message: "the child's pid" });
    await withTimeout(transport.close(), 8_000, "close() of a child that ignores SIGTERM");
    assert.equal(alive(pids[0] as number), false, "the child is gone");
  } finally {
    killAll(pids);
  }
});
