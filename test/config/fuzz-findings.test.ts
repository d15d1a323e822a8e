// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is the config syntax under test
/** Regressions found by `npm run fuzz` (test/fuzz/config-loader.ts). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig, parseConfig } from "../../src/config/index.js";
import { isMcpSseError } from "../../src/errors.js";

const SECRET = "sk-live-NOT-FOR-MESSAGES-123";

describe("config: fuzz findings", () => {
  it("a transport from a secret variable that contradicts `type` is not quoted in the message", async () => {
    const error = await loadConfig(
      { mcpServers: { a: { type: "sse", transport: "${TOKEN}", url: "http://h/" } } },
      { env: { TOKEN: SECRET } },
    ).catch((e) => e);
    assert.ok(isMcpSseError(error, "CONFIG_INVALID"));
    assert.doesNotMatch(error.message, new RegExp(SECRET));
    assert.doesNotMatch(JSON.stringify(error.details), new RegExp(SECRET));
    // Two known, different names are still a contradiction, named as such.
    const both = await loadConfig({
      mcpServers: { a: { type: "sse", transport: "http", url: "http://h/" } },
    }).catch((e) => e);
    assert.match(both.message, /type "sse" contradicts transport "http"/);
  });

  it("a number (or any non-object) given as the config is CONFIG_INVALID, not a TypeError", async () => {
    for (const bad of [0, 1, true, Symbol.iterator]) {
      await assert.rejects(loadConfig(bad as unknown as object), (error: unknown) =>
        isMcpSseError(error, "CONFIG_INVALID"),
      );
    }
  });

  it("a YAML collection used as a key is a problem, and yaml prints no process warning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    try {
      const error = await parseConfig("mcps:\n  - { name: a, url: 'http://h/', [x]: 1 }\n").catch(
        (e) => e,
      );
      assert.ok(isMcpSseError(error, "CONFIG_INVALID"));
      assert.match(error.message, /unknown key "\[ x \]"/);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(warnings, []);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
