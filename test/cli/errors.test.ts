/**
 * A failing command prints one line on stderr (the first problem, how many more, the code last);
 * --debug adds every problem, the stack or the usage text; a bad --header is never echoed.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { fakeIO, tempConfig } from "../fixtures/client-cli.js";

const BAD_CONFIG = [
  "mcps:",
  "  - name: a",
  "    url: ftp://x",
  "    timeout: -1",
  "  - name: b",
  "    url: gopher://y",
].join("\n");

describe("CLI errors are one line", () => {
  it("CONFIG_INVALID: the first problem, how many more, the code — one line", async () => {
    const dir = await tempConfig(BAD_CONFIG);
    try {
      const io = fakeIO(dir.dir);
      assert.equal(await run(["tools"], io), 1);
      const err = io.stderrText();
      assert.equal(err.split("\n").length, 2, `one line, then the newline: ${JSON.stringify(err)}`);
      assert.match(
        err,
        /^mcp-sse tools: Invalid mcp-sse config .*: 3 problems — mcps\[0\]\.url .*\(and 2 more problems; run with --debug for all\) \[CONFIG_INVALID\]\n$/,
      );
    } finally {
      await dir.cleanup();
    }
  });

  it("--debug prints every problem and the stack after the one line", async () => {
    const dir = await tempConfig(BAD_CONFIG);
    try {
      const io = fakeIO(dir.dir);
      assert.equal(await run(["tools", "--debug"], io), 1);
      const [first, ...rest] = io.stderrText().split("\n");
      assert.match(first ?? "", /\[CONFIG_INVALID\]$/);
      const more = rest.join("\n");
      assert.match(more, /mcps\[0\]\.timeout/);
      assert.match(more, /mcps\[1\]\.url/);
      assert.match(more, /\n\s+at /, "the stack");
    } finally {
      await dir.cleanup();
    }
  });

  it("CLI_USAGE: one line with the code last; --debug adds the usage text", async () => {
    const io = fakeIO(process.cwd());
    assert.equal(await run(["watch", "--bogus"], io), 2);
    assert.match(
      io.stderrText(),
      /^mcp-sse watch: Unknown option '--bogus'.*\(run 'mcp-sse watch --help' for usage\) \[CLI_USAGE\]\n$/,
    );
    assert.equal(io.stderrText().split("\n").length, 2);
    const debug = fakeIO(process.cwd());
    assert.equal(await run(["watch", "--bogus", "--debug"], debug), 2);
    assert.match(debug.stderrText(), /\[CLI_USAGE\]\n[\s\S]*usage: mcp-sse watch \[options\]/);
  });

  it("a --header without a name is named by position, never echoed", async () => {
    for (const command of ["doctor", "proxy"]) {
      const io = fakeIO(process.cwd());
      const code = await run(
        [
          command,
          "http://127.0.0.1:9/mcp",
          "--header",
          "X-Ok: 1",
          "--header",
          "Bearer sk-live-SECRET123",
        ],
        io,
      );
      assert.equal(code, 2);
      assert.match(io.stderrText(), /--header #2 must look like 'Name: value'/);
      assert.doesNotMatch(io.stderrText(), /sk-live|Bearer/);
    }
  });
});
