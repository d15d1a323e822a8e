/**
 * Fernet (https://github.com/fernet/spec/blob/master/Spec.md), compatible with Python's
 * `cryptography.fernet`. WebCrypto only (`globalThis.crypto.subtle`), so this runs in Node
 * 20+ and browsers alike; that makes every operation async.
 *
 * Token layout (then url-safe base64):
 *   0x80 ‖ timestamp (u64 BE, unix s) ‖ IV (16) ‖ AES-128-CBC/PKCS7 ciphertext ‖ HMAC-SHA256 (32)
 * The HMAC covers everything before it and is keyed with the first half of the key; the
 * second half is the AES key.
 */
import { McpSseError } from "../errors.js";
import { decodeBase64Url, encodeBase64Url } from "./base64url.js";
import {
  FERNET_INVALID_IV,
  FERNET_INVALID_KEY,
  FERNET_INVALID_TIME,
  FERNET_INVALID_TOKEN,
  FERNET_TOKEN_EXPIRED,
  FERNET_UNSUPPORTED,
  type FernetInvalidReason,
} from "./errors.js";

/** The only token version the spec defines. */
export const FERNET_VERSION = 0x80;
/**
 * With a TTL, a token stamped more than this many seconds in the future is rejected
 * (Python's `_MAX_CLOCK_SKEW`).
 */
export const FERNET_MAX_CLOCK_SKEW_S = 60;

const HEADER_LEN = 1 + 8 + 16; // version ‖ timestamp ‖ IV
const HMAC_LEN = 32;
const BLOCK = 16;

export interface EncryptOptions {
  /** Timestamp to stamp, unix seconds. Default: now. For tests and reproducible vectors. */
  now?: number;
  /** The 16-byte IV. Default: random. Only tests should pass one: never reuse an IV. */
  iv?: Uint8Array;
}

export interface DecryptOptions {
  /**
   * Reject tokens older than this many seconds (`timestamp + ttl < now`), and tokens stamped
   * more than `FERNET_MAX_CLOCK_SKEW_S` in the future. Default: no age check (like Python's
   * `ttl=None`).
   */
  ttlSeconds?: number;
  /** The current time, unix seconds. Default: the system clock. For tests. */
  now?: number;
}

interface Keys {
  signing: CryptoKey;
  encryption: CryptoKey;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) {
    throw new McpSseError(
      FERNET_UNSUPPORTED,
      "WebCrypto (globalThis.crypto.subtle) is not available in this runtime; Fernet needs it (Node 20+, or a browser in a secure context)",
    );
  }
  return s;
}

// Importing keys costs a little on every event; keep the few recently used ones.
const KEY_CACHE_SIZE = 8;
const keyCache = new Map<string, Promise<Keys>>();

