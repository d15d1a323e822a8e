import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { createDemoServer } from "../../src/server/demo.js";
import { countingServer, fakeIO, tempConfig } from "../fixtures/client-cli.js";
import { basicServer, type Fixture, startFixture } from "../fixtures/client-servers.js";
import { unusedPort } from "../helpers/ports.js";
import { waitFor } from "../helpers/wait-for.js";

describe("CLI tools | call | watch against real servers", () => {
  let demo: Fixture;
  let basic: Fixture;
  let good: { dir: string; cleanup: () => Promise<void> };
  let withDead: { dir: string; cleanup: () => Promise<void> };

  before(async () => {
    demo = await startFixture({ createServer: () => createDemoServer({ intervalMs: 20 }) });
    basic = await startFixture({ createServer: () => basicServer("basic") });
    const servers = [
      "mcps:",
      "  - name: demo",
      "    transport: streamable-http",
      `    url: ${demo.url}`,
      "  - name: basic",
      "    transport: streamable-http",
      `    url: ${basic.url}`,
    ];
    good = await tempConfig(servers.join("\n"));
    const port = await unusedPort();
    withDead = await tempConfig(
      [
        ...servers,
        "  - name: dead",
        "    transport: streamable-http",
        `    url: http://127.0.0.1:${port}/mcp`,
        "    timeout: 2",
        "    max_reconnects: 0",
      ].join("\n"),
    );
  });
  after(async () => {
    await demo?.close();
    await basic?.close();
    await good?.cleanup();
    await withDead?.cleanup();
  });

  it("tools prints a table of every server's tools", async () => {
    const io = fakeIO(good.dir);
    assert.equal(await run(["tools"], io), 0, io.stderrText());
    const text = io.stdoutText();
    assert.match(text, /^SERVER\s+TOOL\s+DESCRIPTION/);
    assert.match(text, /demo\s+realtime_monitor\s+Start monitoring/);
    assert.match(text, /basic\s+echo\s+Echo the text back/);
  });

  it("tools --json prints { server, name, description, inputSchema } objects", async () => {
    const io = fakeIO(good.dir);
    assert.equal(await run(["tools", "--json"], io), 0);
    const list = JSON.parse(io.stdoutText()) as {
      server: string;
      name: string;
      description: string;
      inputSchema: { type: string };
    }[];
    const weather = list.find((t) => t.server === "demo" && t.name === "weather_monitor");
    assert.ok(weather);
    assert.deepEqual(Object.keys(weather).sort(), ["description", "inputSchema", "name", "server"]);
    assert.equal(weather.inputSchema.type, "object");
    assert.equal(list.filter((t) => t.server === "basic").length, 5);
  });

  it("tools exits 1 when a server is unreachable, still listing the others", async () => {
    const io = fakeIO(withDead.dir);
    assert.equal(await run(["tools", "-c", "mcps.yaml", "--json"], io), 1);
    const list = JSON.parse(io.stdoutText()) as { server: string }[];
    assert.ok(list.some((t) => t.server === "demo"));
    assert.match(io.stderrText(), /server "dead" is unreachable: .+/);
    assert.equal(io.stderrText().trim().split("\n").length, 1, "one line per unreachable server");
  });

  it("tools with a missing config file exits non-zero with a one-line reason", async () => {
    const io = fakeIO(good.dir);
    assert.equal(await run(["tools", "-c", "nope.yaml"], io), 1);
    assert.match(io.stderrText(), /CONFIG_NOT_FOUND/);
  });

  it("call prints text content; --json prints the full result", async () => {
    const io = fakeIO(good.dir);
    assert.equal(
      await run(["call", "demo", "weather_monitor", '{"location":"Paris"}'], io),
      0,
      io.stderrText(),
    );
    assert.equal(io.stdoutText(), "Started monitoring weather for: Paris\n");
    const json = fakeIO(good.dir);
    assert.equal(await run(["call", "basic", "add", '{"a":1,"b":2}', "--json"], json), 0);
    assert.deepEqual(JSON.parse(json.stdoutText()).content, [{ type: "text", text: "3" }]);
  });

  it("call exits 1 on isError, unknown tool, unknown server; 2 on bad JSON", async () => {
    const failed = fakeIO(good.dir);
    assert.equal(await run(["call", "basic", "fail"], failed), 1);
    assert.match(failed.stderrText(), /reported an error/);
    const unknownTool = fakeIO(good.dir);
    assert.equal(await run(["call", "basic", "nope"], unknownTool), 1);
    assert.match(unknownTool.stderrText(), /CLIENT_UNKNOWN_TOOL/);
    const unknownServer = fakeIO(good.dir);
    assert.equal(await run(["call", "ghost", "echo"], unknownServer), 1);
    assert.match(unknownServer.stderrText(), /CLIENT_UNKNOWN_SERVER/);
    const badJson = fakeIO(good.dir);
    assert.equal(await run(["call", "basic", "echo", "{not json"], badJson), 2);
    assert.match(badJson.stderrText(), /not valid JSON/);
  });

  it("call --timeout gives up on a tool that never answers (CLIENT_TIMEOUT)", async () => {
    const io = fakeIO(good.dir);
    assert.equal(await run(["call", "basic", "hang", "--timeout", "0.2"], io), 1);
    assert.match(io.stderrText(), /CLIENT_TIMEOUT/);
  });

  it("call with an unknown server fails with CLIENT_UNKNOWN_SERVER before connecting", async () => {
    const other = await countingServer((res) => res.writeHead(500).end());
    const dir = await tempConfig(
      ["mcps:", "  - name: other", "    transport: streamable-http", `    url: ${other.url}`].join(
        "\n",
      ),
    );
    try {
      const io = fakeIO(dir.dir);
      assert.equal(await run(["call", "ghost", "echo"], io), 1);
      assert.match(
        io.stderrText(),
        /^mcp-sse call: No server named "ghost" .*configured: other\. \[CLIENT_UNKNOWN_SERVER\]\n$/,
      );
      assert.equal(other.requests(), 0, "no server was contacted");
    } finally {
      await dir.cleanup();
      await other.close();
    }
  });

  it("call --timeout 0 (it would wait forever) is a usage error, and nothing is contacted", async () => {
    const other = await countingServer((res) => res.writeHead(500).end());
    const dir = await tempConfig(
      ["mcps:", "  - name: other", "    transport: streamable-http", `    url: ${other.url}`].join(
        "\n",
      ),
    );
    try {
      for (const value of ["0", "0.0001"]) {
        const io = fakeIO(dir.dir);
        assert.equal(await run(["call", "other", "echo", "--timeout", value], io), 2);
        assert.match(io.stderrText(), /--timeout must be more than 0 seconds.*\[CLI_USAGE\]\n$/);
      }
      assert.equal(other.requests(), 0);
    } finally {
      await dir.cleanup();
      await other.close();
    }
  });

  it("watch --json prints one event object a line until --seconds", async () => {
    const io = fakeIO(good.dir);
    assert.equal(
      await run(
        ["watch", "--server", "demo", "--type", "data_update", "--json", "--seconds", "2"],
        io,
      ),
      0,
    );
    // It ended by itself (exit 0 above). Two seconds hold a hundred demo intervals: at least one
    // arrives even on a loaded machine (the count itself is not the subject).
    const lines = io.stdoutText().trim().split("\n");
    assert.ok(lines.length >= 1 && lines[0] !== "", `got ${lines.length} events`);
    for (const line of lines) {
      const ev = JSON.parse(line) as { server: string; type: string; data: { event: string } };
      assert.equal(ev.server, "demo");
      assert.equal(ev.type, "data_update");
    }
    assert.match(io.stderrText(), /watching demo: ready, basic: ready/);
  });

  it("watch stops when the signal aborts; readable lines without --json", async () => {
    const io = fakeIO(good.dir);
    const running = run(["watch", "--type", "data_update"], io);
    await waitFor(() => io.out.length >= 2, { timeout: 10_000, message: "two watched events" });
    io.abort();
    assert.equal(await running, 0);
    assert.match(io.out[0] ?? "", /^\d\d:\d\d:\d\d\.\d{3} demo data_update info \{/);
  });

  it("usage errors exit 2", async () => {
    const io = fakeIO(good.dir);
    assert.equal(await run(["watch", "--bogus"], io), 2);
    assert.equal(await run(["call", "only-server"], io), 2);
    assert.equal(await run(["watch", "--seconds", "soon"], io), 2);
  });
});
