import { parseFlags, usageError } from "../flags.js";
import type { CliIO } from "../io.js";
import {
  CONFIG_FLAGS,
  connectConfigured,
  DEFAULT_CONFIG_FILE,
  formatTable,
  oneLine,
  truncate,
} from "./client-common.js";

/**
 * `mcp-sse tools [-c mcps.yaml] [--json]`: every tool of every configured server. A server
 * that cannot be reached is reported on stderr (one line each) and makes the exit code 1,
 * while the others are still listed.
 */
export const TOOLS_USAGE = `usage: mcp-sse tools [-c mcps.yaml] [--json]

  -c, --config FILE  config file (default ./${DEFAULT_CONFIG_FILE})
  --json             a JSON array of { server, name, description, inputSchema }
`;

/** Longest description shown in the table. */
export const TOOLS_DESCRIPTION_WIDTH = 60;

export async function tools(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(argv, CONFIG_FLAGS, TOOLS_USAGE);
  if (values.help) {
    io.stdout(TOOLS_USAGE);
    return 0;
  }
  if (positionals.length > 0)
    throw usageError(`unexpected argument '${positionals[0]}'`, TOOLS_USAGE);
  const mcps = await connectConfigured(values.config, io);
  try {
    const unreachable = mcps.servers().filter((s) => s.state !== "ready" && s.state !== "disabled");
    for (const server of unreachable)
      io.stderr(
        `mcp-sse tools: server "${server.name}" is unreachable: ${server.error ? `${oneLine(server.error.message)} [${server.error.code}]` : server.state}\n`,
      );
    const list = mcps.tools();
    if (values.json) {
      const out = list.map((t) => ({
        server: t.server,
        name: t.name,
        description: t.description ?? "",
        inputSchema: t.inputSchema,
      }));
      io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    } else if (list.length === 0) {
      io.stdout("No tools.\n");
    } else {
      io.stdout(
        formatTable(
          ["SERVER", "TOOL", "DESCRIPTION"],
          list.map((t) => [
            t.server,
            t.name,
            truncate(t.description ?? "", TOOLS_DESCRIPTION_WIDTH),
          ]),
        ),
      );
    }
    return unreachable.length > 0 ? 1 : 0;
  } catch (error) {
    io.stderr(`mcp-sse tools: ${oneLine(error)}\n`);
    return 1;
  } finally {
    await mcps.close();
  }
}
