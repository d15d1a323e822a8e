/**
 * The checks of `mcp-sse doctor <url>`, in the order a connection is made: DNS, TCP, TLS,
 * HTTP status and content type, the transport's first answer (Streamable HTTP initialize, or
 * the legacy `endpoint` event), MCP initialize, and whether something between client and
 * server buffers the event stream. Each check says what to fix when it is not ok.
 */
import { checkLegacy } from "./doctor-legacy.js";
import { checkStreamable } from "./doctor-mcp.js";
import { type Check, checkDns, checkTcp, checkTls } from "./doctor-net.js";

export type { Check, CheckStatus } from "./doctor-net.js";

/** Each network step's time limit, ms. */
export const DEFAULT_DOCTOR_TIMEOUT_MS = 10_000;
/** How long to wait for the first bytes of an event stream before suspecting buffering, ms. */
export const DEFAULT_STREAM_WAIT_MS = 3_000;

export interface DoctorOptions {
  url: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  streamWaitMs?: number;
  fetch?: typeof globalThis.fetch;
}

export async function runDoctor(options: DoctorOptions): Promise<Check[]> {
  const checks: Check[] = [];
  let url: URL;
  try {
    url = new URL(options.url);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
  } catch {
    return [
      {
        name: "url",
        status: "fail",
        detail: "not an http:// or https:// URL",
        fix: "pass the server's full URL, e.g. https://host/mcp",
      },
    ];
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_DOCTOR_TIMEOUT_MS;
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const dns = await checkDns(url.hostname, timeoutMs);
  checks.push(dns.check);
  if (dns.address === undefined) return checks;
  const tcp = await checkTcp(dns.address, port, timeoutMs);
  checks.push(tcp);
  if (tcp.status === "fail") return checks;
  if (url.protocol === "https:") {
    const tls = await checkTls(url.hostname.replace(/^\[|\]$/g, ""), dns.address, port, timeoutMs);
    checks.push(tls);
    if (tls.status === "fail") return checks;
  } else checks.push({ name: "tls", status: "skip", detail: "plain http (no TLS)" });
  const full = {
    url: url.href,
    headers: options.headers ?? {},
    timeoutMs,
    streamWaitMs: options.streamWaitMs ?? DEFAULT_STREAM_WAIT_MS,
    fetch: withoutRedirects(options.fetch ?? globalThis.fetch),
  };
  if ((await checkStreamable(full, checks)) === "try-legacy") await checkLegacy(full, checks);
  return checks;
}

/**
 * Every probe sees a 3xx as it is instead of following it: a redirect to another origin
 * would carry the --header values there (the client's transports follow none either).
 */
function withoutRedirects(fetch: typeof globalThis.fetch): typeof globalThis.fetch {
  return (input, init) => fetch(input, { ...init, redirect: "manual" });
}
