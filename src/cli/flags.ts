/**
 * Flag parsing for every command: `node:util` parseArgs, strict, its mistakes turned into one
 * `CLI_USAGE` error. `main` prints the one-line message with a hint to `--help`; the command's
 * usage text rides in `details.usage` (shown with `--debug`), never glued onto the message.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { McpSseError } from "../errors.js";

export function usageError(message: string, usage: string): McpSseError {
  return new McpSseError("CLI_USAGE", message, { details: { usage } });
}

/**
 * Parse `argv` against `options`. With `positionals: false` an argument that is not a flag is
 * a usage error too (the typed result still carries an empty `positionals`).
 */
export function parseFlags<T extends ParseArgsConfig["options"]>(
  argv: string[],
  options: T,
  usage: string,
  { positionals = true }: { positionals?: boolean } = {},
): ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; strict: true }>
> {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    const [extra] = parsed.positionals;
    if (!positionals && extra !== undefined) {
      throw new Error(`Unexpected argument '${extra}': this command takes no positional arguments`);
    }
    return parsed;
  } catch (error) {
    // parseArgs explains some mistakes on a second line; the one-line reason is the first.
    const first = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    throw usageError(first ?? "bad arguments", usage);
  }
}
