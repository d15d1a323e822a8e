/**
 * Tool names for the model APIs (src/agents/names.ts) and the adapters' option handling
 * (src/agents/options.ts): valid names, deterministic collision resolution, selection by
 * server, include and exclude globs, and typed errors for bad options.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  assignNames,
  MODEL_API_NAME_RULE,
  sanitizeName,
  shortHash,
} from "../../src/agents/names.js";
import { AGENTS_INVALID_OPTION, checkOptions, selectTools } from "../../src/agents/options.js";
import type { QualifiedTool } from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";

const VALID = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

describe("sanitizeName", () => {
  it("keeps a valid name and replaces what the APIs refuse", () => {
    assert.equal(sanitizeName("weather__forecast"), "weather__forecast");
    assert.equal(sanitizeName("my.server__get/forecast"), "my_server__get_forecast");
    assert.equal(sanitizeName("9lives"), "_9lives");
    assert.equal(sanitizeName(""), "_");
    assert.equal(sanitizeName("météo__prévision"), "m_t_o__pr_vision");
  });

  it("cuts a long name to 64 characters ending in the hash of the whole name", () => {
    const long = `${"a".repeat(70)}__tool`;
    const name = sanitizeName(long);
    assert.equal(name.length, MODEL_API_NAME_RULE.maxLength);
    assert.equal(name.endsWith(`_${shortHash(long)}`), true);
    assert.notEqual(sanitizeName(`${"a".repeat(70)}__other`), name);
    assert.match(name, VALID);
  });
});

describe("assignNames", () => {
  it("valid unique names are kept; colliding sanitised ones get the hash of their key", () => {
    const wanted = [
      { name: "a_b__t", key: "a_b__t" },
      { name: "a.b__t", key: "a.b__t" },
      { name: "a-b__t", key: "a-b__t" },
    ];
    const names = assignNames(wanted);
    assert.deepEqual(names, ["a_b__t", `a_b__t_${shortHash("a.b__t")}`, "a-b__t"]);
  });

  it("is deterministic: the same tool gets the same name in any order", () => {
    const wanted = [
      { name: "x.y", key: "s1__x.y" },
      { name: "x/y", key: "s2__x/y" },
      { name: "x_y", key: "s3__x_y" },
    ];
    const forward = assignNames(wanted);
    const backward = assignNames([...wanted].reverse()).reverse();
    assert.deepEqual(forward, backward);
    assert.equal(new Set(forward).size, 3);
    for (const name of forward) assert.match(name, VALID);
  });

  it("two tools wanting the same bare name (nameStyle tool) are told apart by their servers", () => {
    const names = assignNames([
      { name: "search", key: "docs__search" },
      { name: "search", key: "web__search" },
    ]);
    assert.deepEqual(names, [
      `search_${shortHash("docs__search")}`,
      `search_${shortHash("web__search")}`,
    ]);
  });
});

const tool = (server: string, name: string): QualifiedTool => ({
  server,
  name,
  qualifiedName: `${server}__${name}`,
  inputSchema: { type: "object" },
});

describe("checkOptions and selectTools", () => {
  const tools = [
    tool("demo", "realtime_monitor"),
    tool("demo", "weather_monitor"),
    tool("demo", "hang"),
    tool("other", "weather_monitor"),
  ];
  const select = (options: Parameters<typeof checkOptions>[1]) =>
    selectTools(tools, checkOptions("test", options)).map((t) => t.qualifiedName);

  it("servers, include and exclude (names or globs, qualified or bare); exclude wins", () => {
    assert.deepEqual(select({ servers: ["other"] }), ["other__weather_monitor"]);
    assert.deepEqual(select({ include: ["*_monitor"], exclude: ["other__*"] }), [
      "demo__realtime_monitor",
      "demo__weather_monitor",
    ]);
    assert.deepEqual(select({ include: ["demo__hang"] }), ["demo__hang"]);
    assert.deepEqual(select({ include: ["hang"], exclude: ["hang"] }), []);
    assert.equal(select({}).length, 4);
  });

  it("a bad option is AGENTS_INVALID_OPTION naming the adapter and the option", () => {
    const bad: [string, object][] = [
      ["servers", { servers: "demo" }],
      ["include", { include: [""] }],
      ["nameStyle", { nameStyle: "short" }],
      ["timeout", { timeout: 0 }],
      ["timeout", { timeout: 2 ** 31 }],
    ];
    for (const [option, options] of bad) {
      assert.throws(
        () => checkOptions("mcp-sse/ai", options),
        (e) =>
          isMcpSseError(e, AGENTS_INVALID_OPTION) &&
          e.details["option"] === option &&
          e.message.startsWith(`mcp-sse/ai: option "${option}"`),
      );
    }
  });
});
