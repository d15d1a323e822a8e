// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is the config syntax under test
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_SLOW_HANDLER_MS } from "../../src/config/defaults.js";
import { isMcpSseError, loadConfig } from "../../src/index.js";

const entry = (extra: Record<string, unknown>) => ({
  mcps: [{ name: "feed", url: "http://127.0.0.1:8000/sse", ...extra }],
});

describe("config: slow_handler_ms", () => {
  it("defaults to DEFAULT_SLOW_HANDLER_MS (1000 ms, as in the guide)", async () => {
    const config = await loadConfig(entry({}));
    assert.equal(DEFAULT_SLOW_HANDLER_MS, 1000);
    assert.equal(config.servers[0]?.slowHandlerMs, DEFAULT_SLOW_HANDLER_MS);
  });

  it("reads milliseconds (a number, or digits from ${VAR}); 0 disables", async () => {
    assert.equal(
      (await loadConfig(entry({ slow_handler_ms: 250 }))).servers[0]?.slowHandlerMs,
      250,
    );
    assert.equal((await loadConfig(entry({ slow_handler_ms: 0 }))).servers[0]?.slowHandlerMs, 0);
    const fromEnv = await loadConfig(entry({ slow_handler_ms: "${SLOW:-75}" }), { env: {} });
    assert.equal(fromEnv.servers[0]?.slowHandlerMs, 75);
    const map = await loadConfig({ mcpServers: { m: { url: "http://a/", slow_handler_ms: 5 } } });
    assert.equal(map.servers[0]?.slowHandlerMs, 5);
  });

  it("a negative, non-number or too large value is a problem at its path", async () => {
    for (const [value, pattern] of [
      [-1, />= 0 milliseconds/],
      ["soon", /must be a number of milliseconds/],
      [1e13, /at most/],
    ] as const) {
      await assert.rejects(loadConfig(entry({ slow_handler_ms: value })), (error) => {
        assert.ok(isMcpSseError(error));
        assert.equal(error.code, "CONFIG_INVALID");
        assert.match(error.message, /mcps\[0\]\.slow_handler_ms/);
        assert.match(error.message, pattern);
        return true;
      });
    }
  });
});
