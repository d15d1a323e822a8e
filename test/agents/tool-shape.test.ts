/** The schema every adapter gives the model (src/agents/tool-shape.ts `schemaForModel`). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { schemaForModel } from "../../src/agents/tool-shape.js";

describe("schemaForModel", () => {
  it("a bare object schema gets empty properties; $schema is dropped", () => {
    assert.deepEqual(
      schemaForModel({ type: "object", $schema: "http://json-schema.org/draft-07/schema#" }),
      { type: "object", properties: {} },
    );
  });

  it("local $refs are inlined (siblings of the $ref win) and $defs/definitions removed", () => {
    const schema = {
      type: "object",
      properties: {
        where: { $ref: "#/$defs/Place", description: "where to look" },
        when: { $ref: "#/definitions/Range" },
      },
      required: ["where"],
      $defs: { Place: { type: "object", properties: { city: { type: "string" } } } },
      definitions: { Range: { type: "array", items: { type: "string" } } },
    };
    assert.deepEqual(schemaForModel(schema), {
      type: "object",
      properties: {
        where: {
          type: "object",
          properties: { city: { type: "string" } },
          description: "where to look",
        },
        when: { type: "array", items: { type: "string" } },
      },
      required: ["where"],
    });
  });

  it("a recursive type is written out once, then accepts any value; a remote $ref is kept", () => {
    const schema = {
      type: "object",
      properties: { tree: { $ref: "#/$defs/Node" }, other: { $ref: "https://example.com/s.json" } },
      $defs: {
        Node: {
          type: "object",
          properties: { children: { type: "array", items: { $ref: "#/$defs/Node" } } },
        },
      },
    };
    const out = schemaForModel(schema) as { properties: Record<string, unknown> };
    assert.deepEqual(out.properties["tree"], {
      type: "object",
      properties: { children: { type: "array", items: {} } },
    });
    assert.deepEqual(out.properties["other"], { $ref: "https://example.com/s.json" });
  });
});
