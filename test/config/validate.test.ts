// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is the config syntax under test
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ConfigProblem, loadConfig, parseConfig } from "../../src/config/index.js";
import { isMcpSseError, type McpSseError } from "../../src/errors.js";

const KEY = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";

async function problemsOf(config: unknown, env: Record<string, string> = {}) {
  let caught: McpSseError | undefined;
  try {
    await loadConfig(config as object, { env });
  } catch (error) {
    assert.ok(
      isMcpSseError(error, "CONFIG_INVALID"),
      `expected CONFIG_INVALID, got ${String(error)}`,
    );
    caught = error;
  }
  assert.ok(caught, "expected the config to be rejected");
  return {
    error: caught,
    problems: caught.details["problems"] as ConfigProblem[],
    at: (path: string) =>
      (caught!.details["problems"] as ConfigProblem[]).filter((p) => p.path === path),
  };
}

describe("config: validation reports every problem at once", () => {
  it("lists each problem with its path and server, one per line", async () => {
    const { error, problems, at } = await problemsOf({
      mcps: [
        { name: "ok", url: "http://ok/" },
        { name: "a", transport: "carrier-pigeon", url: "http://a/" },
        { name: "b", url: "ftp://files.example/", timeout: 0 },
        { url: "http://noname/" },
        { name: "c", transport: "stdio" },
        { name: "d", reconnect_interval: -1, max_reconnects: 1.5, url: "http://d/" },
      ],
    });
    assert.equal(error.details["source"], "<object>");
    assert.equal(at("mcps[1].transport")[0]?.server, "a");
    assert.match(
      at("mcps[1].transport")[0]!.message,
      /must be one of sse, http, streamable-http, stdio, auto/,
    );
    assert.match(
      at("mcps[2].url")[0]!.message,
      /must be an http:\/\/ or https:\/\/ URL \(got "ftp:"\)/,
    );
    assert.match(at("mcps[2].timeout")[0]!.message, /> 0/);
    assert.equal(at("mcps[3].name")[0]?.server, undefined);
    assert.match(at("mcps[3].name")[0]!.message, /required/);
    assert.match(at("mcps[4].command")[0]!.message, /required for the stdio transport/);
    assert.match(at("mcps[5].reconnect_interval")[0]!.message, /> 0/);
    assert.match(at("mcps[5].max_reconnects")[0]!.message, /whole number/);
    assert.equal(problems.length, 7);
    assert.ok(problems.every((p) => !p.path.startsWith("mcps[0]")));
    // One line per problem, with path and server name, in file order.
    const lines = error.message.split("\n");
    assert.match(lines[0]!, /^Invalid mcp-sse config <object>: 7 problems$/);
    assert.equal(lines.length, 8);
    assert.equal(
      lines[1],
      `  - mcps[1].transport (server "a"): ${at("mcps[1].transport")[0]!.message}`,
    );
    assert.ok(lines.some((l) => l.startsWith("  - mcps[3].name: ")));
  });

  it("rejects duplicate names, naming both places", async () => {
    const { problems } = await problemsOf({
      mcps: [
        { name: "dup", url: "http://a/" },
        { name: "other", url: "http://b/" },
        { name: "dup", url: "http://c/" },
      ],
    });
    assert.deepEqual(problems, [
      {
        path: "mcps[2].name",
        server: "dup",
        message: 'duplicate server name "dup": also used by mcps[0]',
      },
    ]);
  });

  it("names must be [A-Za-z0-9_.-]+, in both formats", async () => {
    const { at } = await problemsOf({
      mcps: [
        { name: "has space", url: "http://a/" },
        { name: "", url: "http://a/" },
      ],
      mcpServers: { "sl/ash": { url: "http://b/" } },
    });
    assert.equal(at("mcps[0].name").length, 1);
    assert.equal(at("mcps[1].name").length, 1);
    assert.match(at('mcpServers["sl/ash"]')[0]!.message, /letters, digits/);
  });

  it("url must be http(s) and parseable; url is required for HTTP transports", async () => {
    const { at } = await problemsOf(
      {
        mcps: [
          { name: "ws", url: "ws://h/" },
          { name: "file", transport: "sse", url: "file:///etc/passwd" },
          { name: "rel", url: "/relative/sse" },
          { name: "odd", url: "${TOKEN}" },
          { name: "none", transport: "sse" },
          { name: "none2" },
        ],
      },
      { TOKEN: "sk-live:abc123" },
    );
    assert.match(at("mcps[0].url")[0]!.message, /"ws:"/);
    assert.match(at("mcps[1].url")[0]!.message, /"file:"/);
    assert.match(at("mcps[2].url")[0]!.message, /not a valid absolute URL/);
    // A secret that happens to parse as a URL: its "scheme" is not echoed.
    assert.equal(at("mcps[3].url")[0]!.message, "must be an http:// or https:// URL");
    assert.match(at("mcps[4].url")[0]!.message, /required for the sse transport/);
    assert.match(at("mcps[5].url")[0]!.message, /required for the auto transport/);
  });

  it("command and url may not be mixed across transports", async () => {
    const { at } = await problemsOf({
      mcps: [
        { name: "a", command: "node", url: "http://a/" },
        { name: "b", transport: "sse", url: "http://b/", command: "node" },
      ],
      mcpServers: { c: { type: "sse", transport: "stdio", command: "x" } },
    });
    assert.match(at("mcps[0].url")[0]!.message, /not used by the stdio transport/);
    assert.match(at("mcps[1].command")[0]!.message, /only used by the stdio transport/);
    assert.match(at("mcpServers.c.type")[0]!.message, /contradicts transport "stdio"/);
  });

  it("unknown keys are problems with a did-you-mean hint in mcps: (typo protection)", async () => {
    const { at } = await problemsOf({
      tool_seperator: "-",
      mcps: [
        {
          name: "a",
          url: "http://a/",
          reconect_interval: 3,
          headerz: {},
          tls: { insecur: true },
          tools: { alow: ["x"] },
          zzzzzzzzzz: 1,
        },
      ],
    });
    assert.match(at("tool_seperator")[0]!.message, /did you mean "tool_separator"/);
    assert.match(at("mcps[0].reconect_interval")[0]!.message, /did you mean "reconnect_interval"/);
    assert.match(at("mcps[0].headerz")[0]!.message, /did you mean "headers"/);
    assert.match(at("mcps[0].tls.insecur")[0]!.message, /did you mean "insecure"/);
    assert.match(at("mcps[0].tools.alow")[0]!.message, /did you mean "allow"/);
    assert.equal(at("mcps[0].zzzzzzzzzz")[0]!.message, 'unknown key "zzzzzzzzzz"');
  });

  it("type errors in every field are reported", async () => {
    const { at, problems } = await problemsOf({
      tool_separator: "",
      mcps: [
        {
          name: "a",
          url: "http://a/",
          headers: ["not", "a", "map"],
          enabled: "maybe",
          tools: { allow: "x" },
          tls: { ca: 5, insecure: "yes" },
          args: "--flag",
          env: { A: { nested: true } },
          secret_headers: "x",
          ping_interval: -1,
          encryption_key: "too-short",
        },
      ],
    });
    for (const path of [
      "tool_separator",
      "mcps[0].headers",
      "mcps[0].enabled",
      "mcps[0].tools.allow",
      "mcps[0].tls.ca",
      "mcps[0].tls.insecure",
      "mcps[0].args",
      "mcps[0].env.A",
      "mcps[0].secret_headers",
      "mcps[0].ping_interval",
      "mcps[0].encryption_key",
    ]) {
      assert.equal(at(path).length, 1, `${path} in ${JSON.stringify(problems)}`);
    }
    assert.match(at("mcps[0].encryption_key")[0]!.message, /not a valid Fernet key/);
  });

  it("times beyond the timer limit are refused; tiny positive times stay positive", async () => {
    const { at } = await problemsOf({
      mcps: [{ name: "a", url: "http://a/", timeout: 3e9, ping_interval: 1e10 }],
    });
    assert.match(at("mcps[0].timeout")[0]!.message, /at most 2147483 seconds/);
    assert.match(at("mcps[0].ping_interval")[0]!.message, /at most 2147483 seconds/);
    const config = await loadConfig({
      mcps: [{ name: "a", url: "http://a/", timeout: 0.0001, ping_interval: 0 }],
    });
    assert.equal(config.servers[0]!.timeoutMs, 1);
    assert.equal(config.servers[0]!.pingIntervalMs, 0);
  });

  it("a non-object config is CONFIG_INVALID, not a crash", async () => {
    for (const bad of [null, [], 42, "mcps"]) {
      await assert.rejects(parseConfig(JSON.stringify(bad), { format: "json" }), (error: unknown) =>
        isMcpSseError(error, "CONFIG_INVALID"),
      );
    }
    await assert.rejects(loadConfig(null as unknown as object), (error: unknown) =>
      isMcpSseError(error, "CONFIG_INVALID"),
    );
  });

  it("the root must have mcps: or mcpServers:", async () => {
    const { problems } = await problemsOf({ servers: [] });
    assert.equal(problems.find((p) => p.path === "<root>")?.message.includes("mcps:"), true);
    assert.equal(problems.find((p) => p.path === "servers")?.message, 'unknown key "servers"');
  });
});

