/** What `diagnose()` takes and returns (no Node import: the root entry re-exports these). */

export type CheckStatus = "ok" | "warn" | "fail" | "skip";

/** One step of the diagnosis: `dns`, `tcp`, `tls`, `http`, `content-type`, `transport`, … */
export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it (warn/fail). */
  fix?: string;
}

/** Each network step's time limit, ms. */
export const DEFAULT_DIAGNOSE_TIMEOUT_MS = 10_000;
/** How long to wait for the first bytes of an event stream before suspecting buffering, ms. */
export const DEFAULT_STREAM_WAIT_MS = 3_000;
/** Days before certificate expiry that earn a warning. */
export const CERT_WARN_DAYS = 14;

/** TLS settings of the probes and of the HTTP pool (PEM text, like a loaded config's `tls`). */
export interface DiagnoseTlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  /** Skip certificate verification. */
  insecure?: boolean;
}

export interface DiagnoseOptions {
  /** Sent on every HTTP request to the server's origin (never to another: no redirect is followed). */
  headers?: Record<string, string>;
  /** Each network step's limit, ms (default `DEFAULT_DIAGNOSE_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** Wait this long for an event stream's first bytes, ms (default `DEFAULT_STREAM_WAIT_MS`). */
  streamWaitMs?: number;
  tls?: DiagnoseTlsOptions;
}
