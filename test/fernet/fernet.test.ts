import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isMcpSseError } from "../../src/errors.js";
import {
  decodeBase64Url,
  decrypt,
  decryptToBytes,
  encodeBase64Url,
  encrypt,
  FERNET_MAX_CLOCK_SKEW_S,
  generateKey,
} from "../../src/fernet/index.js";

interface ValidVector {
  secret: string;
  token: string;
  created_at: number;
  plaintext: string;
}
interface InvalidVector {
  desc: string;
  secret: string;
  token: string;
  now: number;
  ttl_sec: number | null;
}

// test/fernet/ → repo root → ../shared/vectors (CI has the folder beside the checkout).
const vectorsUrl = new URL("../../../shared/vectors/fernet.json", import.meta.url);
const vectors = JSON.parse(readFileSync(vectorsUrl, "utf8")) as {
  valid: ValidVector[];
  invalid: InvalidVector[];
};

function stripPadding(s: string): string {
  return s.replace(/=+$/, "");
}

async function rejectsWith(promise: Promise<unknown>, code: string, reason?: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isMcpSseError(error, code), `expected ${code}, got ${String(error)}`);
    if (reason !== undefined) assert.equal(error.details["reason"], reason);
    return true;
  });
}

describe("fernet: Python vectors", () => {
  it("has vectors to check", () => {
    assert.ok(vectors.valid.length > 0);
    assert.ok(vectors.invalid.length > 0);
  });

  for (const [i, v] of vectors.valid.entries()) {
    it(`decrypts valid vector ${i} (${JSON.stringify(v.plaintext.slice(0, 20))})`, async () => {
      assert.equal(await decrypt(v.token, v.secret), v.plaintext);
      // With the TTL check at creation time too, and without base64 padding.
      assert.equal(
        await decrypt(stripPadding(v.token), v.secret, { ttlSeconds: 60, now: v.created_at }),
        v.plaintext,
      );
      assert.equal(await decrypt(v.token, stripPadding(v.secret)), v.plaintext);
    });
  }

  for (const v of vectors.invalid) {
    const expected = /expired/i.test(v.desc) ? "FERNET_TOKEN_EXPIRED" : "FERNET_INVALID_TOKEN";
    it(`rejects invalid vector "${v.desc}" with ${expected}`, async () => {
      const options = v.ttl_sec === null ? { now: v.now } : { now: v.now, ttlSeconds: v.ttl_sec };
      await assert.rejects(decrypt(v.token, v.secret, options), (error: unknown) => {
        assert.ok(isMcpSseError(error, expected), `got ${String(error)}`);
        assert.ok(!error.message.includes(v.secret), "message must not contain the key");
        // The reason, for the kinds of damage the vector descriptions name.
        const reason = [
          [/hmac|ciphertext|wrong key/i, "hmac"],
          [/version/i, "version"],
          [/truncated/i, "length"],
          [/base64/i, "base64"],
        ].find(([re]) => (re as RegExp).test(v.desc))?.[1];
        if (reason !== undefined) assert.equal(error.details["reason"], reason);
        return true;
      });
    });
  }

  it("encrypt with the spec's iv and time reproduces the published spec token", async () => {
    const spec = vectors.valid[0]!;
    assert.equal(spec.plaintext, "hello");
    const iv = Uint8Array.from({ length: 16 }, (_, i) => i);
    const token = await encrypt("hello", spec.secret, { iv, now: spec.created_at });
    assert.equal(token, spec.token);
  });

  it("encrypt reproduces every Python vector when given its iv and timestamp", async () => {
    for (const v of vectors.valid) {
      const raw = decodeBase64Url(v.token)!;
      const iv = raw.slice(9, 25);
      const again = await encrypt(v.plaintext, v.secret, { iv, now: v.created_at });
      assert.equal(again, v.token);
    }
  });
});

describe("fernet: round trip", () => {
  it("decrypt(encrypt(x)) === x for any string (property)", async () => {
    const key = generateKey();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 200 }), async (text) => {
        assert.equal(await decrypt(await encrypt(text, key), key), text);
      }),
      { numRuns: 100 },
    );
  });

  it("decryptToBytes(encrypt(bytes)) returns the bytes (property)", async () => {
    const key = generateKey();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), async (bytes) => {
        assert.deepEqual(await decryptToBytes(await encrypt(bytes, key), key), bytes);
      }),
      { numRuns: 50 },
    );
  });

  it("a random IV makes two encryptions of the same text differ", async () => {
    const key = generateKey();
    assert.notEqual(await encrypt("same", key), await encrypt("same", key));
  });

  it("generateKey returns 32 bytes of padded url-safe base64", () => {
    const key = generateKey();
    assert.equal(key.length, 44);
    assert.match(key, /^[A-Za-z0-9_-]{43}=$/);
    assert.equal(decodeBase64Url(key)!.length, 32);
    assert.notEqual(generateKey(), key);
  });
});

