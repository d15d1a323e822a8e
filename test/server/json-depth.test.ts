import assert from "node:assert/strict";
import { test } from "node:test";
import { exceedsJsonDepth } from "../../src/server/json-depth.js";
import { hostHeaderProblem, requestTargetProblem } from "../../src/server/request-head.js";

const bytes = (text: string) => new TextEncoder().encode(text);

test("exceedsJsonDepth counts arrays and objects, not brackets in strings", () => {
  assert.equal(exceedsJsonDepth(bytes('{"a":[{"b":[1]}]}'), 4), false);
  assert.equal(exceedsJsonDepth(bytes('{"a":[{"b":[1]}]}'), 3), true);
  // An escaped quote does not end the string; an escaped backslash does not escape the quote.
  assert.equal(exceedsJsonDepth(bytes('["\\"[[[[", "\\\\", [[1]]]'), 3), false);
  assert.equal(exceedsJsonDepth(bytes('["\\\\"[[[[]]]]]'), 3), true);
  // Multi-byte UTF-8 never hides a bracket.
  assert.equal(exceedsJsonDepth(bytes('["é[{€", {"😀":[]}]'), 3), false);
  // Sibling containers do not add up.
  assert.equal(exceedsJsonDepth(bytes(`[${"[],".repeat(5000)}[]]`), 2), false);
  assert.equal(exceedsJsonDepth(bytes("[".repeat(100_000)), 0), false, "0 disables the bound");
});

test("requestTargetProblem: origin-form and already normalised only", () => {
  for (const ok of ["/mcp", "/messages?sessionId=a/../b", "/a%2Fb", "/mcp/"]) {
    assert.equal(requestTargetProblem(ok), undefined, ok);
  }
  for (const bad of [
    "*",
    "http://h/mcp",
    "//h/mcp",
    "/../mcp",
    "/a/./b",
    "/%2e%2E/x",
    "/a\\..\\mcp",
    "/a{b}",
  ]) {
    assert.ok(requestTargetProblem(bad), bad);
  }
});

test("hostHeaderProblem: exactly one Host, any case", () => {
  assert.equal(hostHeaderProblem(["Host", "a", "Accept", "*/*"]), undefined);
  assert.match(hostHeaderProblem(["Accept", "*/*"]) ?? "", /Missing/);
  assert.match(hostHeaderProblem(["host", "a", "HOST", "a"]) ?? "", /Several/);
});
