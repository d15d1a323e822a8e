import assert from "node:assert/strict";
import { test } from "node:test";
import { requestTargetProblem } from "../../src/server/request-head.js";

/** What the check stands for: a path is served only when URL parsing would route it unchanged. */
function routedUnchanged(path: string): boolean {
  try {
    return new URL(path, "http://h").pathname === path;
  } catch {
    return false;
  }
}

test("requestTargetProblem's plain-path shortcut agrees with URL parsing for every character", () => {
  const chars = [];
  for (let c = 0x20; c < 0x7f; c++) chars.push(String.fromCharCode(c));
  chars.push("é", "\u2028", "\t", "%2e", "%2E", "%41", "..", ".");
  const shapes = (c: string) => [`/${c}`, `/a${c}b`, `/a/${c}`, `/${c}/mcp`, `/mcp${c}`];
  for (const c of chars) {
    for (const path of shapes(c)) {
      if (path.startsWith("//") || path.includes("?")) continue;
      assert.equal(
        requestTargetProblem(path) === undefined,
        routedUnchanged(path),
        `path ${JSON.stringify(path)}`,
      );
    }
  }
});

test("requestTargetProblem: the query is not part of the path check", () => {
  assert.equal(requestTargetProblem("/messages?sessionId=a.b/../c%2e"), undefined);
  assert.ok(requestTargetProblem("/a/../messages?sessionId=x"));
});
