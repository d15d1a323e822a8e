/**
 * The JSON logger leaked secrets in arrays and below four levels of nesting (issue 11, item
 * 1): every value the logger writes goes through the one redaction walker (src/redact.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createJsonLogger } from "../../src/logger.js";

function capture() {
  const lines: string[] = [];
  return { lines, logger: createJsonLogger((line) => lines.push(line), "debug") };
}

describe("createJsonLogger redaction", () => {
  it("redacted objects but not arrays, and stopped after a few levels (both tokens printed)", () => {
    const { lines, logger } = capture();
    logger.info({
      headers: [{ Authorization: "Bearer S1-secret" }],
      a: { b: { c: { d: { e: { authorization: "Bearer S2-secret" } } } } },
    });
    const text = lines.join("");
    assert.ok(!text.includes("S1-secret"), text);
    assert.ok(!text.includes("S2-secret"), text);
    const line = JSON.parse(text);
    assert.deepEqual(line.headers, [{ Authorization: "[REDACTED]" }]);
    assert.equal(line.a.b.c.d.e.authorization, "[REDACTED]");
  });

  it("walks Maps, header tuples, Headers, Errors with their cause and AggregateError errors", () => {
    const { lines, logger } = capture();
    const cause = Object.assign(new Error("inner"), { details: { apiKey: "K-cause-1" } });
    const failure = new Error("outer", { cause });
    const aggregate = new AggregateError(
      [Object.assign(new Error("one"), { token: "T-agg-1" })],
      "many",
    );
    logger.error({
      map: new Map<unknown, unknown>([
        ["cookie", "C-map-1"],
        ["nested", { password: "P-map-1" }],
      ]),
      tuples: [["X-Api-Key", "K-tuple-1"]],
      headers: new Headers({ authorization: "Bearer H-obj-1" }),
      err: failure,
      agg: aggregate,
    });
    const text = lines.join("");
    for (const secret of ["C-map-1", "P-map-1", "K-tuple-1", "H-obj-1", "K-cause-1", "T-agg-1"])
      assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    const line = JSON.parse(text);
    assert.equal(line.err.message, "outer");
    assert.equal(line.err.cause.message, "inner");
    assert.equal(line.agg.errors[0].message, "one");
    assert.equal(line.map.nested.password, "[REDACTED]");
  });

  it("survives cycles and very deep values without printing what it cannot walk", () => {
    const { lines, logger } = capture();
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic["self"] = cyclic;
    let deep: Record<string, unknown> = {
      authorization: "Bearer deep-secret-1",
      note: "deep-plain-1",
    };
    for (let i = 0; i < 5000; i += 1) deep = { next: deep };
    logger.warn({ cyclic, deep });
    const text = lines.join("");
    assert.ok(!text.includes("deep-secret-1"), "the deep secret leaked");
    const line = JSON.parse(text);
    assert.equal(line.cyclic.self, "[Circular]");
  });

  it("redacts the bindings of a child logger too", () => {
    const { lines, logger } = capture();
    logger.child?.({ headers: { "x-api-key": "K-binding-1" } }).info("hello");
    assert.ok(!lines.join("").includes("K-binding-1"), lines.join(""));
  });
});
