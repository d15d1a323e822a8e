// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is the config syntax under test
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  DEFAULT_MAX_RECONNECTS,
  DEFAULT_PING_INTERVAL_S,
  DEFAULT_RECONNECT_INTERVAL_S,
  DEFAULT_TIMEOUT_S,
  DEFAULT_TOOL_SEPARATOR,
  loadConfig,
  type McpsConfig,
  parseConfig,
} from "../../src/config/index.js";
import { isMcpSseError } from "../../src/errors.js";
import type { Logger } from "../../src/logger.js";

const KEY = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
const PEM = (label: string) =>
  `-----BEGIN ${label}-----\nMIIBfake${label.length}\n-----END ${label}-----\n`;

function recordingLogger() {
  const lines: { level: string; obj: unknown; msg: string | undefined }[] = [];
  const log = (level: string) => (obj: object | string, msg?: string) => {
    lines.push({ level, obj, msg });
  };
  const logger: Logger = {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
  };
  return { logger, lines };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mcp-sse-config-"));
  await mkdir(join(dir, "certs"));
  await writeFile(join(dir, "certs", "ca.pem"), PEM("CERTIFICATE"));
  await writeFile(join(dir, "certs", "client.pem"), PEM("CERTIFICATE"));
  await writeFile(join(dir, "certs", "client.key"), PEM("PRIVATE KEY"));
  await writeFile(join(dir, "not-pem.txt"), "hello");
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("config: the seed format (mcps:)", () => {
  it("reads the seed example and converts seconds to ms", async () => {
    const file = join(dir, "seed.yaml");
    await writeFile(
      file,
      [
        "mcps:",
        "  - name: realtime",
        "    transport: sse",
        "    url: http://localhost:8000/sse",
        "    headers:",
        "      Authorization: Bearer ${TOKEN}",
        "    timeout: 30",
        "    reconnect_interval: 2.5",
        "    max_reconnects: 3",
      ].join("\n"),
    );
    const config = await loadConfig(file, { env: { TOKEN: "abc" } });
    assert.equal(config.source, file);
    assert.equal(config.toolSeparator, "__");
    assert.deepEqual(config.servers, [
      {
        name: "realtime",
        transport: "sse",
        url: "http://localhost:8000/sse",
        args: [],
        env: {},
        headers: { Authorization: "Bearer abc" },
        timeoutMs: 30_000,
        reconnectIntervalMs: 2_500,
        maxReconnects: 3,
        pingIntervalMs: 0,
        enabled: true,
        tools: {},
        secretHeaders: [],
        kind: "auto",
        rateLimitBackoffMs: 60_000,
        slowHandlerMs: 1000,
      },
    ]);
  });

  it("applies every default from the named constants", async () => {
    const config = await loadConfig({ mcps: [{ name: "a", url: "https://a.example/mcp" }] });
    const [s] = config.servers;
    assert.equal(config.toolSeparator, DEFAULT_TOOL_SEPARATOR);
    assert.equal(DEFAULT_TOOL_SEPARATOR, "__");
    assert.equal(config.source, "<object>");
    assert.equal(s!.transport, "auto");
    assert.equal(s!.timeoutMs, DEFAULT_TIMEOUT_S * 1000);
    assert.equal(s!.reconnectIntervalMs, DEFAULT_RECONNECT_INTERVAL_S * 1000);
    assert.equal(s!.maxReconnects, DEFAULT_MAX_RECONNECTS);
    assert.equal(s!.pingIntervalMs, DEFAULT_PING_INTERVAL_S * 1000);
    assert.deepEqual(
      [
        DEFAULT_TIMEOUT_S,
        DEFAULT_RECONNECT_INTERVAL_S,
        DEFAULT_MAX_RECONNECTS,
        DEFAULT_PING_INTERVAL_S,
      ],
      [30, 5, 10, 0],
    );
    assert.equal(s!.enabled, true);
    assert.deepEqual(s!.headers, {});
    assert.deepEqual(s!.tools, {});
    assert.deepEqual(s!.secretHeaders, []);
    assert.equal(s!.tls, undefined);
    assert.equal(s!.encryptionKey, undefined);
    assert.equal(s!.command, undefined);
  });

  it("reads every field", async () => {
    const config = await loadConfig(
      {
        tool_separator: ".",
        mcps: [
          {
            name: "full.server-1",
            transport: "http",
            url: "https://mcp.example/mcp",
            headers: { "X-Api-Key": "k", "X-Version": 2 },
            timeout: 12,
            reconnect_interval: 0.5,
            max_reconnects: 0,
            ping_interval: 15,
            enabled: false,
            tools: { allow: ["get_*"], deny: ["get_secret"] },
            tls: { ca: "certs/ca.pem", cert: "certs/client.pem", key: "certs/client.key" },
            encryption_key: KEY,
            secret_headers: ["X-Tenant"],
          },
          {
            name: "local",
            command: "node",
            args: ["server.js", 8080],
            env: { DEBUG: "1" },
            cwd: "servers/local",
          },
        ],
      },
      { cwd: dir },
    );
    assert.equal(config.toolSeparator, ".");
    const [full, local] = config.servers;
    assert.equal(full!.transport, "streamable-http");
    assert.deepEqual(full!.headers, { "X-Api-Key": "k", "X-Version": "2" });
    assert.equal(full!.timeoutMs, 12_000);
    assert.equal(full!.reconnectIntervalMs, 500);
    assert.equal(full!.maxReconnects, 0);
    assert.equal(full!.pingIntervalMs, 15_000);
    assert.equal(full!.enabled, false);
    assert.deepEqual(full!.tools, { allow: ["get_*"], deny: ["get_secret"] });
    assert.deepEqual(full!.tls, {
      insecure: false,
      ca: PEM("CERTIFICATE"),
      cert: PEM("CERTIFICATE"),
      key: PEM("PRIVATE KEY"),
    });
    assert.equal(full!.encryptionKey, KEY);
    assert.deepEqual(full!.secretHeaders, ["x-tenant"]);
    assert.equal(local!.transport, "stdio");
    assert.equal(local!.command, "node");
    assert.deepEqual(local!.args, ["server.js", "8080"]);
    assert.deepEqual(local!.env, { DEBUG: "1" });
    assert.equal(local!.cwd, join(dir, "servers/local"));
    assert.equal(local!.url, undefined);
  });

  it("normalizes every transport name", async () => {
    const names = ["sse", "http", "streamable-http", "auto"];
    const config = await loadConfig({
      mcps: [
        ...names.map((transport) => ({ name: transport, transport, url: "http://h/x" })),
        { name: "stdio", transport: "stdio", command: "x" },
      ],
    });
    assert.deepEqual(
      config.servers.map((s) => s.transport),
      ["sse", "streamable-http", "streamable-http", "auto", "stdio"],
    );
  });

  it("returns an already-loaded config unchanged", async () => {
    const loaded: McpsConfig = await loadConfig({ mcps: [{ name: "a", url: "http://h/" }] });
    assert.equal(await loadConfig(loaded), loaded);
  });
});

describe("config: the mcpServers format (Claude Desktop / Cursor)", () => {
  it("reads command, url and type entries; ignores other tools' keys", async () => {
    const file = join(dir, "claude_desktop_config.json");
    await writeFile(
      file,
      JSON.stringify({
        globalShortcut: "Ctrl+Space",
        otherTool: { template: "${NOT_OURS}" },
        mcpServers: {
          filesystem: {
            command: "npx",
            args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
            env: { LOG: "1" },
          },
          remote: { url: "https://remote.example/mcp", headers: { Authorization: "Bearer x" } },
          legacy: {
            type: "sse",
            url: "http://127.0.0.1:8000/sse",
            autoApprove: ["a"],
            notes: "uses ${SOMETHING_ELSE}",
          },
          streamable: { type: "streamable-http", url: "http://127.0.0.1:8000/mcp" },
          plain: { type: "http", url: "http://127.0.0.1:8000/mcp", disabled: true },
          explicit: { type: "stdio", command: "python", args: ["server.py"] },
        },
      }),
    );
    // Keys of other tools are not interpolated: their unset variables are not our problem.
    const config = await loadConfig(file, { env: {} });
    const byName = Object.fromEntries(config.servers.map((s) => [s.name, s]));
    assert.deepEqual(Object.keys(byName), [
      "filesystem",
      "remote",
      "legacy",
      "streamable",
      "plain",
      "explicit",
    ]);
    assert.equal(byName["filesystem"]!.transport, "stdio");
    assert.deepEqual(byName["filesystem"]!.args, [
      "-y",
      "@modelcontextprotocol/server-filesystem",
      "/tmp",
    ]);
    assert.deepEqual(byName["filesystem"]!.env, { LOG: "1" });
    assert.equal(byName["remote"]!.transport, "auto");
    assert.deepEqual(byName["remote"]!.headers, { Authorization: "Bearer x" });
    assert.equal(byName["legacy"]!.transport, "sse");
    assert.equal(byName["streamable"]!.transport, "streamable-http");
    assert.equal(byName["plain"]!.transport, "streamable-http");
    assert.equal(byName["plain"]!.enabled, false);
    assert.equal(byName["explicit"]!.transport, "stdio");
    assert.equal(byName["remote"]!.timeoutMs, DEFAULT_TIMEOUT_S * 1000);
  });

  it("a server named in both mcps and mcpServers is a duplicate", async () => {
    await assert.rejects(
      loadConfig({
        mcps: [{ name: "x", url: "http://h/" }],
        mcpServers: { x: { url: "http://h/" } },
      }),
      (error: unknown) => {
        assert.ok(isMcpSseError(error, "CONFIG_INVALID"));
        assert.match(
          error.message,
          /mcpServers\.x\.name \(server "x"\): duplicate server name "x": also used by mcps\[0\]/,
        );
        return true;
      },
    );
  });
});

describe("config: files", () => {
  it("reads JSON by extension, YAML by extension, and sniffs other extensions", async () => {
    const json = join(dir, "c.json");
    const yml = join(dir, "c.yml");
    const sniffJson = join(dir, "c.conf");
    const sniffYaml = join(dir, "c.txt");
    const body = { mcps: [{ name: "j", url: "http://h/" }] };
    await writeFile(json, JSON.stringify(body, null, 2));
    await writeFile(yml, "mcps:\n  - name: j\n    url: http://h/\n");
    await writeFile(sniffJson, `\uFEFF  ${JSON.stringify(body)}`);
    await writeFile(sniffYaml, "mcps:\n  - {name: j, url: 'http://h/'}\n");
    for (const file of [json, yml, sniffJson, sniffYaml]) {
      const config = await loadConfig(file);
      assert.equal(config.servers[0]!.name, "j", file);
      assert.equal(config.source, file);
    }
  });

  it("resolves a relative path against options.cwd, and TLS files against the config's directory", async () => {
    await mkdir(join(dir, "sub"), { recursive: true });
    await writeFile(
      join(dir, "sub", "tls.yaml"),
      "mcps:\n  - name: t\n    url: https://h/\n    tls:\n      ca: ../certs/ca.pem\n",
    );
    const config = await loadConfig("sub/tls.yaml", { cwd: dir });
    assert.equal(config.servers[0]!.tls?.ca, PEM("CERTIFICATE"));
    assert.equal(config.servers[0]!.tls?.insecure, false);
  });

  it("YAML anchors and merge keys share settings between servers", async () => {
    const shared = await parseConfig(
      [
        "x-defaults: &defaults",
        "  timeout: 9",
        "  headers: { X-Team: red }",
        "mcps:",
        "  - { <<: *defaults, name: a, url: 'http://a/' }",
        "  - { <<: *defaults, name: b, url: 'http://b/', timeout: 2 }",
      ].join("\n"),
    );
    assert.deepEqual(
      shared.servers.map((s) => [s.name, s.timeoutMs, s.headers["X-Team"]]),
      [
        ["a", 9000, "red"],
        ["b", 2000, "red"],
      ],
    );
    // Other unknown top-level keys stay problems in the mcps format.
    const rejected = await parseConfig(
      "defaults: &d\n  timeout: 9\nmcps:\n  - { <<: *d, name: a, url: 'http://a/' }\n",
    ).catch((error: unknown) => error);
    assert.ok(isMcpSseError(rejected, "CONFIG_INVALID"));
    assert.match(rejected.message, /defaults: unknown key "defaults"/);
    const ok = await parseConfig(
      [
        "mcps:",
        "  - &first { name: a, url: 'http://a/', timeout: 9, headers: { X-Team: blue } }",
        "  - { <<: *first, name: b, timeout: 1 }",
      ].join("\n"),
    );
    assert.deepEqual(
      ok.servers.map((s) => [s.name, s.url, s.timeoutMs, s.headers["X-Team"]]),
      [
        ["a", "http://a/", 9000, "blue"],
        ["b", "http://a/", 1000, "blue"],
      ],
    );
  });

  it("a JSON key __proto__ is an unknown key, not a prototype", async () => {
    await assert.rejects(
      parseConfig('{"mcps": [{"name": "a", "url": "http://a/", "__proto__": {"timeout": 1}}]}'),
      (error: unknown) => {
        assert.ok(isMcpSseError(error, "CONFIG_INVALID"));
        assert.match(error.message, /mcps\[0\]\.__proto__ \(server "a"\): unknown key "__proto__"/);
        return true;
      },
    );
  });

  it("a missing file is CONFIG_NOT_FOUND with the path", async () => {
    const missing = join(dir, "nope", "mcps.yaml");
    await assert.rejects(loadConfig(missing), (error: unknown) => {
      assert.ok(isMcpSseError(error, "CONFIG_NOT_FOUND"));
      assert.equal(error.details["path"], missing);
      assert.ok(error.message.includes(missing));
      return true;
    });
  });

  it("a directory is CONFIG_READ_FAILED", async () => {
    await assert.rejects(loadConfig(dir), (error: unknown) =>
      isMcpSseError(error, "CONFIG_READ_FAILED"),
    );
  });

  it("a missing or non-PEM TLS file is a problem with the resolved path", async () => {
    await assert.rejects(
      loadConfig(
        {
          mcps: [
            {
              name: "t",
              url: "https://h/",
              tls: { ca: "missing.pem", cert: "not-pem.txt", key: "certs/client.key" },
            },
          ],
        },
        { cwd: dir },
      ),
      (error: unknown) => {
        assert.ok(isMcpSseError(error, "CONFIG_INVALID"));
        const problems = error.details["problems"] as { path: string; message: string }[];
        assert.deepEqual(problems.map((p) => p.path).sort(), [
          "mcps[0].tls.ca",
          "mcps[0].tls.cert",
        ]);
        assert.ok(error.message.includes(join(dir, "missing.pem")));
        assert.match(error.message, /not found/);
        assert.match(error.message, /is not PEM/);
        return true;
      },
    );
  });

  it("tls.insecure: true warns loudly, once per server, and never logs header values", async () => {
    const { logger, lines } = recordingLogger();
    const config = await loadConfig(
      {
        mcps: [
          {
            name: "a",
            url: "https://a/",
            tls: { insecure: true },
            headers: { Authorization: "Bearer SEKRIT" },
          },
          { name: "b", url: "https://b/", tls: { insecure: true } },
          { name: "c", url: "https://c/", tls: { insecure: false } },
        ],
      },
      { logger },
    );
    assert.equal(config.servers[0]!.tls?.insecure, true);
    const warns = lines.filter((l) => l.level === "warn");
    assert.equal(warns.length, 2);
    assert.match(warns[0]!.msg ?? "", /TLS CERTIFICATE VERIFICATION IS DISABLED for server "a"/);
    assert.match(warns[1]!.msg ?? "", /server "b"/);
    assert.ok(!JSON.stringify(lines).includes("SEKRIT"));
  });
});

describe("config: syntax errors", () => {
  it("a YAML syntax error is CONFIG_PARSE with line and column", async () => {
    const file = join(dir, "broken.yaml");
    await writeFile(file, "mcps:\n  - name: a\n    url: http://h/\n   bad: [1, 2\n");
    await assert.rejects(loadConfig(file), (error: unknown) => {
      assert.ok(isMcpSseError(error, "CONFIG_PARSE"));
      assert.equal(error.details["line"], 4);
      assert.equal(typeof error.details["column"], "number");
      assert.match(
        error.message,
        new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} as YAML at line 4, column \\d+`),
      );
      return true;
    });
  });

  it("duplicate YAML keys are a parse error (typo protection)", async () => {
    await assert.rejects(
      parseConfig("mcps:\n  - name: a\n    url: http://h/\n    url: http://i/\n"),
      (error: unknown) => {
        assert.ok(isMcpSseError(error, "CONFIG_PARSE"));
        assert.equal(error.details["line"], 4);
        return true;
      },
    );
  });

  it("a YAML error never quotes the offending line (it may hold a secret)", async () => {
    await assert.rejects(
      parseConfig("mcps:\n  - name: a\n    headers: {Authorization: Bearer SEKRIT\n"),
      (error: unknown) => {
        assert.ok(isMcpSseError(error, "CONFIG_PARSE"));
        assert.ok(!error.message.includes("SEKRIT"), error.message);
        return true;
      },
    );
  });

  it("a JSON syntax error is CONFIG_PARSE with line and column, without quoting the input", async () => {
    const text =
      '{\n  "mcps": [\n    {"name": "a", "headers": {"Authorization": "Bearer SEKRIT"},}\n  ]\n}';
    await assert.rejects(
      parseConfig(text, { format: "json", source: "x.json" }),
      (error: unknown) => {
        assert.ok(isMcpSseError(error, "CONFIG_PARSE"));
        assert.equal(error.details["line"], 3);
        assert.equal(error.details["column"], 65); // the `}` after the trailing comma
        assert.match(error.message, /^Cannot parse x\.json as JSON at line 3, column 65: /);
        assert.ok(!error.message.includes("SEKRIT"));
        return true;
      },
    );
    await assert.rejects(parseConfig('{"mcps": ', { format: "json" }), (error: unknown) => {
      assert.ok(isMcpSseError(error, "CONFIG_PARSE"));
      assert.equal(error.details["line"], 1);
      return true;
    });
  });

  it("an empty file is CONFIG_INVALID saying what is expected", async () => {
    await assert.rejects(parseConfig(""), (error: unknown) => {
      assert.ok(isMcpSseError(error, "CONFIG_INVALID"));
      assert.match(error.message, /mcps:/);
      return true;
    });
  });
});
