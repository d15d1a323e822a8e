/** The network checks of `diagnose()`: DNS, TCP, TLS (node:dns, node:net, node:tls). */
import { lookup } from "node:dns/promises";
import { isIP, connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { CERT_WARN_DAYS, type Check, type DiagnoseTlsOptions } from "./types.js";

export function message(error: unknown): string {
  const e = error as { message?: string; cause?: { code?: string; message?: string } };
  const cause = e.cause?.code ?? e.cause?.message;
  return `${e.message ?? String(error)}${cause ? ` (${cause})` : ""}`;
}

export async function checkDns(
  host: string,
  timeoutMs: number,
): Promise<{ check: Check; address?: string }> {
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare))
    return {
      check: { name: "dns", status: "ok", detail: `${bare} (an IP address)` },
      address: bare,
    };
  try {
    const result = await Promise.race([
      lookup(bare),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("timed out")), timeoutMs).unref(),
      ),
    ]);
    return {
      check: { name: "dns", status: "ok", detail: `${bare} → ${result.address}` },
      address: result.address,
    };
  } catch (error) {
    return {
      check: {
        name: "dns",
        status: "fail",
        detail: `${bare} does not resolve: ${message(error)}`,
        fix: "check the host name in the URL, and your DNS or /etc/hosts",
      },
    };
  }
}

export function checkTcp(address: string, port: number, timeoutMs: number): Promise<Check> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = netConnect({ host: address, port });
    const done = (check: Check) => {
      socket.destroy();
      resolve(check);
    };
    socket.setTimeout(timeoutMs, () =>
      done({
        name: "tcp",
        status: "fail",
        detail: `no answer from ${address}:${port} in ${timeoutMs} ms`,
        fix: "a firewall may drop the connection; check the port",
      }),
    );
    socket.once("connect", () =>
      done({
        name: "tcp",
        status: "ok",
        detail: `connected to ${address}:${port} in ${Date.now() - started} ms`,
      }),
    );
    socket.once("error", (error) =>
      done({
        name: "tcp",
        status: "fail",
        detail: `cannot connect to ${address}:${port}: ${message(error)}`,
        fix: "is the server running and listening on this port?",
      }),
    );
  });
}

export interface TlsProbe {
  host: string;
  address: string;
  port: number;
  timeoutMs: number;
  tls?: DiagnoseTlsOptions | undefined;
}

/** A TLS handshake with the same CA, client certificate and verification as the HTTP pool. */
export function checkTls({ host, address, port, timeoutMs, tls }: TlsProbe): Promise<Check> {
  return new Promise((resolve) => {
    const servername = isIP(host) ? undefined : host;
    const socket = tlsConnect({
      host: address,
      port,
      ...(servername ? { servername } : {}),
      ALPNProtocols: ["h2", "http/1.1"],
      ...(tls?.ca !== undefined ? { ca: tls.ca } : {}),
      ...(tls?.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls?.key !== undefined ? { key: tls.key } : {}),
      ...(tls?.insecure === true ? { rejectUnauthorized: false } : {}),
    });
    const done = (check: Check) => {
      socket.destroy();
      resolve(check);
    };
    socket.setTimeout(timeoutMs, () =>
      done({
        name: "tls",
        status: "fail",
        detail: "TLS handshake timed out",
        fix: "is this port speaking TLS? try http://",
      }),
    );
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      const days = cert.valid_to
        ? Math.floor((Date.parse(cert.valid_to) - Date.now()) / 86_400_000)
        : undefined;
      const detail = `${socket.getProtocol() ?? "TLS"}, ALPN ${socket.alpnProtocol || "none"}, certificate for ${cert.subject?.CN ?? "?"} valid ${days ?? "?"} more days`;
      if (days !== undefined && days < CERT_WARN_DAYS)
        done({ name: "tls", status: "warn", detail, fix: "renew the server certificate soon" });
      else done({ name: "tls", status: "ok", detail });
    });
    socket.once("error", (error) =>
      done({
        name: "tls",
        status: "fail",
        detail: `TLS failed: ${message(error)}`,
        fix: "for a private CA set tls.ca in the config; check the certificate's host name",
      }),
    );
  });
}
