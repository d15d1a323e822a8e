/**
 * Regression: `loadConfig` passed through any object that merely looked validated
 * (`servers` array + `toolSeparator` string), so a hand-made `{ servers: [{ timeoutMs: -1 }] }`
 * reached the client unchecked. Only the loader's own (frozen) results are trusted now; a
 * look-alike is validated again.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectMcps } from "../../src/client/manager.js";
import { loadConfig, type McpsConfig, type ServerConfig } from "../../src/config/index.js";
import { isMcpSseError } from "../../src/errors.js";

function handMade(overrides: Record<string, unknown> = {}): McpsConfig {
  const server: ServerConfig = {
    name: "a",
    transport: "streamable-http",
    url: "http://127.0.0.1:9/mcp",
    args: [],
    env: {},
    headers: { Authorization: "Bearer planted-secret-value" },
    timeoutMs: 5_000,
    reconnectIntervalMs: 100,
    maxReconnects: 0,
    pingIntervalMs: 0,
    enabled: false,
    tools: {},
    secretHeaders: [],
    slowHandlerMs: 100,
    kind: "auto",
    rateLimitBackoffMs: 60_000,
  };
  return { servers: [{ ...server, ...overrides }], toolSeparator: "__", source: "<hand>" };
}

function problemsOf(error: unknown): { path: string; message: string }[] {
  assert.ok(isMcpSseError(error), `expected an McpSseError, got ${String(error)}`);
  assert.equal(error.code, "CONFIG_INVALID");
  return (error.details as { problems: { path: string; message: string }[] }).problems;
}

describe("config brand: only loadConfig's own results are trusted", () => {
  it("a loaded config is passed through as is, and is frozen", async () => {
    const config = await loadConfig({ mcps: [{ name: "a", url: "http://127.0.0.1:9/mcp" }] });
    assert.equal(await loadConfig(config), config);
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.servers[0]));
    assert.throws(() => {
      (config.servers[0] as { timeoutMs: number }).timeoutMs = -1;
    }, TypeError);
  });

  it("a hand-made look-alike with an invalid field is rejected by loadConfig with CONFIG_INVALID", async () => {
    const error = await loadConfig(handMade({ timeoutMs: -1, url: "ftp://x/" })).catch((e) => e);
    const problems = problemsOf(error);
    assert.deepEqual(problems.map((p) => p.path).sort(), [
      "servers[0].timeoutMs",
      "servers[0].url",
    ]);
    assert.doesNotMatch((error as Error).message, /planted-secret-value/);
  });

  it("a hand-made look-alike with an invalid field is rejected by connectMcps with CONFIG_INVALID", async () => {
    const error = await connectMcps(handMade({ transport: "carrier-pigeon" })).catch((e) => e);
    assert.deepEqual(
      problemsOf(error).map((p) => p.path),
      ["servers[0].transport"],
    );
  });

  it("unknown fields, non-PEM TLS text and a wrong top level are reported in the object's terms", async () => {
    const error = await loadConfig({
      ...handMade({ timeoutMS: 5, tls: { insecure: false, ca: "not a pem" } }),
      toolSeparator: "",
    }).catch((e) => e);
    assert.deepEqual(
      problemsOf(error)
        .map((p) => p.path)
        .sort(),
      ["servers[0].timeoutMS", "servers[0].tls.ca", "toolSeparator"],
    );
    const notList = await loadConfig({ servers: "nope", toolSeparator: "__" }).catch((e) => e);
    assert.deepEqual(
      problemsOf(notList).map((p) => p.path),
      ["servers"],
    );
  });

  it("a copy of a loaded config with every server field set validates again to the same config", async () => {
    const loaded = await loadConfig({
      mcps: [
        {
          name: "feed",
          transport: "sse",
          url: "http://127.0.0.1:1/mcp/sse",
          kind: "feed",
          rpc_url: "http://127.0.0.1:1/mcp/rpc",
          rate_limit_backoff: 5,
          slow_handler_ms: 10,
          timeout: 7,
          reconnect_interval: 2,
          max_reconnects: 3,
          ping_interval: 4,
          headers: { "X-Key": "v" },
          tools: { allow: ["a"] },
          secret_headers: ["x-key"],
        },
      ],
    });
    const copy = JSON.parse(JSON.stringify(loaded)) as McpsConfig;
    const again = await loadConfig(copy);
    assert.notEqual(again, copy);
    assert.deepEqual(
      again.servers,
      loaded.servers,
      "every ServerConfig field maps back to its file key",
    );
  });

  it("a valid hand-made look-alike is validated again and comes back as a new, trusted config", async () => {
    const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const original = handMade({ tls: { insecure: false, ca: pem }, pingIntervalMs: 1500 });
    const loaded = await loadConfig(original);
    assert.notEqual(loaded, original);
    assert.deepEqual(loaded.servers[0], {
      ...original.servers[0],
      tls: { insecure: false, ca: pem },
    });
    assert.equal(loaded.toolSeparator, "__");
    assert.equal(await loadConfig(loaded), loaded);
  });
});
