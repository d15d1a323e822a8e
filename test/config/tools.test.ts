import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isToolAllowed, matchesToolPattern } from "../../src/config/index.js";

describe("config: tool filters", () => {
  it("matches exact names and * globs, with regex characters taken literally", () => {
    assert.ok(matchesToolPattern("get_weather", "get_weather"));
    assert.ok(!matchesToolPattern("get_weather", "get_weather2"));
    assert.ok(matchesToolPattern("get_*", "get_weather"));
    assert.ok(matchesToolPattern("*_monitor", "realtime_monitor"));
    assert.ok(matchesToolPattern("*", "anything"));
    assert.ok(!matchesToolPattern("a.b*", "axb1"));
    assert.ok(matchesToolPattern("a.b*", "a.b1"));
  });

  it("deny wins over allow; no allow list means everything not denied", () => {
    assert.ok(isToolAllowed({}, "x"));
    assert.ok(!isToolAllowed({ deny: ["x*"] }, "xy"));
    assert.ok(isToolAllowed({ deny: ["x*"] }, "yx"));
    assert.ok(isToolAllowed({ allow: ["a*"] }, "abc"));
    assert.ok(!isToolAllowed({ allow: ["a*"] }, "bc"));
    assert.ok(!isToolAllowed({ allow: ["a*"], deny: ["abc"] }, "abc"));
    assert.ok(!isToolAllowed({ allow: [] }, "a"));
  });
});
