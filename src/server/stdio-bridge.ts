import { type ChildProcess, spawn } from "node:child_process";
import type { JSONRPCMessage, Transport } from "@modelcontextprotocol/server";
import {
  ReadBuffer,
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
  serializeMessage,
} from "@modelcontextprotocol/server";
import { McpSseError } from "../errors.js";
import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import { parseCommandLine } from "./stdio-command.js";
import type { ServerLike } from "./types.js";

/**
 * `--stdio "<command>"`: serve a stdio MCP program over HTTP. Each session gets its OWN child
 * process (never shared: MCP state such as subscriptions and log level is per connection).
 * JSON-RPC messages travel as newline-delimited JSON on the child's stdin/stdout (the MCP
 * stdio transport); its stderr goes to the logger line by line.
 */

/** Default: after SIGTERM, a child has this long to exit before SIGKILL. */
export const DEFAULT_STDIO_KILL_GRACE_MS = 2000;
/** Default: the longest stderr line passed to the logger (the rest is cut). */
export const DEFAULT_STDIO_STDERR_LINE_MAX = 4096;
/** Default: bytes queued for a child's stdin (it is not reading) before its session is closed. */
export const DEFAULT_STDIO_MAX_STDIN_BYTES = 16 * 1024 * 1024;

export interface StdioServerOptions {
  /** Extra environment for the child, on top of this process's environment. */
  env?: Record<string, string>;
  /** Working directory of the child. @default process.cwd() */
  cwd?: string;
  /** Receives the child's stderr lines and lifecycle messages. @default silentLogger */
  logger?: Logger;
  /** Milliseconds between SIGTERM and SIGKILL on close. @default DEFAULT_STDIO_KILL_GRACE_MS */
  killGraceMs?: number;
  /**
   * Largest message (one stdout line) accepted from the child, in bytes; a child that writes
   * more without a newline is stopped (`SERVER_STDIO_OUTPUT_TOO_LARGE`).
   * @default STDIO_DEFAULT_MAX_BUFFER_SIZE (10 MiB, the SDK's stdio limit)
   */
  maxMessageBytes?: number;
  /**
   * Bytes allowed to queue for the child's stdin while it does not read; beyond that the
   * session is closed (`SERVER_STDIO_STALLED`) rather than buffering without bound.
   * @default DEFAULT_STDIO_MAX_STDIN_BYTES (16 MiB)
   */
  maxStdinBytes?: number;
}

/** One session bridged to one child process. */
export interface StdioSessionServer extends ServerLike {
  /** The child's PID once connected. */
  readonly pid: number | undefined;
  /** Why the child went away on its own (`SERVER_STDIO_EXITED`), once it has. */
  readonly exitError: McpSseError | undefined;
}

/**
 * A `createServer` for `serve()`: every call makes a ServerLike whose `connect(transport)`
 * spawns the command for that session. The command line is parsed once, here, so a bad one
 * fails at startup (`SERVER_STDIO_COMMAND_INVALID`), not on the first client.
 */
export function createStdioServerFactory(
  commandLine: string,
  options: StdioServerOptions = {},
): () => StdioSessionServer {
  const parsed = parseCommandLine(commandLine);
  return () => new StdioSession(parsed.command, parsed.args, options);
}

/** A printable form of the command: arguments that look like secrets are hidden. */
export function describeCommand(command: string, args: readonly string[]): string {
  const shown = args.map((arg, i) => {
    // `--api-key=sk-…` / `TOKEN=x`: keep the name, hide the value.
    const eq = arg.indexOf("=");
    if (eq > 0 && SECRET_ARG.test(arg.slice(0, eq))) return `${arg.slice(0, eq + 1)}[REDACTED]`;
    // `--api-key sk-…`: the value is the word after a secret-named flag.
    const previous = args[i - 1];
    if (previous?.startsWith("-") && !previous.includes("=") && SECRET_ARG.test(previous)) {
      return "[REDACTED]";
    }
    return SECRET_ARG.test(arg) && !arg.startsWith("-") ? "[REDACTED]" : arg;
  });
  return [command, ...shown].join(" ");
}