describe("config: secrets never appear in errors", () => {
  const SECRET = "sk-live-DO-NOT-LEAK-1234567890";

  it("header values, encryption keys and secret-derived urls stay out of the message and details", async () => {
    const { error } = await problemsOf(
      {
        mcps: [
          {
            name: "leaky",
            transport: "bogus",
            url: "${SECRET_URL}",
            headers: {
              Authorization: `Bearer ${SECRET}`,
              "X-Api-Key": SECRET,
              Count: { bad: SECRET },
            },
            encryption_key: `${SECRET}`,
            timeout: "soon",
          },
          {
            name: "leaky2",
            url: "ftp://user:${PASSWORD}@h/",
            headers: { Authorization: SECRET },
            max_reconnects: -1,
          },
        ],
      },
      { SECRET_URL: `not a url ${SECRET}`, PASSWORD: SECRET },
    );
    assert.ok(error.message.split("\n").length >= 6, error.message);
    assert.ok(!error.message.includes(SECRET), error.message);
    assert.ok(!JSON.stringify(error.details).includes(SECRET));
    assert.ok(!String(error.stack).includes(SECRET));
  });

  it("a valid encryption key is accepted (and only appears in the result)", async () => {
    const config = await loadConfig({
      mcps: [{ name: "e", url: "http://e/", encryption_key: KEY }],
    });
    assert.equal(config.servers[0]!.encryptionKey, KEY);
  });

  it("text configs are validated the same way, with the source in the message", async () => {
    await assert.rejects(
      parseConfig("mcps:\n  - name: x\n    url: gopher://h/\n", { source: "team.yaml" }),
      (error: unknown) => {
        assert.ok(isMcpSseError(error, "CONFIG_INVALID"));
        assert.equal(error.details["source"], "team.yaml");
        assert.match(
          error.message,
          /^Invalid mcp-sse config team\.yaml: 1 problem\n {2}- mcps\[0\]\.url \(server "x"\)/,
        );
        return true;
      },
    );
  });
});
