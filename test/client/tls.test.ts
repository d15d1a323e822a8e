/**
 * Mutual TLS with a real handshake: our MCP host (`createMcpHttpHandler` + `toNodeListener`)
 * behind `node:https` on 127.0.0.1, requiring client certificates signed by a CA made in the
 * test. Both HTTP transports connect through `connectMcps` with `tls.ca/cert/key` and call a
 * tool; without the client certificate, with the wrong CA, or with no CA they fail with a
 * typed code naming the server and the TLS problem; `insecure: true` connects and warns.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { connectMcps, type McpsManager } from "../../src/client/manager.js";
import type { Logger } from "../../src/logger.js";
import {
  type HttpsHost,
  makeTestCerts,
  needCerts,
  startHttpsHost,
  type TestCerts,
} from "./tls-certs.js";

function echoServer(): McpServer {
  const server = new McpServer({ name: "mtls", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "echo", inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: "text", text: `mtls:${text}` }] }),
  );
  return server;
}

function recordingLogger() {
  const warnings: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (obj: object | string, msg?: string) =>
      void warnings.push(typeof obj === "string" ? obj : (msg ?? "")),
    error: () => {},
  };
  return { logger, warnings };
}

const TRANSPORTS = [
  { transport: "sse", path: "/sse" },
  { transport: "http", path: "/mcp" },
] as const;

let certs: TestCerts | undefined;
let host: HttpsHost | undefined;
let origin = "";
const managers: McpsManager[] = [];

before(async () => {
  certs = await makeTestCerts();
  if (certs === undefined) return;
  host = await startHttpsHost(certs, echoServer, { requireClientCert: true });
  origin = host.origin;
});

after(async () => {
  for (const m of managers) await m.close();
  await host?.close();
  await certs?.remove();
});

const need = (t: { skip(message: string): void }) => needCerts(certs, t);

async function connect(
  name: string,
  transport: "sse" | "http",
  path: string,
  tls: Record<string, unknown>,
  logger?: Logger,
): Promise<McpsManager> {
  const manager = await connectMcps(
    {
      mcps: [{ name, transport, url: `${origin}${path}`, tls, timeout: 10, max_reconnects: 0 }],
    },
    logger === undefined ? {} : { logger },
  );
  managers.push(manager);
  return manager;
}

function failure(manager: McpsManager): { code: string; message: string } {
  const status = manager.servers()[0]!;
  assert.equal(status.state, "failed");
  assert.ok(status.error, "a failed server carries its error");
  return status.error;
}

describe("mutual TLS (real handshake, CA made in the test)", () => {
  for (const { transport, path } of TRANSPORTS) {
    it(`transport ${transport}: connects with tls.ca/cert/key and calls a tool`, async (t) => {
      const c = need(t);
      if (c === undefined) return;
      const tls = { ca: c.files.ca, cert: c.files.clientCert, key: c.files.clientKey };
      const manager = await connect(`ok-${transport}`, transport, path, tls);
      assert.equal(manager.servers()[0]!.state, "ready");
      const result = await manager.call(`ok-${transport}`, "echo", { text: "hi" });
      assert.deepEqual(result.content, [{ type: "text", text: "mtls:hi" }]);
    });

    it(`transport ${transport}: without the client certificate it fails, naming the server and TLS`, async (t) => {
      const c = need(t);
      if (c === undefined) return;
      const manager = await connect(`nocert-${transport}`, transport, path, { ca: c.files.ca });
      const error = failure(manager);
      // Over TLS 1.3 the server checks the certificate after the handshake and just closes:
      // to the client that is a network error (a keep-alive race looks the same), so the
      // code stays the transport's network code and the message carries the TLS hint.
      assert.equal(error.code, transport === "sse" ? "SSE_NETWORK" : "CLIENT_NETWORK");
      assert.match(
        error.message,
        new RegExp(`server "nocert-${transport}" closed the TLS connection`),
      );
      assert.match(
        error.message,
        /requires a client certificate \(mutual TLS\), set tls\.cert and tls\.key/,
      );
    });

    it(`transport ${transport}: with the wrong CA it fails, naming the server and TLS`, async (t) => {
      const c = need(t);
      if (c === undefined) return;
      const tls = { ca: c.files.otherCa, cert: c.files.clientCert, key: c.files.clientKey };
      const manager = await connect(`wrongca-${transport}`, transport, path, tls);
      const error = failure(manager);
      assert.equal(error.code, "CLIENT_TLS");
      assert.match(error.message, new RegExp(`server "wrongca-${transport}"`));
      assert.match(error.message, /certificate/i);
      assert.match(error.message, /tls\.ca/);
    });

    it(`transport ${transport}: insecure: true connects without the CA and logs a warning`, async (t) => {
      const c = need(t);
      if (c === undefined) return;
      const { logger, warnings } = recordingLogger();
      const tls = { insecure: true, cert: c.files.clientCert, key: c.files.clientKey };
      const manager = await connect(`insecure-${transport}`, transport, path, tls, logger);
      assert.equal(manager.servers()[0]!.state, "ready");
      const result = await manager.call(`insecure-${transport}`, "echo", { text: "x" });
      assert.deepEqual(result.content, [{ type: "text", text: "mtls:x" }]);
      assert.ok(
        warnings.some((w) =>
          w.includes(`TLS CERTIFICATE VERIFICATION IS DISABLED for server "insecure-${transport}"`),
        ),
        `expected the insecure warning, got ${JSON.stringify(warnings)}`,
      );
    });
  }
});
