/**
 * `mcp-sse call` printed a JSON-RPC error that echoed the Authorization header on stderr, and
 * `mcp-sse watch --json` printed a log notification echoing it (issue 11, item 2).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { fakeIO, tempConfig } from "../fixtures/client-cli.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";
import { echoSecretsServer } from "../fixtures/echo-secrets-server.js";
import { waitFor } from "../helpers/wait-for.js";

const TOKEN = "tok-cli-echo-3f9e1a77";
const API_KEY = "key-cli-echo-8b2d6c10";

describe("the CLI never prints a header value a server echoes", () => {
  let fixture: Fixture;
  let config: { dir: string; cleanup: () => Promise<void> };
  const env = { ECHO_TOKEN: TOKEN, ECHO_KEY: API_KEY };

  before(async () => {
    fixture = await startFixture({ createServer: echoSecretsServer });
    config = await tempConfig(
      [
        "mcps:",
        "  - name: echo",
        "    transport: streamable-http",
        `    url: ${fixture.url}`,
        "    headers:",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${VAR} syntax
        '      Authorization: "Bearer ${ECHO_TOKEN}"',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own ${VAR} syntax
        '      X-Api-Key: "${ECHO_KEY}"',
      ].join("\n"),
    );
  });
  after(async () => {
    await fixture?.close();
    await config?.cleanup();
  });

  it("call: the JSON-RPC error on stderr has [REDACTED] where the server quoted the token", async () => {
    for (const debug of [[], ["--debug"]]) {
      const io = fakeIO(config.dir, env);
      assert.equal(await run(["call", "echo", "whoami", ...debug], io), 1);
      const all = io.stderrText() + io.stdoutText();
      assert.match(
        io.stderrText(),
        /denied for \[REDACTED\] key \[REDACTED\].*\[CLIENT_TOOL_ERROR\]/,
      );
      assert.ok(!all.includes(TOKEN), all);
      assert.ok(!all.includes(API_KEY), all);
    }
  });

  it("call: a tool's isError result quoting the token is printed with [REDACTED]", async () => {
    for (const json of [[], ["--json"]]) {
      const io = fakeIO(config.dir, env);
      assert.equal(await run(["call", "echo", "whoami_result", ...json], io), 1);
      assert.match(io.stdoutText(), /denied for \[REDACTED\] key \[REDACTED\]/);
      const all = io.stderrText() + io.stdoutText();
      assert.ok(!all.includes(TOKEN), all);
      assert.ok(!all.includes(API_KEY), all);
    }
  });

  it("watch --json: a log event echoing the token is printed with [REDACTED]", async () => {
    const io = fakeIO(config.dir, env);
    const running = run(["watch", "--json", "--seconds", "20"], io);
    try {
      await waitFor(() => io.stderrText().includes("echo: ready"), { message: "watch is ready" });
      const line = await waitFor(
        async () => {
          await fixture.broadcast({ note: `seen Bearer ${TOKEN} key ${API_KEY}` }, "warning");
          return io.out.find((l) => l.includes('"type":"log"'));
        },
        { interval: 50, message: "the log event on stdout" },
      );
      assert.match(line, /seen \[REDACTED\] key \[REDACTED\]/);
    } finally {
      io.abort();
    }
    assert.equal(await running, 0);
    const all = io.stderrText() + io.stdoutText();
    assert.ok(!all.includes(TOKEN), all);
    assert.ok(!all.includes(API_KEY), all);
  });
});
