/**
 * stdio client transport: spawn `command args` (environment = this process's, plus
 * `server.env`), newline-delimited JSON-RPC on stdin/stdout, the child's stderr to the logger.
 * A child that exits on its own ends the transport with `CLIENT_PROCESS_EXITED`.
 *
 * Exit, not pipe close, is what counts: a grandchild (`sh -c "server & …"`) may inherit
 * stdout and hold it open long after the child is gone, so the transport waits for the
 * child's `exit` (bounded), then destroys the pipes itself.
 *
 * The only client transport with `node:` imports: the factory loads this module with a
 * dynamic `import()` at `start()`, so the package root stays runtime-agnostic.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import type { JSONRPCMessage } from "@modelcontextprotocol/client";
import { McpSseError } from "../../errors.js";
import { ClientTransportBase } from "./base.js";
import { alreadyStarted, notConnected } from "./errors.js";
import { parseJsonRpc } from "./jsonrpc.js";
import { DEFAULT_MAX_LINE_CHARS, LineSplitter } from "./line-splitter.js";
import type { ClientTransportOptions, McpSseClientTransport } from "./types.js";

/** Longest line (one message) buffered from the child's stdout, in characters. */
export const DEFAULT_STDIO_MAX_LINE_CHARS = DEFAULT_MAX_LINE_CHARS;
/** After `close()`: wait this long for the child to exit on SIGTERM before SIGKILL, ms. */
export const DEFAULT_STDIO_KILL_GRACE_MS = 2_000;
/** After SIGKILL: how much longer `close()` waits for the exit before it stops waiting, ms. */
export const DEFAULT_STDIO_EXIT_WAIT_MS = 1_000;
/**
 * After the child exits on its own: how long its stdout may still drain (messages written
 * just before the exit) before the exit is reported and the pipes are destroyed, ms.
 */
export const DEFAULT_STDIO_DRAIN_MS = 200;
/** Longest stderr line passed to the logger, in characters. */
const STDERR_LINE_CHARS = 1_000;

export class StdioClientTransport extends ClientTransportBase implements McpSseClientTransport {
  readonly kind = "stdio" as const;
  readonly sessionId = undefined;
  private child: ChildProcessWithoutNullStreams | undefined;
  private readonly stdoutLines = new LineSplitter({
    maxLineChars: DEFAULT_STDIO_MAX_LINE_CHARS,
    onLine: (line) => {
      if (line.trim() !== "") this.onLine(line);
    },
    onOverflow: ({ maxLineChars }) =>
      this.emitError(
        new McpSseError(
          "CLIENT_BAD_MESSAGE",
          `Server "${this.server.name}" wrote a line longer than ${maxLineChars} characters to stdout; it was dropped.`,
          { details: { server: this.server.name } },
        ),
      ),
  });
  private stderrBuffer = "";
  /** Settles on the child's `exit` (or a failed spawn): the process is gone, pipes or not. */
  private exited: Promise<void> | undefined;
  /** Settles on the child's `close`: every pipe has closed too. */
  private pipesClosed: Promise<void> | undefined;

  constructor(options: ClientTransportOptions) {
    super(options);
    if (options.server.command === undefined || options.server.command === "")
      throw new McpSseError(
        "CLIENT_BAD_CONFIG",
        `Server "${options.server.name}" uses transport stdio and needs a "command".`,
        { details: { server: options.server.name } },
      );
  }

