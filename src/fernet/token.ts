/**
 * The Fernet token format and every check that does not need a cipher, shared by the
 * synchronous node:crypto implementation (`node.ts`) and the WebCrypto one (`webcrypto.ts`),
 * so both validate in the same order and fail with the same codes and reasons.
 *
 * Token layout (https://github.com/fernet/spec/blob/master/Spec.md), then url-safe base64:
 *   0x80 ‖ timestamp (u64 BE, unix s) ‖ IV (16) ‖ AES-128-CBC/PKCS7 ciphertext ‖ HMAC-SHA256 (32)
 * The HMAC covers everything before it and is keyed with the first half of the key; the
 * second half is the AES key.
 *
 * Order of checks when decrypting (both implementations): key, token structure (base64,
 * version, length), HMAC in constant time, then — only for an authentic token — age and
 * block structure, and last AES with its padding check.
 */
import { McpSseError } from "../errors.js";
import { decodeBase64Url, encodeBase64Url } from "./base64url.js";
import {
  FERNET_INVALID_IV,
  FERNET_INVALID_KEY,
  FERNET_INVALID_TIME,
  FERNET_INVALID_TOKEN,
  FERNET_TOKEN_EXPIRED,
  type FernetInvalidReason,
} from "./errors.js";

/** The only token version the spec defines. */
export const FERNET_VERSION = 0x80;
/**
 * With a TTL, a token stamped more than this many seconds in the future is rejected
 * (Python's `_MAX_CLOCK_SKEW`).
 */
export const FERNET_MAX_CLOCK_SKEW_S = 60;

/** AES block and IV size. */
export const BLOCK = 16;
const HEADER_LEN = 1 + 8 + BLOCK; // version ‖ timestamp ‖ IV
const HMAC_LEN = 32;

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

/** The two halves of a Fernet key. */
export interface RawKeys {
  signing: Uint8Array<ArrayBuffer>;
  encryption: Uint8Array<ArrayBuffer>;
}

/** What the cipher step of `encrypt` needs, validated. */
export interface EncryptInput {
  data: Uint8Array;
  iv: Uint8Array<ArrayBuffer>;
  timestamp: number;
}

/** A token whose structure is valid; not yet authenticated. */
export interface ParsedToken {
  /** Everything the HMAC covers. */
  signed: Uint8Array<ArrayBuffer>;
  /** The HMAC carried by the token (32 bytes). */
  mac: Uint8Array<ArrayBuffer>;
  timestamp: number;
  iv: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
}

/** A token laid out with a zeroed MAC slot, waiting for `sealToken`. */
export interface UnsignedToken {
  bytes: Uint8Array<ArrayBuffer>;
  /** The part to sign (a view into `bytes`). */
  signed: Uint8Array<ArrayBuffer>;
}