/** Words that mark a command-line argument (or the flag before it) as a secret. */
const SECRET_ARG = /token|secret|password|passwd|api[-_]?key|auth/i;

class StdioSession implements StdioSessionServer {
  private child: ChildProcess | undefined;
  private transport: Transport | undefined;
  private readonly readBuffer: ReadBuffer;
  /** Requests sent to the child and not answered yet: answered with an error if it dies. */
  private readonly pending = new Set<string | number>();
  private exited: Promise<void> = Promise.resolve();
  /** The spawn in progress: a close that comes meanwhile waits for it, then kills the child. */
  private spawning: Promise<ChildProcess> | undefined;
  private closing = false;
  /** The one stop in progress (or done): every caller waits for the same one. */
  private stopping: Promise<void> = Promise.resolve();
  /** Set by close(): messages the child writes while it stops go nowhere (the session is gone). */
  private detached = false;
  exitError: McpSseError | undefined;

  private readonly logger: Logger;
  private readonly display: string;

  constructor(
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly options: StdioServerOptions,
  ) {
    this.display = describeCommand(command, args);
    this.readBuffer = new ReadBuffer({
      maxBufferSize: options.maxMessageBytes ?? STDIO_DEFAULT_MAX_BUFFER_SIZE,
    });
    const base = options.logger ?? silentLogger;
    this.logger = base.child?.({ stdio: this.display }) ?? base;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async connect(transport: Transport): Promise<void> {
    if (this.transport !== undefined) {
      throw new McpSseError("SERVER_STDIO_ALREADY_CONNECTED", "this stdio session is connected");
    }
    this.transport = transport;
    this.spawning = this.spawnChild();
    const child = await this.spawning;
    this.child = child;
    if (this.closing) {
      // close() came while the child was starting: it waits for this spawn and stops it.
      await this.stopChild();
      throw new McpSseError(
        "SERVER_SESSION_CLOSED",
        `stdio session "${this.display}" was closed while its child was starting`,
      );
    }

    child.stdout?.on("data", (chunk: Buffer) => this.onStdout(chunk));
    let stderrRest = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      const lines = (stderrRest + text).split("\n");
      stderrRest = lines.pop() ?? "";
      for (const line of lines) this.logStderr(line);
    });
    child.stdin?.on("error", (error) => {
      // EPIPE when the child died mid-write: its exit handler closes the session.
      this.logger.debug({ err: error }, "stdio: write to child failed");
    });

