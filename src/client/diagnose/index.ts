/**
 * `diagnose(url)`: the checks behind `mcp-sse doctor`, as data. Runtime-agnostic at import
 * time: the checks (node:dns, node:net, node:tls, the undici pool) load on the first call.
 */
import type { Check, DiagnoseOptions } from "./types.js";

export {
  CERT_WARN_DAYS,
  type Check,
  type CheckStatus,
  DEFAULT_DIAGNOSE_TIMEOUT_MS,
  DEFAULT_STREAM_WAIT_MS,
  type DiagnoseOptions,
  type DiagnoseTlsOptions,
} from "./types.js";

/**
 * Check `url` the way a connection is made: DNS, TCP, TLS, HTTP status and content type, the
 * transport's first answer (Streamable HTTP initialize, or the legacy `endpoint` event, or a
 * plain event feed), MCP initialize, and whether something buffers the event stream. Stops
 * at the first failing network step. Never throws for a server problem: it is a `fail` check.
 */
export async function diagnose(url: string, options: DiagnoseOptions = {}): Promise<Check[]> {
  const { runDiagnose } = await import("./run.js");
  return runDiagnose(url, options);
}