export function invalidToken(
  reason: FernetInvalidReason,
  message: string,
  cause?: unknown,
): McpSseError {
  return new McpSseError(FERNET_INVALID_TOKEN, `Invalid Fernet token: ${message}`, {
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

export function hmacMismatch(): McpSseError {
  return invalidToken("hmac", "signature does not match (tampered, or encrypted with another key)");
}

/** Both ciphers refuse bad PKCS#7 padding by throwing; nothing of the plaintext is returned. */
export function badPadding(cause: unknown): McpSseError {
  return invalidToken("padding", "decryption failed (bad padding)", cause);
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Split a url-safe base64 key into its signing and encryption halves. Never echoes the key. */
export function parseKey(key: unknown): RawKeys {
  if (typeof key !== "string") {
    throw new McpSseError(FERNET_INVALID_KEY, "Fernet key must be a string (url-safe base64)");
  }
  const raw = decodeBase64Url(key);
  if (raw?.length !== 32) {
    throw new McpSseError(
      FERNET_INVALID_KEY,
      "Fernet key must be 32 bytes encoded as url-safe base64 (44 characters with padding); generate one with generateKey()",
      { details: raw ? { decodedLength: raw.length } : {} },
    );
  }
  return { signing: raw.slice(0, 16), encryption: raw.slice(16, 32) };
}

/**
 * A fresh key: 32 random bytes as url-safe base64 with padding (Python's
 * `Fernet.generate_key()`). `crypto.getRandomValues` exists in Node 20+ and browsers alike.
 */
export function generateKey(): string {
  return encodeBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(32)));
}

/**
 * Validate `encrypt`'s options (IV, then time) and encode the plaintext. `randomIv` is called
 * only when no IV is given.
 */
export function prepareEncrypt(
  plaintext: string | Uint8Array,
  options: EncryptOptions,
  randomIv: () => Uint8Array,
): EncryptInput {
  const data = typeof plaintext === "string" ? new TextEncoder().encode(plaintext) : plaintext;
  const iv = new Uint8Array(BLOCK);
  const given = options.iv ?? randomIv();
  if (given.length !== BLOCK) {
    throw new McpSseError(FERNET_INVALID_IV, `Fernet IV must be ${BLOCK} bytes`);
  }
  iv.set(given);
  const now = options.now ?? nowSeconds();
  if (!Number.isFinite(now) || now < 0) {
    throw new McpSseError(FERNET_INVALID_TIME, "Fernet timestamp must be a non-negative number");
  }
  return { data, iv, timestamp: Math.floor(now) };
}

/** Lay out version ‖ timestamp ‖ IV ‖ ciphertext, leaving room for the MAC. */
export function layoutToken(input: EncryptInput, ciphertext: Uint8Array): UnsignedToken {
  const bytes = new Uint8Array(HEADER_LEN + ciphertext.length + HMAC_LEN);
  bytes[0] = FERNET_VERSION;
  new DataView(bytes.buffer).setBigUint64(1, BigInt(input.timestamp), false);
  bytes.set(input.iv, 1 + 8);
  bytes.set(ciphertext, HEADER_LEN);
  return { bytes, signed: bytes.subarray(0, HEADER_LEN + ciphertext.length) };
}

/** Put the MAC in its slot and encode the token (padded url-safe base64, as Python writes). */
export function sealToken(token: UnsignedToken, mac: Uint8Array): string {
  token.bytes.set(mac, token.signed.length);
  return encodeBase64Url(token.bytes);
}

/** Decode a token and check its structure: base64, then version, then length. */
export function parseToken(token: unknown): ParsedToken {
  if (typeof token !== "string") throw invalidToken("base64", "token must be a string");
  const bytes = decodeBase64Url(token);
  if (!bytes) throw invalidToken("base64", "not url-safe base64");
  if (bytes.length === 0 || bytes[0] !== FERNET_VERSION) {
    throw invalidToken(
      "version",
      `unsupported version byte (expected 0x${FERNET_VERSION.toString(16)})`,
    );
  }
  if (bytes.length < HEADER_LEN + HMAC_LEN) {
    throw invalidToken("length", `too short (${bytes.length} bytes)`);
  }
  const macAt = bytes.length - HMAC_LEN;
  return {
    signed: bytes.subarray(0, macAt),
    mac: bytes.subarray(macAt),
    timestamp: Number(
      new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(1, false),
    ),
    iv: bytes.slice(1 + 8, HEADER_LEN),
    ciphertext: bytes.slice(HEADER_LEN, macAt),
  };
}

/**
 * The checks that follow a verified HMAC: age (only with a TTL, as Python), then that the
 * ciphertext is a whole number of AES blocks.
 */
export function checkAuthenticToken(token: ParsedToken, options: DecryptOptions): void {
  const { timestamp } = token;
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
      throw invalidToken(
        "future",
        `timestamp is ${timestamp - now}s in the future (more than the ${FERNET_MAX_CLOCK_SKEW_S}s clock skew allowed)`,
      );
    }
  }
  const length = token.ciphertext.length;
  if (length === 0 || length % BLOCK !== 0) {
    throw invalidToken("length", "ciphertext is not a whole number of AES blocks");
  }
}

/** Strict UTF-8 decoding of a decrypted payload; invalid UTF-8 is reason `utf8`. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    // ignoreBOM keeps a leading U+FEFF, as Python's bytes.decode("utf-8") does.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (error) {
    throw invalidToken("utf8", "decrypted payload is not valid UTF-8 (use decryptToBytes)", error);
  }
}
