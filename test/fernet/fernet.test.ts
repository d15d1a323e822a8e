import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { isMcpSseError } from "../../src/errors.js";
import {
  type DecryptOptions,
  decodeBase64Url,
  decrypt,
  decryptAsync,
  decryptToBytes,
  decryptToBytesAsync,
  type EncryptOptions,
  encodeBase64Url,
  encrypt,
  encryptAsync,
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

/** An expected failure: the code, and for FERNET_INVALID_TOKEN the reason when known. */
interface Failure {
  code: string;
  reason?: string | undefined;
  /** Text the message must not contain (a key). */
  secret?: string | undefined;
}

function matches(error: unknown, failure: Failure): true {
  assert.ok(isMcpSseError(error, failure.code), `expected ${failure.code}, got ${String(error)}`);
  if (failure.reason !== undefined) assert.equal(error.details["reason"], failure.reason);
  if (failure.secret) {
    assert.ok(!error.message.includes(failure.secret), "message must not contain the key");
  }
  return true;
}

/**
 * One implementation under test. `run` gets the result of a call, asserting its calling
 * convention: the sync API returns a plain value (never a Promise), the async one a Promise.
 * `fails` asserts a typed failure: a synchronous throw for the sync API, a rejection (never a
 * synchronous throw) for the async one.
 */
interface Impl {
  name: string;
  encrypt(plaintext: string | Uint8Array, key: string, options?: EncryptOptions): unknown;
  decrypt(token: string, key: string, options?: DecryptOptions): unknown;
  decryptToBytes(token: string, key: string, options?: DecryptOptions): unknown;
  run<T>(call: () => unknown): Promise<T>;
  fails(call: () => unknown, failure: Failure): Promise<void>;
}

const syncImpl: Impl = {
  name: "sync (node:crypto)",
  encrypt,
  decrypt,
  decryptToBytes,
  async run<T>(call: () => unknown): Promise<T> {
    const value = call();
    assert.ok(!(value instanceof Promise), "the sync API must not return a Promise");
    return value as T;
  },
  async fails(call, failure) {
    assert.throws(call, (error: unknown) => matches(error, failure));
  },
};

const asyncImpl: Impl = {
  name: "async (WebCrypto)",
  encrypt: encryptAsync,
  decrypt: decryptAsync,
  decryptToBytes: decryptToBytesAsync,
  async run<T>(call: () => unknown): Promise<T> {
    const value = call();
    assert.ok(value instanceof Promise, "the *Async API must return a Promise");
    return (await value) as T;
  },
  async fails(call, failure) {
    // call() itself must not throw: errors of the async API are rejections.
    const value = call();
    assert.ok(value instanceof Promise, "the *Async API must return a Promise");
    await assert.rejects(value, (error: unknown) => matches(error, failure));
  },
};

/** The reason an invalid vector must carry, for the kinds of damage its description names. */
function reasonOf(desc: string): string | undefined {
  const rules: [RegExp, string][] = [
    [/hmac|ciphertext|wrong key/i, "hmac"],
    [/version/i, "version"],
    [/truncated/i, "length"],
    [/base64/i, "base64"],
  ];
  return rules.find(([re]) => re.test(desc))?.[1];
}

describe("fernet: public contract (sync, no await)", () => {
  const spec = vectors.valid[0]!;

  it('decrypt returns the plaintext string: assert.equal(decrypt(t, k, {now}), "hello")', () => {
    const now = spec.created_at;
    assert.equal(decrypt(spec.token, spec.secret, { now }), "hello");
    assert.equal(decrypt(spec.token, spec.secret, { ttlSeconds: 60, now }), "hello");
    assert.equal(typeof encrypt("hello", spec.secret), "string");
  });

  it("decrypt throws a typed error synchronously: assert.throws(() => decrypt(bad, k))", () => {
    assert.throws(
      () => decrypt(`${spec.token.slice(0, -6)}AAAA==`, spec.secret),
      (error: unknown) => isMcpSseError(error, "FERNET_INVALID_TOKEN"),
    );
    assert.throws(
      () => decrypt(spec.token, spec.secret, { ttlSeconds: 60, now: spec.created_at + 61 }),
      (error: unknown) => isMcpSseError(error, "FERNET_TOKEN_EXPIRED"),
    );
    assert.throws(
      () => decrypt(spec.token, "short"),
      (error: unknown) => isMcpSseError(error, "FERNET_INVALID_KEY"),
    );
  });
});

for (const impl of [syncImpl, asyncImpl]) {
  describe(`fernet ${impl.name}: Python vectors`, () => {
    it("has vectors to check", () => {
      assert.ok(vectors.valid.length > 0);
      assert.ok(vectors.invalid.length > 0);
    });

    for (const [i, v] of vectors.valid.entries()) {
      it(`decrypts valid vector ${i} (${JSON.stringify(v.plaintext.slice(0, 20))})`, async () => {
        assert.equal(await impl.run(() => impl.decrypt(v.token, v.secret)), v.plaintext);
        // With the TTL check at creation time too, and without base64 padding.
        const options = { ttlSeconds: 60, now: v.created_at };
        assert.equal(
          await impl.run(() => impl.decrypt(stripPadding(v.token), v.secret, options)),
          v.plaintext,
        );
        assert.equal(
          await impl.run(() => impl.decrypt(v.token, stripPadding(v.secret))),
          v.plaintext,
        );
      });
    }

    for (const v of vectors.invalid) {
      const code = /expired/i.test(v.desc) ? "FERNET_TOKEN_EXPIRED" : "FERNET_INVALID_TOKEN";
      it(`rejects invalid vector "${v.desc}" with ${code}`, async () => {
        const options = v.ttl_sec === null ? { now: v.now } : { now: v.now, ttlSeconds: v.ttl_sec };
        await impl.fails(() => impl.decrypt(v.token, v.secret, options), {
          code,
          reason: reasonOf(v.desc),
          secret: v.secret,
        });
      });
    }

    it("encrypt with the spec's iv and time reproduces the published spec token", async () => {
      const spec = vectors.valid[0]!;
      assert.equal(spec.plaintext, "hello");
      const iv = Uint8Array.from({ length: 16 }, (_, i) => i);
      const token = await impl.run(() =>
        impl.encrypt("hello", spec.secret, { iv, now: spec.created_at }),
      );
      assert.equal(token, spec.token);
    });

    it("encrypt reproduces every Python vector when given its iv and timestamp", async () => {
      for (const v of vectors.valid) {
        const iv = decodeBase64Url(v.token)!.slice(9, 25);
        const again = await impl.run(() =>
          impl.encrypt(v.plaintext, v.secret, { iv, now: v.created_at }),
        );
        assert.equal(again, v.token);
      }
    });
  });

  describe(`fernet ${impl.name}: round trip`, () => {
    it("decrypt(encrypt(x)) === x for any string (property)", async () => {
      const key = generateKey();
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 200 }), async (text) => {
          const token = await impl.run<string>(() => impl.encrypt(text, key));
          assert.equal(await impl.run(() => impl.decrypt(token, key)), text);
        }),
        { numRuns: 100 },
      );
    });

    it("decryptToBytes(encrypt(bytes)) returns the bytes (property)", async () => {
      const key = generateKey();
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 100 }), async (bytes) => {
          const token = await impl.run<string>(() => impl.encrypt(bytes, key));
          // deepEqual also checks the prototype: a plain Uint8Array, not a Buffer.
          assert.deepEqual(await impl.run(() => impl.decryptToBytes(token, key)), bytes);
        }),
        { numRuns: 50 },
      );
    });

    it("a random IV makes two encryptions of the same text differ", async () => {
      const key = generateKey();
      assert.notEqual(
        await impl.run(() => impl.encrypt("same", key)),
        await impl.run(() => impl.encrypt("same", key)),
      );
    });
  });

  describe(`fernet ${impl.name}: rejection`, () => {
    const key = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
    const now = 499162800;
    const iv = Uint8Array.from({ length: 16 }, (_, i) => 15 - i);
    // The same bytes from both implementations (checked by the cross-compatibility suite).
    const token = encrypt("secret payload", key, { now, iv });

    it("rejects keys of the wrong length, alphabet or type without echoing them", async () => {
      for (const bad of ["", "short", `${key}AAAA`, key.replace("_", "/"), "!".repeat(44)]) {
        const failure = { code: "FERNET_INVALID_KEY", secret: bad || undefined };
        await impl.fails(() => impl.decrypt(token, bad), failure);
        await impl.fails(() => impl.encrypt("x", bad), failure);
      }
      await impl.fails(() => impl.decrypt(token, 42 as unknown as string), {
        code: "FERNET_INVALID_KEY",
      });
    });

    it("verifies the HMAC before decrypting: every single flipped byte is rejected", async () => {
      const raw = decodeBase64Url(token)!;
      for (let i = 1; i < raw.length; i++) {
        const copy = raw.slice();
        copy[i]! ^= 0x01;
        await impl.fails(() => impl.decrypt(encodeBase64Url(copy), key), {
          code: "FERNET_INVALID_TOKEN",
          reason: "hmac",
        });
      }
    });

    it("names the reason: version, base64, length", async () => {
      const raw = decodeBase64Url(token)!;
      const v = raw.slice();
      v[0] = 0x81;
      const invalid = (reason: string) => ({ code: "FERNET_INVALID_TOKEN", reason });
      await impl.fails(() => impl.decrypt(encodeBase64Url(v), key), invalid("version"));
      await impl.fails(() => impl.decrypt("", key), invalid("version"));
      await impl.fails(() => impl.decrypt("gAAA*AAA", key), invalid("base64"));
      await impl.fails(() => impl.decrypt("gAAAAA+/", key), invalid("base64"));
      await impl.fails(() => impl.decrypt(42 as unknown as string, key), invalid("base64"));
      const short = encodeBase64Url(raw.slice(0, 40));
      await impl.fails(() => impl.decrypt(short, key), invalid("length"));
    });

    // Re-sign a modified body with the real signing key, so the token passes the HMAC.
    function forge(edit: (body: Uint8Array) => Uint8Array): string {
      const raw = decodeBase64Url(token)!;
      const body = edit(raw.slice(0, raw.length - 32));
      const mac = createHmac("sha256", decodeBase64Url(key)!.slice(0, 16)).update(body).digest();
      const forged = new Uint8Array(body.length + 32);
      forged.set(body);
      forged.set(mac, body.length);
      return encodeBase64Url(forged);
    }

    it("rejects a correctly signed token whose padding is wrong, with no plaintext", async () => {
      const forged = forge((body) => {
        body[body.length - 1]! ^= 0xff;
        return body;
      });
      const failure = { code: "FERNET_INVALID_TOKEN", reason: "padding" };
      await impl.fails(() => impl.decrypt(forged, key), failure);
      await impl.fails(() => impl.decryptToBytes(forged, key), failure);
    });

    it("rejects a correctly signed token whose ciphertext is not whole blocks", async () => {
      const failure = { code: "FERNET_INVALID_TOKEN", reason: "length" };
      const partial = forge((body) => body.slice(0, body.length - 1));
      await impl.fails(() => impl.decrypt(partial, key), failure);
      const empty = forge((body) => body.slice(0, 25));
      await impl.fails(() => impl.decrypt(empty, key), failure);
    });

    it("rejects a correctly signed non-UTF-8 payload with a clear error", async () => {
      const binary = new Uint8Array([0xff, 0xfe, 0x41]);
      const t = await impl.run<string>(() => impl.encrypt(binary, key, { now }));
      await impl.fails(() => impl.decrypt(t, key), {
        code: "FERNET_INVALID_TOKEN",
        reason: "utf8",
      });
      assert.deepEqual(await impl.run(() => impl.decryptToBytes(t, key)), binary);
    });

    it("TTL: valid up to ts + ttl, expired one second later (like Python)", async () => {
      const atLimit = { ttlSeconds: 10, now: now + 10 };
      assert.equal(await impl.run(() => impl.decrypt(token, key, atLimit)), "secret payload");
      await impl.fails(() => impl.decrypt(token, key, { ttlSeconds: 10, now: now + 11 }), {
        code: "FERNET_TOKEN_EXPIRED",
      });
      // A TTL of 0 accepts only the creation second itself.
      const zero = { ttlSeconds: 0, now };
      assert.equal(await impl.run(() => impl.decrypt(token, key, zero)), "secret payload");
    });

    it("TTL: rejects a token stamped beyond the allowed clock skew", async () => {
      const early = now - FERNET_MAX_CLOCK_SKEW_S;
      const atSkew = { ttlSeconds: 10, now: early };
      assert.equal(await impl.run(() => impl.decrypt(token, key, atSkew)), "secret payload");
      await impl.fails(() => impl.decrypt(token, key, { ttlSeconds: 10, now: early - 1 }), {
        code: "FERNET_INVALID_TOKEN",
        reason: "future",
      });
      // Without a TTL there is no time check at all (Python's ttl=None).
      assert.equal(await impl.run(() => impl.decrypt(token, key, { now: 0 })), "secret payload");
    });

    it("TTL is checked only for an authentic token (HMAC first)", async () => {
      const raw = decodeBase64Url(token)!;
      raw[raw.length - 1]! ^= 0x01;
      await impl.fails(
        () => impl.decrypt(encodeBase64Url(raw), key, { ttlSeconds: 1, now: now + 1000 }),
        { code: "FERNET_INVALID_TOKEN", reason: "hmac" },
      );
    });

    it("a NaN or negative TTL is refused instead of silently skipping the age check", async () => {
      const failure = { code: "FERNET_INVALID_TIME" };
      await impl.fails(() => impl.decrypt(token, key, { ttlSeconds: Number.NaN }), failure);
      await impl.fails(() => impl.decrypt(token, key, { ttlSeconds: -1 }), failure);
      const nanNow = { ttlSeconds: 5, now: Number.NaN };
      await impl.fails(() => impl.decrypt(token, key, nanNow), failure);
    });

    it("encrypt refuses an IV that is not 16 bytes and a bad timestamp", async () => {
      await impl.fails(() => impl.encrypt("x", key, { iv: new Uint8Array(8) }), {
        code: "FERNET_INVALID_IV",
      });
      await impl.fails(() => impl.encrypt("x", key, { now: -1 }), { code: "FERNET_INVALID_TIME" });
      await impl.fails(() => impl.encrypt("x", key, { now: Number.POSITIVE_INFINITY }), {
        code: "FERNET_INVALID_TIME",
      });
    });
  });
}

