import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config/index.js";

const docUrl = new URL("../../docs/config.md", import.meta.url);

function codeBlocks(markdown: string, lang: string): string[] {
  const re = new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g");
  return [...markdown.matchAll(re)].map((m) => m[1]!);
}

describe("config: docs/config.md examples", () => {
  it("every YAML and JSON example loads", async () => {
    const markdown = await readFile(docUrl, "utf8");
    const yaml = codeBlocks(markdown, "yaml");
    const json = codeBlocks(markdown, "json");
    assert.ok(yaml.length >= 1 && json.length >= 1);
    const dir = await mkdtemp(join(tmpdir(), "mcp-sse-docs-"));
    try {
      await mkdir(join(dir, "certs"));
      await writeFile(
        join(dir, "certs", "internal-ca.pem"),
        "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
      );
      const env = {
        MCP_TOKEN: "t",
        EVENTS_FERNET_KEY: "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=",
        REMOTE_TOKEN: "r",
        TEAM_TOKEN: "team",
        BILLING_CLIENT_SECRET: "billing-secret",
      };
      for (const [i, text] of [...yaml, ...json].entries()) {
        const format = i < yaml.length ? "yaml" : "json";
        const config = await parseConfig(text, { format, env, cwd: dir, source: `example ${i}` });
        assert.ok(config.servers.length > 0, `example ${i}`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("config: timeout 0", () => {
  it("the docs said timeout 0 disables while the schema refuses it: no doc promises it, and the schema still refuses it", async () => {
    for (const doc of ["config.md", "transports.md", "client.md"]) {
      const text = await readFile(new URL(`../../docs/${doc}`, import.meta.url), "utf8");
      // Lines about the server's `timeout` (file) / `timeoutMs` (config), not other timeouts.
      for (const line of text.split("\n").filter((l) => /`timeout`|timeoutMs`/.test(l)))
        assert.doesNotMatch(line, /`0` disables|0 disables/, `docs/${doc}: ${line}`);
    }
    await assert.rejects(
      parseConfig("mcps:\n  - { name: a, url: 'http://a/', timeout: 0 }\n"),
      (error: { code?: string; message?: string }) =>
        error.code === "CONFIG_INVALID" && /timeout/.test(error.message ?? ""),
    );
  });
});