    // Chain the handlers a host set before connecting, as the SDK's Protocol.connect does.
    const { onmessage, onclose, onerror } = transport;
    transport.onmessage = (message, extra) => {
      onmessage?.(message, extra);
      this.toChild(message);
    };
    transport.onclose = () => {
      onclose?.();
      this.detached = true; // the session is gone: nothing the child says goes anywhere now
      void this.stopChild();
    };
    transport.onerror = (error) => {
      onerror?.(error);
      this.logger.warn({ err: error }, "stdio: transport error");
    };
    try {
      await transport.start();
    } catch (error) {
      await this.stopChild();
      throw error;
    }
  }

  async close(): Promise<void> {
    // Detach first: what the child says while it stops must not reach a closing session.
    this.detached = true;
    const transport = this.transport;
    await this.stopChild();
    await transport?.close();
  }

  private spawnChild(): Promise<ChildProcess> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.command, [...this.args], {
        cwd: this.options.cwd ?? process.cwd(),
        env: { ...process.env, ...this.options.env },
        stdio: ["pipe", "pipe", "pipe"],
        shell: false,
        windowsHide: true,
      });
      this.exited = new Promise((done) => child.once("close", () => done()));
      child.once("error", (error) => {
        reject(
          new McpSseError(
            "SERVER_STDIO_SPAWN_FAILED",
            `cannot start the stdio server "${this.display}": ${error.message}. Check the command and PATH.`,
            { cause: error, details: { command: this.command } },
          ),
        );
      });
      child.once("spawn", () => {
        this.logger.info({ pid: child.pid }, "stdio: child started");
        child.once("exit", (code, signal) => this.onChildExit(code, signal));
        resolve(child);
      });
    });
  }

  private toChild(message: JSONRPCMessage): void {
    const stdin = this.child?.stdin;
    if (stdin === undefined || stdin === null || !stdin.writable) return;
    if ("method" in message && "id" in message) this.pending.add(message.id);
    stdin.write(serializeMessage(message));
    const limit = this.options.maxStdinBytes ?? DEFAULT_STDIO_MAX_STDIN_BYTES;
    if (stdin.writableLength > limit) {
      this.fail(
        new McpSseError(
          "SERVER_STDIO_STALLED",
          `stdio server "${this.display}" is not reading its input (${stdin.writableLength} bytes queued, limit ${limit}); the session is closed.`,
          { details: { command: this.command, queuedBytes: stdin.writableLength } },
        ),
      );
      void this.stopChild();
    }
  }

  private onStdout(chunk: Buffer): void {
    try {
      this.readBuffer.append(chunk);
    } catch (error) {
      // Unbounded output without a newline: the child is broken; end its session.
      this.fail(
        new McpSseError(
          "SERVER_STDIO_OUTPUT_TOO_LARGE",
          `stdio server "${this.display}" wrote a message larger than ${this.options.maxMessageBytes ?? STDIO_DEFAULT_MAX_BUFFER_SIZE} bytes; the session is closed.`,
          { cause: error, details: { command: this.command } },
        ),
      );
      void this.stopChild();
      return;
    }
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a stray console.log): the stdio spec forbids it; skip it.
        this.logger.warn({ err: error }, "stdio: child wrote a line that is not JSON-RPC");
        continue;
      }
      if (message === null) return;
      if (this.detached) continue;
      if (("result" in message || "error" in message) && "id" in message) {
        this.pending.delete(message.id as string | number);
      }
      this.transport?.send(message).catch((error: unknown) => {
        this.logger.warn({ err: error }, "stdio: cannot forward a message to the client");
      });
    }
  }

  private logStderr(line: string): void {
    if (line === "") return;
    this.logger.info({ stderr: line.slice(0, DEFAULT_STDIO_STDERR_LINE_MAX) }, "stdio: stderr");
  }

  private onChildExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closing) return;
    const how = code === null ? `signal ${signal}` : `code ${code}`;
    this.fail(
      new McpSseError(
        "SERVER_STDIO_EXITED",
        `stdio server "${this.display}" exited with ${how}; the session is closed. See its stderr in the log.`,
        { details: { command: this.command, exitCode: code, signal } },
      ),
    );
  }

  /** The session cannot go on: report why, answer pending requests, close the transport. */
  private fail(error: McpSseError): void {
    if (this.exitError !== undefined) return;
    this.exitError = error;
    const transport = this.transport;
    if (transport === undefined) return;
    // Through the (chained) onerror: the host sees the typed error, and it is logged.
    transport.onerror?.(error);
    // Answer what the child never will, so clients fail fast instead of timing out.
    const answers = [...this.pending].map((id) =>
      transport.send({ jsonrpc: "2.0", id, error: { code: -32000, message: error.message } }),
    );
    this.pending.clear();
    void Promise.allSettled(answers).then(() => transport.close());
  }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the child is gone. */
  private async stopChild(): Promise<void> {
    if (this.closing) return this.stopping;
    this.closing = true;
    this.stopping = this.stopStarted();
    return this.stopping;
  }

  private async stopStarted(): Promise<void> {
    // Still spawning: wait for it, then stop it (a failed spawn left nothing to stop).
    const child = this.child ?? (await this.spawning?.catch(() => undefined));
    if (child === undefined) return;
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin?.end();
      child.kill("SIGTERM");
      const grace = this.options.killGraceMs ?? DEFAULT_STDIO_KILL_GRACE_MS;
      const killer = setTimeout(() => {
        this.logger.warn({ pid: child.pid }, "stdio: child ignored SIGTERM, sending SIGKILL");
        child.kill("SIGKILL");
      }, grace);
      await this.exited;
      clearTimeout(killer);
    }
    this.logger.info({ pid: child.pid }, "stdio: child stopped");
  }
}
