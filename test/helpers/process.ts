import assert from "node:assert/strict";

/** True while a process with this PID exists (signal 0 probes without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, "ESRCH");
    return false;
  }
}

/** `s` as one single-quoted POSIX shell word (for command lines the stdio bridge parses). */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
