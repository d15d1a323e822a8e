/**
 * The frameworks are optional peers: importing an adapter without its framework fails with
 * AGENTS_PEER_MISSING naming the package. Proved two ways: `loadPeer` over real failed
 * `import()`s, and each adapter imported in a child process where Node's own resolver cannot
 * find the framework (a module hook resolves the framework's name from an empty directory, as
 * if it were not installed; everything else resolves as usual).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { AGENTS_PEER_MISSING, loadPeer } from "../../src/agents/peer.js";
import { isMcpSseError } from "../../src/errors.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("loadPeer", () => {
  it("a package that is not installed is AGENTS_PEER_MISSING, naming it and how to install it", async () => {
    const error = await loadPeer(
      "mcp-sse/x",
      "mcp-sse-no-such-framework",
      ">=1",
      () => import("mcp-sse-no-such-framework" as string),
    ).catch((e: unknown) => e);
    assert.equal(isMcpSseError(error, AGENTS_PEER_MISSING), true);
    assert.match(
      (error as Error).message,
      /^mcp-sse\/x needs the package "mcp-sse-no-such-framework" \(>=1\), which is not installed: npm install mcp-sse-no-such-framework$/,
    );
    assert.equal(((error as Error).cause as { code?: string }).code, "ERR_MODULE_NOT_FOUND");
  });

  it("a missing package other than the peer (a broken install) is passed through as it is", async () => {
    const error = await loadPeer(
      "mcp-sse/x",
      "ai",
      ">=7",
      () => import("mcp-sse-no-such-dependency" as string),
    ).catch((e: unknown) => e);
    assert.equal(isMcpSseError(error), false);
    assert.equal((error as { code?: string }).code, "ERR_MODULE_NOT_FOUND");
  });

  it("an error thrown while the package loads is passed through", async () => {
    const boom = new Error("boom");
    await assert.rejects(
      loadPeer("mcp-sse/x", "ai", ">=7", () => Promise.reject(boom)),
      (e) => e === boom,
    );
  });
});

/** Runs `node --import tsx --import <hook> -e <code>` and returns its exit code and stderr. */
function runNode(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

describe("importing an adapter without its framework installed", () => {
  let dir: string;
  const adapters = [
    { module: "src/agents/ai.ts", pkg: "ai", name: "mcp-sse/ai" },
    { module: "src/agents/langchain.ts", pkg: "@langchain/core", name: "mcp-sse/langchain" },
    { module: "src/agents/openai-agents.ts", pkg: "@openai/agents", name: "mcp-sse/openai-agents" },
  ];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "mcp-sse-peer-"));
    // Resolve the hidden package (and its subpaths) from an empty directory: Node's resolver
    // then fails exactly as it does when the package is not installed.
    await writeFile(
      join(dir, "hooks.mjs"),
      [
        "const hidden = process.env.HIDE_PACKAGE;",
        `const empty = ${JSON.stringify(pathToFileURL(join(dir, "empty.mjs")).href)};`,
        "export async function resolve(specifier, context, next) {",
        '  if (specifier === hidden || specifier.startsWith(hidden + "/"))',
        "    return next(specifier, { ...context, parentURL: empty });",
        "  return next(specifier, context);",
        "}",
      ].join("\n"),
    );
    await writeFile(
      join(dir, "register.mjs"),
      `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`,
    );
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  for (const adapter of adapters) {
    it(`${adapter.name} without ${adapter.pkg}: AGENTS_PEER_MISSING naming ${adapter.pkg}`, async () => {
      process.env["HIDE_PACKAGE"] = adapter.pkg;
      try {
        const code = [
          `import(${JSON.stringify(pathToFileURL(join(ROOT, adapter.module)).href)})`,
          '.then(() => console.error("LOADED"), (e) => { console.error(e.code + "|" + e.message); process.exitCode = 3; });',
        ].join("");
        const result = await runNode([
          "--import",
          "tsx",
          "--import",
          pathToFileURL(join(dir, "register.mjs")).href,
          "-e",
          code,
        ]);
        assert.equal(result.code, 3, result.stderr);
        assert.match(
          result.stderr,
          new RegExp(
            `^AGENTS_PEER_MISSING\\|${adapter.name.replace("/", "\\/")} needs the package "${adapter.pkg}" .*npm install ${adapter.pkg}$`,
            "m",
          ),
        );
      } finally {
        delete process.env["HIDE_PACKAGE"];
      }
    });
  }
});
