import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import {
  decryptEvent,
  decryptPayload,
  encryptedPayloadOf,
  unwrapToken,
} from "../../src/client/decrypt-events.js";
import type { McpsEvent } from "../../src/client/events.js";
import { encrypt, generateKey } from "../../src/fernet/index.js";

/** Tokens made by Python's cryptography.fernet: test/fixtures/make-fernet-feed.py wrote them. */
const FEED = JSON.parse(
  readFileSync(new URL("../fixtures/fernet-feed.json", import.meta.url), "utf8"),
) as {
  key: string;
  payload: unknown;
  events: Record<"raw" | "base64" | "tampered", Record<string, unknown>>;
};

function feedEvent(data: Record<string, unknown>): McpsEvent {
  return { server: "feed", type: "data_update", data, id: String(data["id"]), receivedAt: 0 };
}

describe("decrypt-events", () => {
  it("an encrypted event's token is located once: decryptPayload uses what encryptedPayloadOf found (the manager and decryptEvent each searched the event)", async () => {
    const key = generateKey();
    const token = await encrypt(JSON.stringify({ temperature: 21.5 }), key);
    let reads = 0;
    const data = {
      event: "secret",
      get encrypted_payload() {
        reads += 1;
        return token;
      },
    };
    const event: McpsEvent = { server: "s", type: "secret", data, receivedAt: 0 };
    const found = encryptedPayloadOf(event);
    assert.ok(found !== undefined);
    const out = await decryptPayload(event, found, key);
    assert.deepEqual(out.data, { event: "secret", payload: { temperature: 21.5 } });
    assert.equal(reads, 1, "the token was read more than once");
  });

  it("finds a token nested in a plain log event's data, and nothing elsewhere", async () => {
    const key = generateKey();
    const token = await encrypt("plain text", key);
    const log: McpsEvent = {
      server: "s",
      type: "log",
      data: { level: "info", data: { encrypted_payload: token } },
      receivedAt: 0,
    };
    assert.deepEqual(encryptedPayloadOf(log), { token, nested: true });
    assert.deepEqual((await decryptEvent(log, key)).data, {
      level: "info",
      data: { payload: "plain text" },
    });
    const other: McpsEvent = { ...log, type: "progress" };
    assert.equal(encryptedPayloadOf(other), undefined);
    assert.equal(await decryptEvent(other, key), other);
  });

  it("decrypts Python-made tokens, raw and base64-wrapped, into `payload`; the rest of the event stays", async () => {
    for (const name of ["raw", "base64"] as const) {
      const source = FEED.events[name];
      const out = await decryptEvent(feedEvent(source), FEED.key);
      const { encrypted_payload: _token, ...rest } = source;
      assert.deepEqual(out.data, { ...rest, payload: FEED.payload }, name);
      assert.equal(out.id, source["id"]);
    }
    assert.ok(String(FEED.events.base64["encrypted_payload"]).startsWith("Z0FBQUFB"));
  });

  it("rejects the tampered Python token with CLIENT_EVENT_DECRYPT, no plaintext", async () => {
    await assert.rejects(decryptEvent(feedEvent(FEED.events.tampered), FEED.key), (error) => {
      const e = error as { code: string; details: { fernetCode: string }; message: string };
      assert.equal(e.code, "CLIENT_EVENT_DECRYPT");
      assert.equal(e.details.fernetCode, "FERNET_INVALID_TOKEN");
      assert.doesNotMatch(e.message, /celsius/);
      return true;
    });
  });

  it("unwrapToken: a raw token as is, a base64-wrapped one unwrapped, anything else untouched", () => {
    const raw = String(FEED.events.raw["encrypted_payload"]);
    assert.equal(unwrapToken(raw), raw);
    assert.equal(unwrapToken(String(FEED.events.base64["encrypted_payload"])), raw);
    assert.equal(unwrapToken("not base64 !!"), "not base64 !!");
    assert.equal(unwrapToken(btoa("hello")), btoa("hello"), "base64 of a non-token stays");
  });
});
