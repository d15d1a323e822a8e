import {
  type Check,
  DEFAULT_DIAGNOSE_TIMEOUT_MS,
  DEFAULT_STREAM_WAIT_MS,
  diagnose,
} from "../../client/diagnose/index.js";
import type { CliIO } from "../io.js";
import { parseFlags, parseHeaderFlags, secondsFlag, usageError } from "./client-common.js";

/**
 * `mcp-sse doctor <url> [--header 'K: V'] [--header-env NAME]`: one line per check
 * (ok / warn / fail / skip, and what to fix); exit 1 if any check fails. The checks are the
 * library's `diagnose()`; this command parses flags and prints.
 */
export const DOCTOR_USAGE = `usage: mcp-sse doctor <url> [options]

  --header 'Name: value'  send this header (repeatable)
  --header-env NAME       send the header line held by environment variable NAME (keeps secrets out of ps)
  --timeout SECONDS       limit of each network step (default ${DEFAULT_DIAGNOSE_TIMEOUT_MS / 1000})
  --stream-wait SECONDS   wait this long for the first bytes of an event stream (default ${DEFAULT_STREAM_WAIT_MS / 1000})
  --json                  print the checks as a JSON array
`;

export function formatCheck(check: Check): string {
  const fix = check.fix !== undefined && check.status !== "ok" ? ` — fix: ${check.fix}` : "";
  return `${check.status.padEnd(4)} ${check.name.padEnd(14)} ${check.detail}${fix}\n`;
}

export async function doctor(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      header: { type: "string", multiple: true },
      "header-env": { type: "string", multiple: true },
      timeout: { type: "string" },
      "stream-wait": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    DOCTOR_USAGE,
  );
  if (values.help) {
    io.stdout(DOCTOR_USAGE);
    return 0;
  }
  const [url, extra] = positionals;
  if (url === undefined) throw usageError("doctor needs a <url>", DOCTOR_USAGE);
  if (extra !== undefined) throw usageError(`unexpected argument '${extra}'`, DOCTOR_USAGE);
  const headers = parseHeaderFlags(values.header, values["header-env"], io.env, DOCTOR_USAGE);
  const timeoutMs = secondsFlag(values.timeout, "--timeout", DOCTOR_USAGE, { positive: true });
  const streamWaitMs = secondsFlag(values["stream-wait"], "--stream-wait", DOCTOR_USAGE);
  const checks = await diagnose(url, {
    headers,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(streamWaitMs === undefined ? {} : { streamWaitMs }),
  });
  if (values.json) io.stdout(`${JSON.stringify(checks, null, 2)}\n`);
  else for (const check of checks) io.stdout(formatCheck(check));
  return checks.some((c) => c.status === "fail") ? 1 : 0;
}
