import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseConfig } from "../../src/config/index.js";
import { locateJsonError } from "../../src/config/json-errors.js";
import { isMcpSseError } from "../../src/errors.js";

describe("locateJsonError: why and where a refused JSON config is not JSON", () => {
  const cases: [name: string, text: string, line: number, column: number, reason: RegExp][] = [
    [
      "a trailing comma in an array (V8 gives no position)",
      '{"a": [1, 2,]}',
      1,
      13,
      /trailing comma before '\]'/,
    ],
    ["a trailing comma in an object", '{\n  "a": 1,\n}', 3, 1, /trailing comma before '}'/],
    ["a single-quoted string", "{'a': 1}", 1, 2, /single quotes/],
    ["an unquoted key", "{\n  mcps: []\n}", 2, 3, /strings need double quotes/],
    ["a number JSON does not allow", '{"a": 01}', 1, 7, /JSON does not have/],
    ["a comment", '{"a": 1 # why\n}', 1, 9, /comment/],
    ["a raw tab inside a string", '{"a": "x\ty"}', 1, 9, /control character/],
    ["a missing ':'", '{"a" 1}', 1, 6, /./],
    ["text cut short", '{"mcps": [', 1, 11, /./],
    ["YAML anchors", '{"a": &x 1, "b": *x}', 1, 7, /YAML syntax/],
  ];
  for (const [name, text, line, column, reason] of cases) {
    it(name, () => {
      assert.throws(() => JSON.parse(text));
      const place = locateJsonError(text);
      assert.match(place.reason, reason);
      assert.deepEqual([place.line, place.column], [line, column]);
    });
  }

  it("never quotes the text it could not read (it may be a secret)", async () => {
    for (const text of ['{"token": SEKRIT}', "{'token': 'SEKRIT'}", '{"token": "SEK\tRIT"}']) {
      await assert.rejects(parseConfig(text, { format: "json", source: "c.json" }), (error) => {
        assert.ok(isMcpSseError(error, "CONFIG_PARSE"));
        assert.match(error.message, /^Cannot parse c\.json as JSON at line 1, column \d+: /);
        assert.ok(!error.message.includes("SEK"), error.message);
        return true;
      });
    }
  });
});
