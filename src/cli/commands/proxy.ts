import { bridgeStdio } from "../../client/bridge/bridge.js";
import { parseFlags, usageError } from "../flags.js";
import type { CliIO } from "../io.js";
import { cliLogger, parseHeaderFlags } from "./client-common.js";

/**
 * `mcp-sse proxy <url> [--header 'K: V'] [--header-env NAME] [--transport auto|sse|streamable-http]`:
 * bridge a remote server to stdin/stdout (newline-delimited JSON-RPC) for hosts that only
 * speak stdio. Logs (with DEBUG set) go to stderr; stdout carries only JSON-RPC. The bridge is
 * the library's `bridgeStdio()`; this command parses flags, calls it and sets the exit code.
 */
export const PROXY_USAGE = `usage: mcp-sse proxy <url> [options]

  --header 'Name: value'   send this header on every request (repeatable)
  --header-env NAME        send the header line held by environment variable NAME
  --transport KIND         auto (default), sse or streamable-http
`;

const KINDS = ["auto", "sse", "streamable-http"] as const;

export async function proxy(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      header: { type: "string", multiple: true },
      "header-env": { type: "string", multiple: true },
      transport: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    PROXY_USAGE,
  );
  if (values.help) {
    io.stdout(PROXY_USAGE);
    return 0;
  }
  const [url, extra] = positionals;
  if (url === undefined) throw usageError("proxy needs a <url>", PROXY_USAGE);
  if (extra !== undefined) throw usageError(`unexpected argument '${extra}'`, PROXY_USAGE);
  const transport = values.transport ?? "auto";
  if (!(KINDS as readonly string[]).includes(transport))
    throw usageError(`--transport must be one of ${KINDS.join(", ")}`, PROXY_USAGE);
  const headers = parseHeaderFlags(values.header, values["header-env"], io.env, PROXY_USAGE);
  // The one place the client commands touch process: stdin is the host's message stream.
  const input = process.stdin;
  try {
    const end = await bridgeStdio({
      url,
      headers,
      transport: transport as (typeof KINDS)[number],
      input,
      output: io.stdout,
      logger: cliLogger(io),
      signal: io.signal,
    });
    if (end !== "remote") return 0;
    io.stderr("mcp-sse proxy: the remote server closed the connection\n");
    return 1;
  } finally {
    input.destroy();
  }
}
