/** What a command may touch: output streams, environment, cancellation. Tests pass their own. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Aborted on SIGINT/SIGTERM (by `main`) or by a test. */
  signal: AbortSignal;
  /** Current working directory, for resolving `-c mcps.yaml`. */
  cwd: string;
}

/** A command parses its own argv (after the command name) and returns an exit code. */
export type Command = (argv: string[], io: CliIO) => Promise<number>;
