/** `tls.insecure_skip_verify` (the name issue 11 and Go configs use) is an alias of `tls.insecure`. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/index.js";
import { isMcpSseError } from "../../src/errors.js";
import type { Logger } from "../../src/logger.js";

function warnings() {
  const lines: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (_obj: object | string, msg?: string) => void lines.push(msg ?? ""),
    error: () => {},
  };
  return { logger, lines };
}

describe("config: tls.insecure_skip_verify", () => {
  it("means tls.insecure, and warns the same way", async () => {
    const { logger, lines } = warnings();
    const config = await loadConfig(
      { mcps: [{ name: "a", url: "https://a/", tls: { insecure_skip_verify: true } }] },
      { logger },
    );
    assert.equal(config.servers[0]!.tls?.insecure, true);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /TLS CERTIFICATE VERIFICATION IS DISABLED for server "a"/);
  });

  it("contradicting tls.insecure is a problem; agreeing is fine", async () => {
    const error = await loadConfig({
      mcps: [
        { name: "a", url: "https://a/", tls: { insecure: true, insecure_skip_verify: "false" } },
      ],
    }).catch((e) => e);
    assert.ok(isMcpSseError(error, "CONFIG_INVALID"));
    assert.match(error.message, /mcps\[0\]\.tls\.insecure_skip_verify \(server "a"\): contradicts/);
    const ok = await loadConfig({
      mcps: [
        { name: "a", url: "https://a/", tls: { insecure: false, insecure_skip_verify: false } },
      ],
    });
    assert.equal(ok.servers[0]!.tls?.insecure, false);
  });
});
