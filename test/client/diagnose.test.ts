/**
 * `diagnose(url, options)` as a library call (the root `mcp-sse` export), against real
 * servers on 127.0.0.1: our `serve()` with the demo server (Streamable HTTP and legacy SSE),
 * a plain node:http server, and an HTTPS host with a private CA (the `tls` option reaches
 * both the TLS probe and the client's HTTP pool).
 */
import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/client";
import { type Check, diagnose } from "../../src/index.js";
import { createDemoServer } from "../../src/server/demo.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { useDemoHttpsHost } from "./tls-certs.js";

function byName(checks: Check[]): Record<string, Check> {
  return Object.fromEntries(checks.map((c) => [c.name, c]));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("diagnose()", () => {
  let host: ServeHandle;
  before(async () => {
    host = await serve({ createServer: () => createDemoServer({ intervalMs: 50 }), port: 0 });
  });
  after(async () => {
    await host?.close();
  });

  it("a healthy Streamable HTTP server: every check ok, initialized with the SDK's latest version", async () => {
    const checks = await diagnose(`${host.url}/mcp`, { streamWaitMs: 5_000 });
    assert.deepEqual(
      checks.map((c) => c.name),
      ["dns", "tcp", "tls", "http", "content-type", "transport", "mcp-initialize", "buffering"],
    );
    const c = byName(checks);
    assert.equal(c["tls"]?.status, "skip");
    for (const name of ["dns", "tcp", "http", "transport", "mcp-initialize", "buffering"])
      assert.equal(c[name]?.status, "ok", JSON.stringify(c[name]));
    assert.match(
      c["mcp-initialize"]?.detail ?? "",
      new RegExp(`protocol ${LATEST_PROTOCOL_VERSION}`),
    );
  });

  it("a legacy SSE server: endpoint event, then initialize answered on the stream", async () => {
    const c = byName(await diagnose(`${host.url}/sse`));
    assert.match(c["transport"]?.detail ?? "", /^legacy SSE, endpoint /);
    assert.equal(c["mcp-initialize"]?.status, "ok", JSON.stringify(c["mcp-initialize"]));
  });

  it("not a URL: one fail check, no network", async () => {
    const checks = await diagnose("ftp://example.invalid/x");
    assert.deepEqual(
      checks.map((c) => [c.name, c.status]),
      [["url", "fail"]],
    );
  });

  it("a 3xx is a failed check; the headers never reach the redirect's origin", async () => {
    const seen: string[] = [];
    const other = createHttpServer((req, res) => {
      seen.push(req.headers.authorization ?? "(none)");
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    const target = await listen(other);
    const redirecting = createHttpServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: `http://${target}/mcp` }).end();
    });
    const origin = await listen(redirecting);
    try {
      const c = byName(
        await diagnose(`http://${origin}/mcp`, { headers: { authorization: "Bearer s3cret" } }),
      );
      assert.equal(c["http"]?.status, "fail");
      assert.match(c["http"]?.fix ?? "", /redirects/);
      assert.deepEqual(seen, []);
    } finally {
      redirecting.close();
      other.close();
    }
  });
});

describe("diagnose() over HTTPS with a private CA", () => {
  const suite = useDemoHttpsHost();
  const need = suite.need;

  it("without the CA: the TLS check fails and names tls.ca", async (t) => {
    if (need(t) === undefined) return;
    const c = byName(await diagnose(suite.url));
    assert.equal(c["tls"]?.status, "fail");
    assert.match(c["tls"]?.fix ?? "", /tls\.ca/);
    assert.equal(c["http"], undefined);
  });

  it("with tls.ca: the handshake and every HTTP check pass through the client's pool", async (t) => {
    const c = need(t);
    if (c === undefined) return;
    const checks = byName(await diagnose(suite.url, { tls: { ca: c.pem.ca } }));
    // The handshake succeeds; the test certificates live 2 days, under CERT_WARN_DAYS.
    assert.equal(checks["tls"]?.status, "warn", JSON.stringify(checks["tls"]));
    assert.match(checks["tls"]?.detail ?? "", /certificate for server valid [0-2] more days/);
    assert.equal(checks["http"]?.status, "ok", JSON.stringify(checks["http"]));
    assert.equal(checks["mcp-initialize"]?.status, "ok", JSON.stringify(checks["mcp-initialize"]));
  });
});