describe("fernet: rejection", () => {
  const key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
  const now = 499162800;
  const tokenP = encrypt("secret payload", key, { now });

  it("rejects keys of the wrong length or alphabet without echoing them", async () => {
    for (const bad of ["", "short", `${key}AAAA`, key.replace("_", "/"), "!".repeat(44)]) {
      await assert.rejects(decrypt(await tokenP, bad), (error: unknown) => {
        assert.ok(isMcpSseError(error, "FERNET_INVALID_KEY"), `got ${String(error)}`);
        if (bad.length > 0) assert.ok(!error.message.includes(bad));
        return true;
      });
      await rejectsWith(encrypt("x", bad), "FERNET_INVALID_KEY");
    }
  });

  it("verifies the HMAC before decrypting: every single flipped byte is rejected", async () => {
    const raw = decodeBase64Url(await tokenP)!;
    for (let i = 1; i < raw.length; i++) {
      const copy = raw.slice();
      copy[i]! ^= 0x01;
      await rejectsWith(decrypt(encodeBase64Url(copy), key), "FERNET_INVALID_TOKEN", "hmac");
    }
  });

  it("names the reason: version, base64, length", async () => {
    const raw = decodeBase64Url(await tokenP)!;
    const v = raw.slice();
    v[0] = 0x81;
    await rejectsWith(decrypt(encodeBase64Url(v), key), "FERNET_INVALID_TOKEN", "version");
    await rejectsWith(decrypt("", key), "FERNET_INVALID_TOKEN", "version");
    await rejectsWith(decrypt("gAAA*AAA", key), "FERNET_INVALID_TOKEN", "base64");
    await rejectsWith(decrypt("gAAAAA+/", key), "FERNET_INVALID_TOKEN", "base64");
    await rejectsWith(
      decrypt(encodeBase64Url(raw.slice(0, 40)), key),
      "FERNET_INVALID_TOKEN",
      "length",
    );
  });

  it("rejects a correctly signed token whose padding is wrong, with no plaintext", async () => {
    // Sign a hand-made token whose ciphertext decrypts to garbage padding: use the
    // real token's structure but re-sign it after corrupting the last ciphertext block.
    const raw = decodeBase64Url(await tokenP)!;
    const signingKey = decodeBase64Url(key)!.slice(0, 16);
    const hmacKey = await crypto.subtle.importKey(
      "raw",
      signingKey,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign"],
    );
    const body = raw.slice(0, raw.length - 32);
    body[body.length - 1]! ^= 0xff;
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, body));
    const forged = new Uint8Array(raw.length);
    forged.set(body);
    forged.set(mac, body.length);
    await rejectsWith(decrypt(encodeBase64Url(forged), key), "FERNET_INVALID_TOKEN", "padding");
  });

  it("rejects a correctly signed non-UTF-8 payload with a clear error", async () => {
    const token = await encrypt(new Uint8Array([0xff, 0xfe, 0x41]), key, { now });
    await assert.rejects(decrypt(token, key), (error: unknown) => {
      assert.ok(isMcpSseError(error, "FERNET_INVALID_TOKEN"));
      assert.equal(error.details["reason"], "utf8");
      assert.match(error.message, /UTF-8/);
      return true;
    });
    assert.deepEqual(await decryptToBytes(token, key), new Uint8Array([0xff, 0xfe, 0x41]));
  });

  it("TTL: valid up to ts + ttl, expired one second later (like Python)", async () => {
    const token = await tokenP;
    assert.equal(await decrypt(token, key, { ttlSeconds: 10, now: now + 10 }), "secret payload");
    await rejectsWith(
      decrypt(token, key, { ttlSeconds: 10, now: now + 11 }),
      "FERNET_TOKEN_EXPIRED",
    );
  });

  it("TTL: rejects a token stamped beyond the allowed clock skew", async () => {
    const token = await tokenP;
    const early = now - FERNET_MAX_CLOCK_SKEW_S;
    assert.equal(await decrypt(token, key, { ttlSeconds: 10, now: early }), "secret payload");
    await rejectsWith(
      decrypt(token, key, { ttlSeconds: 10, now: early - 1 }),
      "FERNET_INVALID_TOKEN",
      "future",
    );
    // Without a TTL there is no time check at all (Python's ttl=None).
    assert.equal(await decrypt(token, key, { now: 0 }), "secret payload");
  });

  it("a NaN or negative TTL is refused instead of silently skipping the age check", async () => {
    const token = await tokenP;
    await rejectsWith(decrypt(token, key, { ttlSeconds: Number.NaN }), "FERNET_INVALID_TIME");
    await rejectsWith(decrypt(token, key, { ttlSeconds: -1 }), "FERNET_INVALID_TIME");
    await rejectsWith(
      decrypt(token, key, { ttlSeconds: 5, now: Number.NaN }),
      "FERNET_INVALID_TIME",
    );
  });

  it("encrypt refuses an IV that is not 16 bytes", async () => {
    await rejectsWith(encrypt("x", key, { iv: new Uint8Array(8) }), "FERNET_INVALID_IV");
  });
});

describe("fernet: base64url", () => {
  it("round-trips any bytes, padded and unpadded (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const enc = encodeBase64Url(bytes);
        assert.equal(enc, Buffer.from(bytes).toString("base64url").padEnd(enc.length, "="));
        assert.deepEqual(decodeBase64Url(enc), bytes);
        assert.deepEqual(decodeBase64Url(stripPadding(enc)), bytes);
      }),
    );
  });

  it("refuses non-canonical trailing bits and bad lengths", () => {
    assert.equal(decodeBase64Url("AB=="), undefined); // 'B' leaves non-zero bits
    assert.deepEqual(decodeBase64Url("AA=="), new Uint8Array([0]));
    assert.equal(decodeBase64Url("A"), undefined);
    assert.equal(decodeBase64Url("AAA=="), undefined);
  });
});
