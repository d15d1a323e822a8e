import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decryptEvent,
  decryptPayload,
  encryptedPayloadOf,
} from "../../src/client/decrypt-events.js";
import type { McpsEvent } from "../../src/client/events.js";
import { encrypt, generateKey } from "../../src/fernet/index.js";

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
    assert.deepEqual(out.data, { temperature: 21.5 });
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
    assert.deepEqual((await decryptEvent(log, key)).data, { level: "info", data: "plain text" });
    const other: McpsEvent = { ...log, type: "progress" };
    assert.equal(encryptedPayloadOf(other), undefined);
    assert.equal(await decryptEvent(other, key), other);
  });
});
