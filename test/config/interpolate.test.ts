// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is the config syntax under test
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { interpolateString, parseConfig } from "../../src/config/index.js";
import { ProblemList } from "../../src/config/problems.js";
import { isMcpSseError } from "../../src/errors.js";

function interp(text: string, env: Record<string, string | undefined>) {
  const problems = new ProblemList(() => "srv");
  const value = interpolateString(text, env, ["mcps", 0, "url"], problems);
  return { value, problems: problems.items };
}

describe("config: ${VAR} interpolation", () => {
  it("substitutes ${VAR} anywhere in a string, several times", () => {
    const r = interp("http://${HOST}:${PORT}/sse?h=${HOST}", { HOST: "h.example", PORT: "81" });
    assert.equal(r.value, "http://h.example:81/sse?h=h.example");
    assert.deepEqual(r.problems, []);
  });

  it("${VAR:-default} uses the default when VAR is unset or empty, the value otherwise", () => {
    assert.equal(interp("${A:-fallback}", {}).value, "fallback");
    assert.equal(interp("${A:-fallback}", { A: "" }).value, "fallback");
    assert.equal(interp("${A:-fallback}", { A: "set" }).value, "set");
    assert.equal(interp("${A:-}", {}).value, "");
    assert.equal(interp("${A:-a:-b c}", {}).value, "a:-b c");
  });

  it("${VAR} set to the empty string gives the empty string, not a problem", () => {
    const r = interp("x${A}y", { A: "" });
    assert.equal(r.value, "xy");
    assert.deepEqual(r.problems, []);
  });

  it("$$ is a literal $, and a lone $ stays as is", () => {
    assert.equal(interp("cost $$5 and $${NOT_A_VAR}", {}).value, "cost $5 and ${NOT_A_VAR}");
    assert.equal(interp("a $ b $x", {}).value, "a $ b $x");
  });

  it("an unset variable without default is a problem naming the variable, path and server", () => {
    const r = interp("Bearer ${API_TOKEN}", {});
    assert.equal(r.problems.length, 1);
    assert.equal(r.problems[0]!.path, "mcps[0].url");
    assert.equal(r.problems[0]!.server, "srv");
    assert.match(r.problems[0]!.message, /API_TOKEN is not set/);
  });

  it("bad syntax is a problem: invalid name, unterminated ${", () => {
    assert.match(interp("${1BAD}", {}).problems[0]!.message, /invalid variable reference/);
    assert.match(interp("${OPEN", { OPEN: "x" }).problems[0]!.message, /unterminated/);
  });

  it("text without $ is returned unchanged (property)", () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes("$")),
        (s) => {
          assert.equal(interp(s, {}).value, s);
        },
      ),
    );
  });

  it("interpolates every string value of a file (url, headers, args, env, tls paths), never keys", async () => {
    const config = await parseConfig(
      [
        "mcps:",
        "  - name: web",
        "    url: ${BASE}/sse",
        "    headers:",
        "      ${KEYNAME}: Bearer ${TOKEN}",
        "    timeout: ${TIMEOUT:-7}",
        "    enabled: ${ENABLED:-true}",
        "  - name: local",
        "    command: ${CMD}",
        "    args: [--port, '${PORT:-9}']",
        "    env: { HOME_DIR: '${HOME_DIR}' }",
      ].join("\n"),
      {
        env: { BASE: "https://api.example", TOKEN: "t0k", CMD: "node", HOME_DIR: "/h" },
      },
    );
    const [web, local] = config.servers;
    assert.equal(web!.url, "https://api.example/sse");
    assert.deepEqual(web!.headers, { "${KEYNAME}": "Bearer t0k" });
    assert.equal(web!.timeoutMs, 7000);
    assert.equal(web!.enabled, true);
    assert.equal(local!.command, "node");
    assert.deepEqual(local!.args, ["--port", "9"]);
    assert.deepEqual(local!.env, { HOME_DIR: "/h" });
  });

  it("a missing variable in a file is reported with path and server, once", async () => {
    await assert.rejects(
      parseConfig("mcps:\n  - name: web\n    url: ${MISSING_URL}\n", { env: {} }),
      (error: unknown) => {
        assert.ok(isMcpSseError(error, "CONFIG_INVALID"));
        const problems = error.details["problems"] as { path: string; server?: string }[];
        // Only the unset variable: not also "url is not a valid URL" for the empty result.
        assert.equal(problems.length, 1);
        assert.deepEqual(problems[0], {
          path: "mcps[0].url",
          server: "web",
          message:
            "environment variable MISSING_URL is not set (set it, or write ${MISSING_URL:-default})",
        });
        assert.match(
          error.message,
          /mcps\[0\]\.url \(server "web"\): environment variable MISSING_URL/,
        );
        return true;
      },
    );
  });
});
