/**
 * The checks of `diagnose()`, in the order a connection is made (Node only: loaded lazily by
 * `./index.ts`). The HTTP probes go through the client's own pool (`createFetchPool`: the TLS
 * options, HTTP/2) and follow no redirect.
 */
import type { ServerConfig } from "../../config/types.js";
import { createFetchPool } from "../http.js";
import { checkLegacy } from "./legacy.js";
import { checkDns, checkTcp, checkTls } from "./net.js";
import { checkStreamable, type HttpCheckOptions } from "./streamable.js";
import {
  type Check,
  DEFAULT_DIAGNOSE_TIMEOUT_MS,
  DEFAULT_STREAM_WAIT_MS,
  type DiagnoseOptions,
} from "./types.js";

export async function runDiagnose(href: string, options: DiagnoseOptions): Promise<Check[]> {
  const url = httpUrl(href);
  if (url === undefined)
    return [
      {
        name: "url",
        status: "fail",
        detail: "not an http:// or https:// URL",
        fix: "pass the server's full URL, e.g. https://host/mcp",
      },
    ];
  const timeoutMs = options.timeoutMs ?? DEFAULT_DIAGNOSE_TIMEOUT_MS;
  const checks = await networkChecks(url, timeoutMs, options);
  if (checks.some((c) => c.status === "fail")) return checks;
  const server = probeServer(url, timeoutMs, options);
  const pool = createFetchPool(server, { connectTimeoutMs: timeoutMs });
  const full: HttpCheckOptions = {
    url: url.href,
    headers: options.headers ?? {},
    timeoutMs,
    streamWaitMs: options.streamWaitMs ?? DEFAULT_STREAM_WAIT_MS,
    fetch: withoutRedirects(pool.fetch),
  };
  try {
    if ((await checkStreamable(full, checks)) === "try-legacy") await checkLegacy(full, checks);
  } finally {
    // Every probe has ended or been aborted: nothing in flight deserves a grace.
    await pool.close(0);
  }
  return checks;
}

function httpUrl(href: string): URL | undefined {
  try {
    const url = new URL(href);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** DNS, TCP and (https) TLS, stopping at the first failure. */
async function networkChecks(
  url: URL,
  timeoutMs: number,
  options: DiagnoseOptions,
): Promise<Check[]> {
  const checks: Check[] = [];
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const dns = await checkDns(url.hostname, timeoutMs);
  checks.push(dns.check);
  if (dns.address === undefined) return checks;
  const tcp = await checkTcp(dns.address, port, timeoutMs);
  checks.push(tcp);
  if (tcp.status === "fail") return checks;
  if (url.protocol === "https:") {
    const host = url.hostname.replace(/^\[|\]$/g, "");
    checks.push(await checkTls({ host, address: dns.address, port, timeoutMs, tls: options.tls }));
  } else checks.push({ name: "tls", status: "skip", detail: "plain http (no TLS)" });
  return checks;
}

/** The one-server config the client's pool is built from (only url, timeout and tls matter). */
function probeServer(url: URL, timeoutMs: number, options: DiagnoseOptions): ServerConfig {
  const tls = options.tls;
  return {
    name: "diagnose",
    transport: "auto",
    url: url.href,
    args: [],
    env: {},
    headers: {},
    timeoutMs,
    reconnectIntervalMs: 0,
    maxReconnects: 0,
    pingIntervalMs: 0,
    enabled: true,
    tools: {},
    ...(tls === undefined ? {} : { tls: { ...tls, insecure: tls.insecure === true } }),
    secretHeaders: [],
    kind: "auto",
    rateLimitBackoffMs: 0,
    slowHandlerMs: 0,
  };
}

/**
 * Every probe sees a 3xx as it is instead of following it: a redirect to another origin
 * would carry the headers there (the client's transports follow none either).
 */
function withoutRedirects(fetch: typeof globalThis.fetch): typeof globalThis.fetch {
  return (input, init) => fetch(input, { ...init, redirect: "manual" });
}