  /** Resolves once the process has spawned; rejects `CLIENT_SPAWN_FAILED`. */
  start(): Promise<void> {
    if (this.started) return Promise.reject(alreadyStarted(this.server.name));
    this.started = true;
    const { server } = this;
    const command = server.command as string;
    return new Promise<void>((resolve, reject) => {
      const child = spawn(command, server.args, {
        env: { ...process.env, ...server.env },
        ...(server.cwd !== undefined ? { cwd: server.cwd } : {}),
        stdio: ["pipe", "pipe", "pipe"],
        windowsHide: true,
      });
      this.child = child;
      let spawned = false;
      let onExited: () => void = () => undefined;
      this.exited = new Promise<void>((done) => {
        onExited = done;
      });
      this.pipesClosed = new Promise<void>((done) => child.once("close", () => done()));
      child.once("exit", (code, signal) => {
        onExited();
        this.onExit(code, signal);
      });
      child.once("spawn", () => {
        spawned = true;
        resolve();
      });
      child.once("error", (cause) => {
        const error = new McpSseError(
          "CLIENT_SPAWN_FAILED",
          `Could not start "${command}" for server "${server.name}": ${cause.message}. Check the command and PATH.`,
          { details: { server: server.name, command }, cause },
        );
        if (!spawned) {
          // No process, so no "exit" will come.
          onExited();
          this.closed = true;
          reject(error);
        } else this.finish(error);
      });
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => this.onStdout(chunk));
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (chunk: string) => this.onStderr(chunk));
      // A child that stops reading stdin must not crash us with EPIPE; the exit reports it.
      child.stdin.on("error", (cause) =>
        this.log.debug({ err: cause.message }, "stdio child stdin error"),
      );
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const child = this.child;
    if (this.closed || child === undefined)
      return Promise.reject(notConnected(this.server.name, this.closed));
    return new Promise((resolve, reject) => {
      child.stdin.write(`${JSON.stringify(message)}\n`, (error) => {
        if (error)
          reject(
            new McpSseError(
              "CLIENT_PROCESS_EXITED",
              `Could not write to "${this.server.command}" (server "${this.server.name}"): ${error.message}`,
              { details: { server: this.server.name, command: this.server.command }, cause: error },
            ),
          );
        else resolve();
      });
    });
  }

  /**
   * Ends stdin, SIGTERM, SIGKILL after `DEFAULT_STDIO_KILL_GRACE_MS`; resolves once the child
   * has exited (at most `DEFAULT_STDIO_EXIT_WAIT_MS` after the SIGKILL) and its pipes are
   * destroyed. A grandchild holding stdout does not keep it waiting.
   */
  async close(): Promise<void> {
    this.finish();
    if (this.exited === undefined) return;
    const exited = await settlesWithin(
      this.exited,
      DEFAULT_STDIO_KILL_GRACE_MS + DEFAULT_STDIO_EXIT_WAIT_MS,
    );
    if (!exited)
      this.log.warn(
        { pid: this.child?.pid },
        "stdio child did not exit after SIGKILL; no longer waiting for it",
      );
    this.destroyPipes();
  }

  protected teardown(): void {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), DEFAULT_STDIO_KILL_GRACE_MS);
    killer.unref();
    child.once("exit", () => clearTimeout(killer));
  }

  /** Stop reading (and writing): after the exit, an open pipe only means a grandchild holds it. */
  private destroyPipes(): void {
    const child = this.child;
    if (child === undefined) return;
    child.stdin.destroy();
    child.stdout.destroy();
    child.stderr.destroy();
  }

  private onStdout(chunk: string): void {
    this.stdoutLines.push(chunk);
  }

  private onLine(line: string): void {
    const parsed = parseJsonRpc(line, this.server.name);
    if (parsed instanceof McpSseError) {
      this.emitError(parsed);
      return;
    }
    for (const m of parsed) this.deliver(m);
  }

  private onStderr(chunk: string): void {
    this.stderrBuffer += chunk;
    const lines = this.stderrBuffer.split("\n");
    this.stderrBuffer = lines.pop() ?? "";
    if (this.stderrBuffer.length > STDERR_LINE_CHARS) {
      lines.push(this.stderrBuffer);
      this.stderrBuffer = "";
    }
    for (const line of lines)
      if (line.trim() !== "")
        this.log.info({ stderr: line.slice(0, STDERR_LINE_CHARS) }, "server stderr");
  }

  /**
   * The child exited on its own: let stdout drain (its last messages may still be in the
   * pipe) until the pipes close or `DEFAULT_STDIO_DRAIN_MS`, then report the exit.
   */
  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closed) return;
    const drained = this.pipesClosed ?? Promise.resolve();
    void settlesWithin(drained, DEFAULT_STDIO_DRAIN_MS).then(() => {
      if (this.closed) return;
      const command = this.server.command;
      this.finish(
        new McpSseError(
          "CLIENT_PROCESS_EXITED",
          `"${command}" (server "${this.server.name}") exited ${signal !== null ? `on signal ${signal}` : `with code ${code}`}; see its stderr in the log.`,
          { details: { server: this.server.name, command, exitCode: code, signal } },
        ),
      );
      this.destroyPipes();
    });
  }
}

/** True when `promise` settled within `ms`, false when the wait ran out first. */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}
