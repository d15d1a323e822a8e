/**
 * `createFetch`: undici pool per server with the server's TLS options and HTTP/2 (ALPN).
 * A self-signed certificate is made with openssl for each run (nothing secret is committed).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createSecureServer, type Http2SecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { closeFetch, createFetch, createFetchPool } from "../../../src/client/http.js";
import { isMcpSseError } from "../../../src/errors.js";
import { serverConfig } from "./helpers.js";

let dir: string;
let cert: string;
let server: Http2SecureServer;
let origin: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "mcp-sse-tls-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    { stdio: "ignore" },
  );
  cert = readFileSync(join(dir, "cert.pem"), "utf8");
  server = createSecureServer(
    { key: readFileSync(join(dir, "key.pem")), cert, allowHTTP1: true },
    (req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ httpVersion: req.httpVersion }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test("an unknown self-signed certificate is refused by default", async () => {
  const pool = createFetchPool(serverConfig({ url: origin }));
  try {
    await assert.rejects(pool.fetch(`${origin}/x`), (e: Error) => {
      // A TLS failure is CLIENT_TLS, naming the server and what to set (tls-errors.ts).
      assert.ok(isMcpSseError(e, "CLIENT_TLS"), String(e));
      assert.match(String(e.details["tlsCode"]), /SELF_SIGNED|UNABLE|CERT/);
      assert.match(e.message, /server "test".*tls\.ca/);
      return true;
    });
  } finally {
    await pool.close();
  }
});

test("tls.ca trusts the certificate, and HTTP/2 is negotiated (allowH2)", async () => {
  const pool = createFetchPool(serverConfig({ url: origin, tls: { ca: cert, insecure: false } }));
  try {
    const res = await pool.fetch(`${origin}/x`);
    assert.deepEqual(await res.json(), { httpVersion: "2.0" });
  } finally {
    await pool.close();
  }
});

test("tls.insecure skips verification", async () => {
  const pool = createFetchPool(serverConfig({ url: origin, tls: { insecure: true } }));
  try {
    const res = await pool.fetch(`${origin}/x`);
    assert.equal(res.status, 200);
  } finally {
    await pool.close();
  }
});

test("createFetch caches one pool per ServerConfig until closeFetch", async () => {
  const config = serverConfig({ url: origin, tls: { insecure: true } });
  const a = createFetch(config);
  assert.equal(createFetch(config), a, "same server, same fetch");
  assert.notEqual(createFetch(serverConfig({ url: origin })), a, "another server, another pool");
  assert.equal((await a(`${origin}/x`)).status, 200);
  await closeFetch(config);
  await assert.rejects(a(`${origin}/x`), "a closed pool refuses new requests");
  const b = createFetch(config);
  assert.notEqual(b, a, "a fresh pool after closeFetch");
  assert.equal((await b(`${origin}/x`)).status, 200);
  await closeFetch(config);
  await closeFetch(config);
});