function importKeys(key: string): Promise<Keys> {
  const cached = keyCache.get(key);
  if (cached) return cached;
  if (typeof key !== "string") {
    throw new McpSseError(FERNET_INVALID_KEY, "Fernet key must be a string (url-safe base64)");
  }
  const raw = decodeBase64Url(key);
  if (raw?.length !== 32) {
    // Never echo the key: say only what shape was expected.
    throw new McpSseError(
      FERNET_INVALID_KEY,
      "Fernet key must be 32 bytes encoded as url-safe base64 (44 characters with padding); generate one with generateKey()",
      { details: raw ? { decodedLength: raw.length } : {} },
    );
  }
  const s = subtle();
  const pending = Promise.all([
    s.importKey("raw", raw.slice(0, 16), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
    s.importKey("raw", raw.slice(16, 32), { name: "AES-CBC" }, false, ["encrypt", "decrypt"]),
  ]).then(([signing, encryption]) => ({ signing, encryption }));
  if (keyCache.size >= KEY_CACHE_SIZE) {
    const oldest = keyCache.keys().next();
    if (!oldest.done) keyCache.delete(oldest.value);
  }
  keyCache.set(key, pending);
  pending.catch(() => keyCache.delete(key));
  return pending;
}

function invalid(reason: FernetInvalidReason, message: string, cause?: unknown): McpSseError {
  return new McpSseError(FERNET_INVALID_TOKEN, `Invalid Fernet token: ${message}`, {
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Compare two equal-length MACs without an early exit (timing must not leak the prefix). */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A fresh key: 32 random bytes as url-safe base64 with padding (Python's `Fernet.generate_key()`). */
export function generateKey(): string {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  return encodeBase64Url(bytes);
}

/** Encrypt `plaintext` (a string is UTF-8 encoded) into a Fernet token. */
export async function encrypt(
  plaintext: string | Uint8Array,
  key: string,
  options: EncryptOptions = {},
): Promise<string> {
  const keys = await importKeys(key);
  const data = typeof plaintext === "string" ? new TextEncoder().encode(plaintext) : plaintext;
  const iv = new Uint8Array(BLOCK);
  if (options.iv === undefined) globalThis.crypto.getRandomValues(iv);
  else if (options.iv.length === BLOCK) iv.set(options.iv);
  else throw new McpSseError(FERNET_INVALID_IV, `Fernet IV must be ${BLOCK} bytes`);
  const now = options.now ?? nowSeconds();
  if (!Number.isFinite(now) || now < 0) {
    throw new McpSseError(FERNET_INVALID_TIME, "Fernet timestamp must be a non-negative number");
  }

  const s = subtle();
  // WebCrypto's AES-CBC applies PKCS#7 padding itself.
  const ciphertext = new Uint8Array(
    await s.encrypt({ name: "AES-CBC", iv }, keys.encryption, new Uint8Array(data)),
  );
  const token = new Uint8Array(HEADER_LEN + ciphertext.length + HMAC_LEN);
  const view = new DataView(token.buffer);
  token[0] = FERNET_VERSION;
  view.setBigUint64(1, BigInt(Math.floor(now)), false);
  token.set(iv, 9);
  token.set(ciphertext, HEADER_LEN);
  const signed = token.subarray(0, HEADER_LEN + ciphertext.length);
  const mac = new Uint8Array(await s.sign("HMAC", keys.signing, signed));
  token.set(mac, HEADER_LEN + ciphertext.length);
  return encodeBase64Url(token);
}

/**
 * Verify and decrypt a token to its raw bytes. Order: structure, then HMAC (constant time)
 * before anything is decrypted, then age, then AES. Throws `FERNET_INVALID_KEY`,
 * `FERNET_INVALID_TOKEN` or `FERNET_TOKEN_EXPIRED`; never returns partial plaintext.
 */
export async function decryptToBytes(
  token: string,
  key: string,
  options: DecryptOptions = {},
): Promise<Uint8Array> {
  const keys = await importKeys(key);
  if (typeof token !== "string") throw invalid("base64", "token must be a string");
  const bytes = decodeBase64Url(token);
  if (!bytes) throw invalid("base64", "not url-safe base64");
  if (bytes.length === 0 || bytes[0] !== FERNET_VERSION) {
    throw invalid(
      "version",
      `unsupported version byte (expected 0x${FERNET_VERSION.toString(16)})`,
    );
  }
  if (bytes.length < HEADER_LEN + HMAC_LEN) {
    throw invalid("length", `too short (${bytes.length} bytes)`);
  }

  const s = subtle();
  const macAt = bytes.length - HMAC_LEN;
  const expected = new Uint8Array(await s.sign("HMAC", keys.signing, bytes.subarray(0, macAt)));
  if (!constantTimeEqual(expected, bytes.subarray(macAt))) {
    throw invalid("hmac", "signature does not match (tampered, or encrypted with another key)");
  }

  const timestamp = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(1, false));
  if (options.ttlSeconds !== undefined) {
    const now = options.now ?? nowSeconds();
    // A NaN here would make every comparison false: the age check would silently pass.
    if (!Number.isFinite(options.ttlSeconds) || options.ttlSeconds < 0 || !Number.isFinite(now)) {
      throw new McpSseError(
        FERNET_INVALID_TIME,
        "Fernet ttlSeconds must be a non-negative number and now a finite number",
      );
    }
    if (timestamp + options.ttlSeconds < now) {
      throw new McpSseError(
        FERNET_TOKEN_EXPIRED,
        `Fernet token expired: created ${now - timestamp}s ago, TTL is ${options.ttlSeconds}s`,
        { details: { timestamp, now, ttlSeconds: options.ttlSeconds } },
      );
    }
    if (now + FERNET_MAX_CLOCK_SKEW_S < timestamp) {
      throw invalid(
        "future",
        `timestamp is ${timestamp - now}s in the future (more than the ${FERNET_MAX_CLOCK_SKEW_S}s clock skew allowed)`,
      );
    }
  }

  const ciphertext = bytes.slice(HEADER_LEN, macAt);
  if (ciphertext.length === 0 || ciphertext.length % BLOCK !== 0) {
    throw invalid("length", "ciphertext is not a whole number of AES blocks");
  }
  try {
    const iv = bytes.slice(9, HEADER_LEN);
    return new Uint8Array(await s.decrypt({ name: "AES-CBC", iv }, keys.encryption, ciphertext));
  } catch (error) {
    // WebCrypto rejects bad PKCS#7 padding with an OperationError; nothing is returned.
    throw invalid("padding", "decryption failed (bad padding)", error);
  }
}

/**
 * Verify and decrypt a token to its UTF-8 plaintext (async: WebCrypto is). Invalid UTF-8 is
 * `FERNET_INVALID_TOKEN` with reason `utf8`; use `decryptToBytes` for binary payloads.
 */
export async function decrypt(
  token: string,
  key: string,
  options: DecryptOptions = {},
): Promise<string> {
  const bytes = await decryptToBytes(token, key, options);
  try {
    // ignoreBOM keeps a leading U+FEFF, as Python's bytes.decode("utf-8") does.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw invalid("utf8", "decrypted payload is not valid UTF-8 (use decryptToBytes)", error);
  }
}
