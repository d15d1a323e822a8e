// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is the config syntax under test
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type ConfigProblem,
  DEFAULT_RATE_LIMIT_BACKOFF_S,
  DEFAULT_SERVER_KIND,
  loadConfig,
} from "../../src/config/index.js";
import { isMcpSseError } from "../../src/errors.js";

async function problems(config: object): Promise<ConfigProblem[]> {
  try {
    await loadConfig(config, { env: {} });
  } catch (error) {
    assert.ok(isMcpSseError(error, "CONFIG_INVALID"), String(error));
    return error.details["problems"] as ConfigProblem[];
  }
  assert.fail("expected CONFIG_INVALID");
}

describe("config: kind, rpc_url, rate_limit_backoff", () => {
  it("defaults: kind auto, no rpc url, the guide's 60 s rate-limit pause", async () => {
    const { servers } = await loadConfig({ mcps: [{ name: "a", url: "http://a/mcp/sse" }] });
    const [a] = servers;
    assert.equal(DEFAULT_SERVER_KIND, "auto");
    assert.equal(a?.kind, "auto");
    assert.equal(a?.rpcUrl, undefined);
    assert.equal(a?.rateLimitBackoffMs, DEFAULT_RATE_LIMIT_BACKOFF_S * 1000);
    assert.equal(a?.rateLimitBackoffMs, 60_000);
  });

  it("reads the three fields in both file shapes (seconds to ms, interpolated strings too)", async () => {
    const config = await loadConfig(
      {
        mcps: [
          {
            name: "feed",
            transport: "sse",
            kind: "feed",
            url: "http://h/events",
            rpc_url: "http://h/rpc",
            rate_limit_backoff: "${BACKOFF}",
          },
        ],
        mcpServers: { m: { url: "http://h/mcp", kind: "mcp", rate_limit_backoff: 0.5 } },
      },
      { env: { BACKOFF: "2.5" } },
    );
    const [feed, m] = config.servers;
    assert.deepEqual(
      [feed?.kind, feed?.rpcUrl, feed?.rateLimitBackoffMs],
      ["feed", "http://h/rpc", 2500],
    );
    assert.deepEqual([m?.kind, m?.rateLimitBackoffMs], ["mcp", 500]);
  });

  it("bad values are problems with their path and server name", async () => {
    const found = await problems({
      mcps: [
        { name: "a", url: "http://a/", kind: "stream" },
        { name: "b", url: "http://b/", rpc_url: "ftp://b/rpc" },
        { name: "c", url: "http://c/", rate_limit_backoff: 0 },
        { name: "d", url: "http://d/", rate_limit_backoff: "soon" },
      ],
    });
    const at = (path: string) => found.find((p) => p.path === path);
    assert.match(at("mcps[0].kind")?.message ?? "", /auto, mcp, feed/);
    assert.equal(at("mcps[0].kind")?.server, "a");
    assert.match(at("mcps[1].rpc_url")?.message ?? "", /http/);
    assert.equal(at("mcps[1].rpc_url")?.server, "b");
    assert.match(at("mcps[2].rate_limit_backoff")?.message ?? "", /> 0/);
    assert.match(at("mcps[3].rate_limit_backoff")?.message ?? "", /number/);
  });

  it("a feed needs a plain SSE transport; rpc_url is for feeds over HTTP only", async () => {
    const found = await problems({
      mcps: [
        { name: "s", transport: "stdio", command: "x", kind: "feed" },
        { name: "h", transport: "streamable-http", url: "http://h/", kind: "feed" },
        { name: "r", transport: "stdio", command: "x", rpc_url: "http://r/rpc" },
        { name: "m", url: "http://m/", kind: "mcp", rpc_url: "http://m/rpc" },
      ],
    });
    assert.deepEqual(
      found.map((p) => [p.path, p.server]),
      [
        ["mcps[0].kind", "s"],
        ["mcps[1].kind", "h"],
        ["mcps[2].rpc_url", "r"],
        ["mcps[3].rpc_url", "m"],
      ],
    );
  });

  it("a typo of the new keys gets a did-you-mean hint", async () => {
    const found = await problems({ mcps: [{ name: "a", url: "http://a/", rpc_ulr: "x" }] });
    assert.match(found[0]?.message ?? "", /did you mean "rpc_url"/);
  });
});
