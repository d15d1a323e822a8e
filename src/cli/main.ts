#!/usr/bin/env node
import { McpSseError } from "../errors.js";
import { VERSION } from "../version.js";
import { oneLine } from "./commands/client-common.js";
import type { CliIO, Command } from "./io.js";
import { escapeControls } from "./terminal.js";

/**
 * The thin CLI (STYLE.md #10): `run(argv, io)` dispatches to a command and returns an exit
 * code; only `main` touches `process`. Commands are imported lazily so `mcp-sse tools`
 * does not load the server.
 */
const COMMANDS: Record<
  string,
  { summary: string; load: () => Promise<Command>; protocolStdout?: true }
> = {
  serve: {
    summary: "serve an MCP server over SSE + Streamable HTTP (--demo | --stdio CMD)",
    load: async () => (await import("./commands/serve.js")).serve,
  },
  demo: {
    summary: "start the demo server, connect to it, list and call tools, show live events",
    load: async () => (await import("./commands/demo.js")).demo,
  },
  tools: {
    summary: "list the tools of every configured server",
    load: async () => (await import("./commands/tools.js")).tools,
  },
  call: {
    summary: "call a tool: call <server> <tool> ['<json args>']",
    load: async () => (await import("./commands/call.js")).call,
  },
  watch: {
    summary: "show live server events",
    load: async () => (await import("./commands/watch.js")).watch,
  },
  doctor: {
    summary: "diagnose the connection to a server URL",
    load: async () => (await import("./commands/doctor.js")).doctor,
  },
  proxy: {
    summary: "bridge a remote server to stdio",
    load: async () => (await import("./commands/proxy.js")).proxy,
    // Its stdout is the MCP stdio protocol for a program, not text for a terminal.
    protocolStdout: true,
  },
};

export function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `usage: mcp-sse <command> [options]\n\ncommands:\n${lines.join("\n")}\n\nRun 'mcp-sse <command> --help' for a command's options. --debug shows stack traces.\n`;
}

/** `io` whose output is safe for a terminal: see terminal.ts. */
function terminalIO(io: CliIO, { protocolStdout = false } = {}): CliIO {
  return {
    ...io,
    stdout: protocolStdout ? io.stdout : (text) => io.stdout(escapeControls(text)),
    stderr: (text) => io.stderr(escapeControls(text)),
  };
}

export async function run(argv: string[], rawIo: CliIO): Promise<number> {
  const debug = argv.includes("--debug") || Boolean(rawIo.env["DEBUG"]);
  const args = argv.filter((a) => a !== "--debug");
  const name = args[0];
  // Server-sent text reaches every printing path: escape control characters in all of them.
  const protocolStdout =
    name !== undefined && Object.hasOwn(COMMANDS, name) && COMMANDS[name]?.protocolStdout === true;
  const io = terminalIO(rawIo, { protocolStdout });
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    io.stdout(`mcp-sse ${VERSION}\n`);
    return 0;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    io.stderr(`mcp-sse: unknown command '${name}'. Run 'mcp-sse --help'.\n`);
    return 2;
  }
  try {
    const command = await entry.load();
    // `--debug` turns on debug logs in every command, the same way `DEBUG=1` does.
    const commandIo = debug && !io.env["DEBUG"] ? { ...io, env: { ...io.env, DEBUG: "1" } } : io;
    return await command(args.slice(1), commandIo);
  } catch (error) {
    const usage = error instanceof McpSseError && error.code === "CLI_USAGE";
    const hint =
      usage && !/--help/.test(error.message) ? `(run 'mcp-sse ${name} --help' for usage)` : "";
    io.stderr(`mcp-sse ${name}: ${oneLine(error, hint)}\n`);
    // --debug: everything the one line left out (every problem, the usage text, the stack).
    if (debug) io.stderr(debugText(error));
    return usage ? 2 : 1;
  }
}

function debugText(error: unknown): string {
  if (!(error instanceof Error)) return `${String(error)}\n`;
  const usage = error instanceof McpSseError ? error.details["usage"] : undefined;
  // V8's stack starts with the full message, every line of it.
  const full = error.stack ?? `${error.name}: ${error.message}`;
  return `${full}\n${typeof usage === "string" ? usage : ""}`;
}

async function main(): Promise<void> {
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const code = await run(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    signal: controller.signal,
    cwd: process.cwd(),
  });
  process.exitCode = code;
  process.off("SIGINT", stop);
  process.off("SIGTERM", stop);
}

// Run only when executed directly (bin or `node src/cli/main.ts`), not when imported by tests.
const invoked = process.argv[1] ?? "";
if (/(?:^|[\\/])(?:main\.[jt]s|mcp-sse)$/.test(invoked)) void main();
