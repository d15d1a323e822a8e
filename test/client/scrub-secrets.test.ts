import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { scrubEvent, scrubFailure } from "../../src/client/scrub-secrets.js";
import { McpSseError } from "../../src/errors.js";
import { secretValuesOf } from "../../src/sse/reader-http.js";

const secrets = secretValuesOf({
  Authorization: "Bearer tok-unit-91c2e0",
  "X-Api-Key": 'k"ey\\unit-77',
});

describe("scrubEvent / scrubFailure", () => {
  it("returns the event itself when it mentions no secret (no copy on the hot path)", () => {
    const event = {
      server: "a",
      type: "log",
      data: { progressToken: "p1", n: 1 },
      receivedAt: 1,
    };
    assert.equal(scrubEvent(event, secrets), event);
  });

  it("scrubs values in strings, keys, type and id, also values JSON would escape; field names stay", () => {
    const event = {
      server: "a",
      type: "x tok-unit-91c2e0",
      id: 'id-k"ey\\unit-77',
      data: { token: "fine", list: [{ [`k-tok-unit-91c2e0`]: "Bearer tok-unit-91c2e0" }] },
      receivedAt: 1,
    };
    const out = scrubEvent(event, secrets);
    assert.deepEqual(out, {
      server: "a",
      type: "x [REDACTED]",
      id: "id-[REDACTED]",
      data: { token: "fine", list: [{ "k-[REDACTED]": "[REDACTED]" }] },
      receivedAt: 1,
    });
  });

  it("scrubs data JSON would not show completely (a Map, an Error with a cause)", () => {
    const event = {
      server: "a",
      type: "t",
      data: {
        m: new Map([["k", "tok-unit-91c2e0"]]),
        e: new Error("x", { cause: new Error("tok-unit-91c2e0") }),
      },
      receivedAt: 1,
    };
    assert.ok(!JSON.stringify(scrubEvent(event, secrets)).includes("tok-unit"));
  });

  it("finds a secret below the plain walk's depth, in a cycle, and as a number's text", () => {
    let deep: Record<string, unknown> = { leaf: "Bearer tok-unit-91c2e0" };
    for (let i = 0; i < 100; i++) deep = { next: deep };
    const deepEvent = { server: "a", type: "t", data: deep, receivedAt: 1 };
    assert.ok(!JSON.stringify(scrubEvent(deepEvent, secrets)).includes("tok-unit"));

    const cyclic: Record<string, unknown> = { text: "tok-unit-91c2e0" };
    cyclic["self"] = cyclic;
    const cyclicEvent = { server: "a", type: "t", data: cyclic, receivedAt: 1 };
    assert.notEqual(scrubEvent(cyclicEvent, secrets), cyclicEvent);

    const numeric = secretValuesOf({ "X-Api-Key": "8675309" });
    const numberEvent = { server: "a", type: "t", data: { echoed: 8675309 }, receivedAt: 1 };
    assert.notEqual(
      scrubEvent(numberEvent, numeric),
      numberEvent,
      "a numeric key echoed as a number",
    );
  });

  it("scrubFailure keeps an error that mentions nothing, copies one that does (message, details, causes)", () => {
    const clean = new McpSseError("CLIENT_TIMEOUT", "slow");
    assert.equal(scrubFailure(clean, secrets), clean);
    const inner = Object.assign(new Error("denied tok-unit-91c2e0"), {
      code: -1,
      data: { echoed: ["tok-unit-91c2e0"] },
    });
    inner.name = "ProtocolError";
    const dirty = new McpSseError("CLIENT_TOOL_ERROR", "failed: denied tok-unit-91c2e0", {
      details: { rpcData: { deep: { echoed: "Bearer tok-unit-91c2e0" } } },
      cause: inner,
    });
    const out = scrubFailure(dirty, secrets);
    assert.ok(out instanceof McpSseError);
    assert.equal(out.code, "CLIENT_TOOL_ERROR");
    assert.equal(out.message, "failed: denied [REDACTED]");
    assert.deepEqual(out.details, { rpcData: { deep: { echoed: "[REDACTED]" } } });
    const cause = out.cause as Error & { code?: unknown; data?: unknown };
    assert.equal(cause.name, "ProtocolError");
    assert.equal(cause.code, -1);
    assert.deepEqual(cause.data, { echoed: ["[REDACTED]"] });
    assert.ok(!String(cause.stack).includes("tok-unit"));
  });
});
