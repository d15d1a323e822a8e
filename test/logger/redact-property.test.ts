/**
 * Property: a secret planted anywhere in a random value — objects, arrays, Maps, Errors with
 * causes and AggregateErrors, nested deep, under a secret header name, and (where the
 * redacting logger knows the configured values) inside any string or key — never appears in
 * what the logger writes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { redactingLogger } from "../../src/client/redacting-logger.js";
import { createJsonLogger } from "../../src/logger.js";
import { SECRET_HEADER_NAMES } from "../../src/redact.js";

/** A value's shape, with `secret` marking where the planted secret goes. */
type Shape =
  | { k: "plain"; text: string | number | boolean | null }
  | { k: "embed"; pre: string; post: string }
  | { k: "named"; name: string; inner: Shape }
  | { k: "pair"; name: string }
  | { k: "object"; entries: [string, Shape][]; secretKey: boolean }
  | { k: "array"; items: Shape[] }
  | { k: "map"; entries: [string, Shape][] }
  | { k: "error"; message: Shape; cause: Shape | null; extra: Shape }
  | { k: "aggregate"; errors: Shape[] }
  | { k: "deep"; levels: number; inner: Shape };

/** A name the logger must treat as secret: built-in (any case), or configured (`x-tenant`). */
function secretName(known: boolean) {
  const names = [...SECRET_HEADER_NAMES, "refresh_token", "clientSecret"];
  return fc
    .constantFrom(...(known ? [...names, "x-tenant"] : names))
    .chain((name) => fc.boolean().map((upper) => (upper ? name.toUpperCase() : name)));
}
/** Keys and texts that cannot contain the secret by chance (it has a marker). */
const plainText = fc.string({ maxLength: 12 });
const plainKey = fc
  .string({ maxLength: 8 })
  .filter((k) => !/token|secret|password|key|auth|cookie|tenant/i.test(k));

function shapes(known: boolean) {
  return fc.letrec<{ shape: Shape; str: Shape }>((tie) => ({
    str: known
      ? fc.oneof(
          plainText.map((text): Shape => ({ k: "plain", text })),
          fc.record({ k: fc.constant("embed" as const), pre: plainText, post: plainText }),
        )
      : plainText.map((text): Shape => ({ k: "plain", text })),
    shape: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      tie("str"),
      fc
        .oneof(fc.integer(), fc.boolean(), fc.constant(null))
        .map((text): Shape => ({ k: "plain", text })),
      fc.record({ k: fc.constant("named" as const), name: secretName(known), inner: tie("shape") }),
      fc.record({ k: fc.constant("pair" as const), name: secretName(known) }),
      fc.record({
        k: fc.constant("object" as const),
        entries: fc.array(fc.tuple(plainKey, tie("shape")), { maxLength: 4 }),
        secretKey: known ? fc.boolean() : fc.constant(false),
      }),
      fc.record({
        k: fc.constant("array" as const),
        items: fc.array(tie("shape"), { maxLength: 4 }),
      }),
      fc.record({
        k: fc.constant("map" as const),
        entries: fc.array(fc.tuple(plainKey, tie("shape")), { maxLength: 3 }),
      }),
      fc.record({
        k: fc.constant("error" as const),
        message: tie("str"),
        cause: fc.option(tie("shape"), { nil: null }),
        extra: tie("shape"),
      }),
      fc.record({
        k: fc.constant("aggregate" as const),
        errors: fc.array(tie("shape"), { maxLength: 3 }),
      }),
      fc.record({
        k: fc.constant("deep" as const),
        levels: fc.integer({ min: 1, max: 160 }),
        inner: tie("shape"),
      }),
    ),
  })).shape;
}

/** Build the value a shape describes, planting `secret`. */
function build(shape: Shape, secret: string): unknown {
  switch (shape.k) {
    case "plain":
      return shape.text;
    case "embed":
      return `${shape.pre}${secret}${shape.post}`;
    case "named":
      // Under a secret name the whole value goes, whatever it holds.
      return {
        [shape.name]: shape.inner.k === "plain" ? secret : [secret, build(shape.inner, secret)],
      };
    case "pair":
      return [shape.name, `Bearer ${secret}`];
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, inner] of shape.entries) out[key] = build(inner, secret);
      if (shape.secretKey) out[`key-${secret}`] = 1;
      return out;
    }
    case "array":
      return shape.items.map((item) => build(item, secret));
    case "map":
      return new Map(shape.entries.map(([key, inner]) => [key, build(inner, secret)]));
    case "error": {
      const message = String(build(shape.message, secret));
      const error =
        shape.cause === null
          ? new Error(message)
          : new Error(message, { cause: build(shape.cause, secret) });
      return Object.assign(error, { details: build(shape.extra, secret) });
    }
    case "aggregate":
      return new AggregateError(
        shape.errors.map((e) => build(e, secret)),
        "several",
      );
    case "deep": {
      let value = build(shape.inner, secret);
      for (let i = 0; i < shape.levels; i += 1) value = { next: value };
      return value;
    }
  }
}

/** A secret that random keys and texts cannot produce by chance. */
const secretValue = fc.stringMatching(/^[A-Za-z0-9]{8,24}$/).map((s) => `Zq7x${s}`);
const level = fc.constantFrom("debug", "info", "warn", "error" as const);

describe("redaction property", () => {
  it("the JSON logger never prints a value planted under a secret name, at any depth or in any container", () => {
    fc.assert(
      fc.property(shapes(false), secretValue, level, (shape, secret, lvl) => {
        const lines: string[] = [];
        const logger = createJsonLogger((line) => lines.push(line), "debug");
        logger[lvl]({ value: build(shape, secret) }, "message");
        const text = lines.join("");
        assert.ok(!text.includes(secret), text);
        JSON.parse(text);
      }),
      { numRuns: 300 },
    );
  });

  it("the redacting logger also cuts the configured header values out of every string and key", () => {
    fc.assert(
      fc.property(shapes(true), secretValue, secretValue, level, (shape, token, tenant, lvl) => {
        const lines: string[] = [];
        const headers = {
          Authorization: `Bearer ${token}`,
          "X-Tenant": tenant,
          Accept: "text/plain",
        };
        const log = redactingLogger(
          createJsonLogger((line) => lines.push(line), "debug"),
          ["x-tenant"],
          () => headers,
        );
        log[lvl](
          { a: build(shape, token), b: build(shape, tenant) },
          `said ${token} and ${tenant}`,
        );
        log[lvl](`plain ${token}`);
        const text = lines.join("");
        assert.ok(!text.includes(token), text);
        assert.ok(!text.includes(tenant), text);
      }),
      { numRuns: 300 },
    );
  });
});
