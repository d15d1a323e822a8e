/**
 * Regression: a stream error whose body echoes the Authorization header reached the debug
 * log and `onStreamState` unscrubbed. The header was added by a fetch wrapper the SSE reader
 * knew nothing of, so the reader's own scrubbing (of the values it sent) missed it.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { StreamStateChange } from "../../../src/client/transports/index.js";
import { LegacySseClientTransport } from "../../../src/client/transports/sse.js";
import { StreamableHttpClientTransport } from "../../../src/client/transports/streamable-http.js";
import type { Logger } from "../../../src/logger.js";
import { waitFor, withTimeout } from "../../helpers/wait-for.js";
import { listen, serverConfig } from "./helpers.js";

const TOKEN = "sk-live-stream-secret-7f6e5d";

/** Everything a transport reports: log lines, stream state errors, onerror errors. */
function observe() {
  const lines: string[] = [];
  const record = (level: string) => (obj: Record<string, unknown>, msg?: string) =>
    void lines.push(JSON.stringify({ level, ...obj, msg }));
  const logger: Logger = {
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
  const stateErrors: Error[] = [];
  const onStreamState = (change: StreamStateChange) => {
    if (change.error !== undefined) stateErrors.push(change.error);
  };
  return { lines, logger, stateErrors, onStreamState };
}

/** Message, details and cause chain of an error, as one string. */
function describe(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 4) return String(error);
  const details = (error as { details?: unknown }).details;
  return `${error.message} ${JSON.stringify(details ?? {})} ${describe((error as { cause?: unknown }).cause, depth + 1)}`;
}

/** A body that echoes the whole header and, separately, its credential part. */
function echoBody(authorization: string | undefined): string {
  return `bad token: ${authorization} (credential ${authorization?.split(" ")[1]})`;
}

test("stream errors that echo the Authorization header never reach the log or onStreamState (legacy sse)", async () => {
  const server = await listen((req, res) => {
    res.writeHead(401, { "Content-Type": "text/plain" }).end(echoBody(req.headers.authorization));
  });
  const seen = observe();
  const transport = new LegacySseClientTransport({
    server: serverConfig({
      url: `${server.origin}/sse`,
      headers: { Authorization: `Bearer ${TOKEN}` },
      maxReconnects: 1,
    }),
    logger: seen.logger,
    onStreamState: seen.onStreamState,
  });
  const errors: Error[] = [];
  transport.onerror = (e) => void errors.push(e);
  try {
    const startError = await withTimeout(
      transport.start().then(
        () => undefined,
        (e: unknown) => e,
      ),
      5_000,
      "start",
    );
    assert.ok(startError instanceof Error, "start() fails on 401");
    assert.equal(server.seen[0]?.headers.authorization, `Bearer ${TOKEN}`, "the header was sent");
    // The 401 was reported everywhere (so the checks below look at real text)...
    assert.ok(
      seen.lines.some((l) => l.includes("401") && l.includes("sse stream error")),
      seen.lines.join("\n"),
    );
    assert.ok(seen.stateErrors.some((e) => describe(e).includes("bad token")));
    // ...and nowhere with the token.
    for (const text of [
      ...seen.lines,
      ...seen.stateErrors.map((e) => describe(e)),
      ...errors.map((e) => describe(e)),
      describe(startError),
    ])
      assert.ok(!text.includes(TOKEN), `token leaked: ${text}`);
  } finally {
    await withTimeout(transport.close(), 5_000, "close");
    await server.close();
  }
});

test("stream errors that echo a getHeaders() token never reach the log or onStreamState (streamable standalone GET)", async () => {
  const server = await listen(async (req, res) => {
    if (req.method === "GET") {
      res.writeHead(401, { "Content-Type": "text/plain" }).end(echoBody(req.headers.authorization));
      return;
    }
    if (req.method === "DELETE") return void res.writeHead(200).end();
    let body = "";
    for await (const chunk of req) body += chunk;
    const message = JSON.parse(body) as { id?: unknown; method: string };
    if (message.method === "initialize") {
      res.writeHead(200, { "Content-Type": "application/json", "Mcp-Session-Id": "s-1" });
      res.end(
        JSON.stringify({
          jsonrpc: "2.0",
          id: message.id,
          result: {
            protocolVersion: "2025-06-18",
            capabilities: {},
            serverInfo: { name: "raw", version: "0" },
          },
        }),
      );
      return;
    }
    res.writeHead(202).end();
  });
  const seen = observe();
  const transport = new StreamableHttpClientTransport({
    server: serverConfig({ transport: "streamable-http", url: `${server.origin}/mcp` }),
    // The token comes from the header source, not from the config.
    getHeaders: () => ({ Authorization: `Bearer ${TOKEN}` }),
    logger: seen.logger,
    onStreamState: seen.onStreamState,
  });
  const errors: Error[] = [];
  let closed = false;
  transport.onerror = (e) => void errors.push(e);
  transport.onclose = () => {
    closed = true;
  };
  try {
    await transport.start();
    await transport.send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "t", version: "0" },
      },
    });
    await transport.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    await waitFor(() => closed, {
      message: "the 401 on the standalone stream to end the transport",
    });
    const get = server.seen.find((r) => r.method === "GET");
    assert.equal(get?.headers.authorization, `Bearer ${TOKEN}`, "the GET carried the token");
    assert.ok(
      seen.lines.some((l) => l.includes("401") && l.includes("standalone stream error")),
      seen.lines.join("\n"),
    );
    assert.ok(seen.stateErrors.some((e) => describe(e).includes("bad token")));
    assert.ok(errors.some((e) => (e as { code?: string }).code === "CLIENT_UNAUTHORIZED"));
    for (const text of [
      ...seen.lines,
      ...seen.stateErrors.map((e) => describe(e)),
      ...errors.map((e) => describe(e)),
    ])
      assert.ok(!text.includes(TOKEN), `token leaked: ${text}`);
  } finally {
    await withTimeout(transport.close(), 5_000, "close");
    await server.close();
  }
});