describe("fernet: the sync and WebCrypto implementations interoperate", () => {
  it("a token from encrypt decrypts with decryptAsync, and vice versa (property)", async () => {
    const key = generateKey();
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "grapheme", maxLength: 100 }), async (text) => {
        assert.equal(await decryptAsync(encrypt(text, key), key), text);
        assert.equal(decrypt(await encryptAsync(text, key), key), text);
      }),
      { numRuns: 50 },
    );
  });

  it("both produce the same bytes for the same key, iv and time", async () => {
    const key = generateKey();
    const options = { iv: new Uint8Array(16).fill(7), now: 1_700_000_000 };
    for (const text of ["", "x", "a".repeat(16), "é€𝄞 payload"]) {
      assert.equal(encrypt(text, key, options), await encryptAsync(text, key, options));
    }
    const bytes = new Uint8Array([0, 255, 128]);
    const token = await encryptAsync(bytes, key);
    assert.deepEqual(decryptToBytes(token, key), bytes);
    assert.deepEqual(await decryptToBytesAsync(encrypt(bytes, key), key), bytes);
  });
});

describe("fernet: keys and base64url", () => {
  it("generateKey returns 32 bytes of padded url-safe base64", () => {
    const key = generateKey();
    assert.equal(key.length, 44);
    assert.match(key, /^[A-Za-z0-9_-]{43}=$/);
    assert.equal(decodeBase64Url(key)!.length, 32);
    assert.notEqual(generateKey(), key);
  });

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

describe("fernet: runtimes without node:crypto (browsers)", () => {
  const fernetDir = new URL("../../src/fernet/", import.meta.url);

  it("src/fernet has no runtime import of a node: module, so it loads in a browser", () => {
    const files = readdirSync(fernetDir).filter((f) => f.endsWith(".ts"));
    assert.ok(files.includes("node.ts") && files.includes("webcrypto.ts"));
    for (const file of files) {
      const source = readFileSync(new URL(file, fernetDir), "utf8");
      for (const line of source.split("\n")) {
        if (/from\s+["']node:|import\s*\(\s*["']node:|require\(/.test(line)) {
          assert.match(line, /^import type /, `${file}: runtime node: import: ${line}`);
        }
      }
    }
  });

  it("without process.getBuiltinModule, the sync API throws FERNET_UNSUPPORTED and *Async works", () => {
    const index = new URL("index.ts", fernetDir).href;
    const script = `
      process.getBuiltinModule = undefined;
      const f = await import(${JSON.stringify(index)});
      const key = f.generateKey();
      const token = await f.encryptAsync("hi", key);
      let code = "none";
      try { f.decrypt(token, key); } catch (error) { code = error.code; }
      let encryptCode = "none";
      try { f.encrypt("hi", key); } catch (error) { encryptCode = error.code; }
      console.log(JSON.stringify({ code, encryptCode, plain: await f.decryptAsync(token, key) }));
    `;
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { cwd: fileURLToPath(new URL("../..", fernetDir)), encoding: "utf8", timeout: 60_000 },
    );
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout.trim()), {
      code: "FERNET_UNSUPPORTED",
      encryptCode: "FERNET_UNSUPPORTED",
      plain: "hi",
    });
  });
});
