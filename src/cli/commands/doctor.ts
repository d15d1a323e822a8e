import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { DiagnoseTlsOptions } from "../../client/diagnose/index.js";
import {
  type Check,
  DEFAULT_DIAGNOSE_TIMEOUT_MS,
  DEFAULT_STREAM_WAIT_MS,
  diagnose,
} from "../../client/diagnose/index.js";
import { parseFlags, usageError } from "../flags.js";
import type { CliIO } from "../io.js";
import { parseHeaderFlags, secondsFlag } from "./client-common.js";

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
  --ca FILE               trust the CA certificate(s) in this PEM file (a private CA)
  --cert FILE --key FILE  client certificate and key (PEM) for mutual TLS
  --insecure              skip certificate verification (dangerous)
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
      ca: { type: "string" },
      cert: { type: "string" },
      key: { type: "string" },
      insecure: { type: "boolean" },
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
  const tls = await tlsFlags(values, io.cwd);
  const checks = await diagnose(url, {
    headers,
    ...(tls === undefined ? {} : { tls }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(streamWaitMs === undefined ? {} : { streamWaitMs }),
  });
  if (values.json) io.stdout(`${JSON.stringify(checks, null, 2)}\n`);
  else for (const check of checks) io.stdout(formatCheck(check));
  return checks.some((c) => c.status === "fail") ? 1 : 0;
}

/** `--ca/--cert/--key` files read as PEM text (relative to the working directory), `--insecure`. */
async function tlsFlags(
  values: { ca?: string; cert?: string; key?: string; insecure?: boolean },
  cwd: string,
): Promise<DiagnoseTlsOptions | undefined> {
  if ((values.cert === undefined) !== (values.key === undefined))
    throw usageError("--cert and --key go together", DOCTOR_USAGE);
  const tls: DiagnoseTlsOptions = {};
  for (const name of ["ca", "cert", "key"] as const) {
    const file = values[name];
    if (file === undefined) continue;
    try {
      tls[name] = await readFile(resolve(cwd, file), "utf8");
    } catch (error) {
      const why = (error as { code?: string }).code ?? (error as Error).message;
      throw usageError(`--${name} ${file}: cannot read the file (${why})`, DOCTOR_USAGE);
    }
  }
  if (values.insecure === true) tls.insecure = true;
  return Object.keys(tls).length === 0 ? undefined : tls;
}
