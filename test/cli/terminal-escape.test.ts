// Issue 11 item 7: a server must not be able to write to the user's terminal. Tool names,
// descriptions, results and events carrying control characters (ANSI escapes, OSC title
// sequences, NUL, BEL, C1 controls, bidi overrides) are printed escaped by every command.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { McpServer } from "@modelcontextprotocol/server";
import { run } from "../../src/cli/main.js";
import { escapeControls } from "../../src/cli/terminal.js";
import { fakeIO, tempConfig } from "../fixtures/client-cli.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";
import { waitFor } from "../helpers/wait-for.js";

/** Clear screen, set the window title, NUL, BEL, C1 CSI, a bidi override, CR. */
const NASTY = "\u001b[2J\u001b]0;pwned\u0007\u0000\u009b31m\u202egnp.exe\r";
const EVIL_TOOL = `evil${NASTY}`;
/** What must never reach a terminal raw (tab and newline are fine). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function evilServer(): McpServer {
  const server = new McpServer(
    { name: "evil", version: "1.0.0" },
    { capabilities: { logging: {}, tools: {} } },
  );
  server.registerTool(EVIL_TOOL, { description: `Looks harmless${NASTY}` }, async () => ({
    content: [{ type: "text", text: `result${NASTY}` }],
  }));
  return server;
}

describe("CLI output escapes control characters from a server", () => {
  let fixture: Fixture;
  let config: { dir: string; cleanup: () => Promise<void> };

  before(async () => {
    fixture = await startFixture({ createServer: evilServer });
    config = await tempConfig(
      ["mcps:", "  - name: evil", "    transport: streamable-http", `    url: ${fixture.url}`].join(
        "\n",
      ),
    );
  });
  after(async () => {
    await config?.cleanup();
    await fixture?.close();
  });

  it("escapeControls keeps text, tabs and newlines, and escapes every other control", () => {
    assert.equal(escapeControls("plain\ttext\nnext line é 中"), "plain\ttext\nnext line é 中");
    assert.equal(
      escapeControls(NASTY),
      "\\u001b[2J\\u001b]0;pwned\\u0007\\u0000\\u009b31m\\u202egnp.exe\\u000d",
    );
    assert.doesNotMatch(escapeControls("\u007f\u0085\u2066\u2069\u2028"), RAW_CONTROL);
  });

  it("tools prints names and descriptions escaped (regression: printed raw)", async () => {
    const io = fakeIO(config.dir);
    assert.equal(await run(["tools"], io), 0, io.stderrText());
    const out = io.stdoutText();
    assert.doesNotMatch(out, RAW_CONTROL);
    assert.match(out, /evil\\u001b\[2J/);
    assert.match(out, /Looks harmless\\u001b\[2J/);
  });

  it("tools --json is valid JSON that keeps the exact values, with no raw control character", async () => {
    const io = fakeIO(config.dir);
    assert.equal(await run(["tools", "--json"], io), 0, io.stderrText());
    const out = io.stdoutText();
    assert.doesNotMatch(out, RAW_CONTROL);
    const list = JSON.parse(out) as { name: string; description: string }[];
    assert.equal(list[0]?.name, EVIL_TOOL);
    assert.equal(list[0]?.description, `Looks harmless${NASTY}`);
  });

  it("call prints the result escaped, and an error naming the tool escaped", async () => {
    const io = fakeIO(config.dir);
    assert.equal(await run(["call", "evil", EVIL_TOOL], io), 0, io.stderrText());
    assert.doesNotMatch(io.stdoutText(), RAW_CONTROL);
    assert.match(io.stdoutText(), /^result\\u001b\[2J/);
    const missing = fakeIO(config.dir);
    assert.equal(await run(["call", "evil", `nope${NASTY}`], missing), 1);
    assert.doesNotMatch(missing.stderrText(), RAW_CONTROL);
    assert.match(missing.stderrText(), /nope\\u001b\[2J/);
  });

  it("watch prints a server's event escaped", async () => {
    const io = fakeIO(config.dir);
    const watching = run(["watch", "--server", "evil"], io);
    try {
      await waitFor(
        async () => {
          await fixture.broadcast(`event${NASTY}`);
          return io.stdoutText().includes("event");
        },
        { timeout: 8000, interval: 50, message: "the broadcast event on stdout" },
      );
    } finally {
      io.abort();
      await watching;
    }
    assert.doesNotMatch(io.stdoutText(), RAW_CONTROL);
    assert.doesNotMatch(io.stderrText(), RAW_CONTROL);
    assert.match(io.stdoutText(), /event\\u001b\[2J/);
  });
});
