/**
 * Throwaway certificates for the mutual-TLS tests, made with the system `openssl` in a temp
 * directory (no committed keys): a CA, a server certificate for 127.0.0.1/localhost, a client
 * certificate, and a second, unrelated CA. Returns undefined when `openssl` is missing.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
import { createDemoServer } from "../../src/server/demo.js";
import { createMcpHttpHandler, type ServerLike, toNodeListener } from "../../src/server/index.js";

export const OPENSSL = "/usr/bin/openssl";

export interface TestCerts {
  dir: string;
  /** File paths (for a config's `tls:`) and their PEM text (for the HTTPS server). */
  files: {
    ca: string;
    otherCa: string;
    serverCert: string;
    serverKey: string;
    clientCert: string;
    clientKey: string;
  };
  pem: { ca: string; serverCert: string; serverKey: string };
  remove(): Promise<void>;
}

const KEY_ARGS = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

function run(dir: string, args: string[]): void {
  execFileSync(OPENSSL, args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"], timeout: 20_000 });
}

function makeCa(dir: string, name: string): void {
  run(dir, [
    "req",
    "-x509",
    ...KEY_ARGS,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "2",
    "-subj",
    `/CN=mcp-sse test ${name}`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

async function makeLeaf(dir: string, name: string, ca: string, ext: string, serial: string) {
  run(dir, [
    "req",
    ...KEY_ARGS,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${name}`,
  ]);
  await writeFile(join(dir, `${name}.ext`), ext);
  run(dir, [
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.pem`,
    "-CAkey",
    `${ca}.key`,
    "-set_serial",
    serial,
    "-days",
    "2",
    "-out",
    `${name}.pem`,
    "-extfile",
    `${name}.ext`,
  ]);
}

export async function makeTestCerts(): Promise<TestCerts | undefined> {
  if (!existsSync(OPENSSL)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), "mcp-sse-tls-"));
  makeCa(dir, "ca");
  makeCa(dir, "other-ca");
  await makeLeaf(
    dir,
    "server",
    "ca",
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
    "0x1001",
  );
  await makeLeaf(dir, "client", "ca", "extendedKeyUsage=clientAuth\n", "0x1002");
  const at = (f: string) => join(dir, f);
  return {
    dir,
    files: {
      ca: at("ca.pem"),
      otherCa: at("other-ca.pem"),
      serverCert: at("server.pem"),
      serverKey: at("server.key"),
      clientCert: at("client.pem"),
      clientKey: at("client.key"),
    },
    pem: {
      ca: await readFile(at("ca.pem"), "utf8"),
      serverCert: await readFile(at("server.pem"), "utf8"),
      serverKey: await readFile(at("server.key"), "utf8"),
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Our MCP host behind `node:https` on 127.0.0.1:0, with the test certificates. */
export interface HttpsHost {
  /** `https://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

export async function startHttpsHost(
  certs: TestCerts,
  createServer: () => ServerLike,
  options: { requireClientCert?: boolean } = {},
): Promise<HttpsHost> {
  const handler = createMcpHttpHandler({ createServer });
  const https = createHttpsServer(
    {
      key: certs.pem.serverKey,
      cert: certs.pem.serverCert,
      ...(options.requireClientCert
        ? { ca: certs.pem.ca, requestCert: true, rejectUnauthorized: true }
        : {}),
    },
    toNodeListener(handler),
  );
  await new Promise<void>((resolve) => https.listen(0, "127.0.0.1", resolve));
  return {
    origin: `https://127.0.0.1:${(https.address() as AddressInfo).port}`,
    async close() {
      https.closeAllConnections();
      await new Promise<void>((resolve) => https.close(() => resolve()));
      await handler.close();
    },
  };
}

/** The certificates, or: fail in CI (openssl is installed there), skip with the reason elsewhere. */
export function needCerts(
  certs: TestCerts | undefined,
  t: { skip(message: string): void },
): TestCerts | undefined {
  if (certs !== undefined) return certs;
  const reason = `${OPENSSL} is missing: cannot make test certificates (apt-get install openssl)`;
  if (process.env["CI"]) assert.fail(reason);
  t.skip(reason);
  return undefined;
}

/** A suite's demo server over HTTPS with throwaway certificates: `url` is its `/mcp`. */
export interface DemoHttpsSuite {
  readonly url: string;
  /** The certificates, or skip (fail in CI) when openssl is missing. */
  need(t: { skip(message: string): void }): TestCerts | undefined;
}

/** Registers `before`/`after` in the calling `describe`: certificates, then the demo host. */
export function useDemoHttpsHost(): DemoHttpsSuite {
  let certs: TestCerts | undefined;
  let host: HttpsHost | undefined;
  let url = "";
  before(async () => {
    certs = await makeTestCerts();
    if (certs === undefined) return;
    host = await startHttpsHost(certs, () => createDemoServer({ intervalMs: 50 }));
    url = `${host.origin}/mcp`;
  });
  after(async () => {
    await host?.close();
    await certs?.remove();
  });
  return {
    get url() {
      return url;
    },
    need: (t) => needCerts(certs, t),
  };
}
