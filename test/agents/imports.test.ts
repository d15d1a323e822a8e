/**
 * src/agents may import the client (and config, errors), never the server (docs/architecture.md);
 * and it reaches each framework only through `loadPeer` (a dynamic import), so that importing
 * one adapter never needs another adapter's framework. Checked on the static imports of every
 * module.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const DIR = fileURLToPath(new URL("../../src/agents/", import.meta.url));
const STATIC_IMPORT = /^\s*import\s+(type\s+)?[^;]*?from\s+["']([^"']+)["']/gm;
const FRAMEWORKS = /^(ai|@langchain\/|@openai\/)/;

describe("src/agents imports", () => {
  it("never the server, and frameworks only as types (the values through loadPeer)", async () => {
    const problems: string[] = [];
    const frameworkTypes = new Set<string>();
    for (const name of await readdir(DIR)) {
      const text = await readFile(join(DIR, name), "utf8");
      for (const match of text.matchAll(STATIC_IMPORT)) {
        const [, typeOnly, spec] = match;
        if (spec?.includes("/server")) problems.push(`${name}: imports ${spec}`);
        if (spec === undefined || !FRAMEWORKS.test(spec)) continue;
        if (typeOnly === undefined)
          problems.push(`${name}: imports ${spec} statically (use loadPeer)`);
        else frameworkTypes.add(spec);
      }
    }
    assert.deepEqual(problems, []);
    // The scan sees imports at all: each adapter imports its framework's types.
    for (const spec of ["ai", "@langchain/core/tools", "@openai/agents"])
      assert.equal(frameworkTypes.has(spec), true, spec);
  });
});
