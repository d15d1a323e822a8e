import { CLIENT_UNKNOWN_SERVER, connectMcps } from "../../client/index.js";
import { DEFAULT_MAX_CALL_TIME_FACTOR, loadConfig } from "../../config/index.js";
import { McpSseError } from "../../errors.js";
import { parseFlags, usageError } from "../flags.js";
import type { CliIO } from "../io.js";
import { formatCallResult } from "./call-format.js";
import {
  CONFIG_FLAGS,
  cliLogger,
  DEFAULT_CONFIG_FILE,
  oneLine,
  secondsFlag,
} from "./client-common.js";

/**
 * `mcp-sse call <server> <tool> ['<json args>'] [-c mcps.yaml] [--json] [--timeout S]
 * [--max-call-time S]`:
 * connects only to the named server, calls the tool, prints the result. Exit 1 when the
 * call fails or the result has `isError`.
 */
export const CALL_USAGE = `usage: mcp-sse call <server> <tool> ['<json args>'] [options]

  -c, --config FILE  config file (default ./${DEFAULT_CONFIG_FILE})
  --json             print the full result as JSON
  --timeout SECONDS  give up on the call after this long without an answer or progress
                     (default: the server's timeout)
  --max-call-time SECONDS
                     give up after this long in total, whatever progress arrives
                     (default: the server's max_call_time, else ${DEFAULT_MAX_CALL_TIME_FACTOR} × the timeout)
`;

function parseArguments(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw usageError(
      `the tool arguments are not valid JSON: ${(error as Error).message}`,
      CALL_USAGE,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw usageError(
      'the tool arguments must be a JSON object, e.g. \'{"location":"Paris"}\'',
      CALL_USAGE,
    );
  return value as Record<string, unknown>;
}

export async function call(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { ...CONFIG_FLAGS, timeout: { type: "string" }, "max-call-time": { type: "string" } },
    CALL_USAGE,
  );
  if (values.help) {
    io.stdout(CALL_USAGE);
    return 0;
  }
  const [serverName, toolName, rawArgs, extra] = positionals;
  if (serverName === undefined || toolName === undefined)
    throw usageError("call needs <server> and <tool>", CALL_USAGE);
  if (extra !== undefined)
    throw usageError(`unexpected argument '${extra}' (quote the JSON arguments)`, CALL_USAGE);
  const args = parseArguments(rawArgs);
  const timeout = secondsFlag(values.timeout, "--timeout", CALL_USAGE, { positive: true });
  const maxCallTime = secondsFlag(values["max-call-time"], "--max-call-time", CALL_USAGE, {
    positive: true,
  });
  const logger = cliLogger(io);
  const config = await loadConfig(values.config ?? DEFAULT_CONFIG_FILE, {
    cwd: io.cwd,
    env: io.env,
    logger,
  });
  // Connect to the named server only: other servers being down must not slow this call,
  // and a name that is not in the config fails before anything is connected.
  const only = config.servers.filter((s) => s.name === serverName);
  if (only.length === 0)
    throw new McpSseError(
      CLIENT_UNKNOWN_SERVER,
      `No server named "${serverName}" in ${config.source}; configured: ${config.servers.map((s) => s.name).join(", ") || "none"}.`,
      { details: { server: serverName } },
    );
  const mcps = await connectMcps(
    { ...config, servers: only },
    {
      logger,
      signal: io.signal,
    },
  );
  try {
    const result = await mcps.call(serverName, toolName, args, {
      ...(timeout === undefined ? {} : { timeout }),
      ...(maxCallTime === undefined ? {} : { maxCallTime }),
      signal: io.signal,
    });
    io.stdout(values.json ? `${JSON.stringify(result, null, 2)}\n` : formatCallResult(result));
    if (result.isError === true) {
      io.stderr(`mcp-sse call: tool "${toolName}" on server "${serverName}" reported an error\n`);
      return 1;
    }
    return 0;
  } catch (error) {
    io.stderr(`mcp-sse call: ${oneLine(error)}\n`);
    return 1;
  } finally {
    await mcps.close();
  }
}
