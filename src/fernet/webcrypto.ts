/**
 * Fernet over WebCrypto (`globalThis.crypto.subtle`), for browsers and workers: the same
 * operations, options and errors as the synchronous `node.ts`, as Promises (WebCrypto is
 * async). Token format and checks live in `token.ts`.
 */
import { McpSseError } from "../errors.js";
import { FERNET_UNSUPPORTED } from "./errors.js";
import {
  BLOCK,
  badPadding,
  checkAuthenticToken,
  type DecryptOptions,
  decodeUtf8,
  type EncryptOptions,
  hmacMismatch,
  layoutToken,
  parseKey,
  parseToken,
  prepareEncrypt,
  sealToken,
} from "./token.js";

interface Keys {
  signing: CryptoKey;
  encryption: CryptoKey;
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) {
    throw new McpSseError(
      FERNET_UNSUPPORTED,
      "WebCrypto (globalThis.crypto.subtle) is not available in this runtime; the *Async Fernet functions need it (Node 20+, or a browser in a secure context)",
    );
  }
  return s;
}

// Importing keys costs a little on every event; keep the few most recently used ones (a Map
// keeps insertion order: a hit is moved to the end, the first entry is the least recent).
const KEY_CACHE_SIZE = 8;
const keyCache = new Map<string, Promise<Keys>>();

function importKeys(key: string): Promise<Keys> {
  const cached = keyCache.get(key);
  if (cached) {
    keyCache.delete(key);
    keyCache.set(key, cached);
    return cached;
  }
  const raw = parseKey(key);
  const s = subtle();
  const pending = Promise.all([
    s.importKey("raw", raw.signing, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
    s.importKey("raw", raw.encryption, { name: "AES-CBC" }, false, ["encrypt", "decrypt"]),
  ]).then(([signing, encryption]) => ({ signing, encryption }));
  if (keyCache.size >= KEY_CACHE_SIZE) {
    const oldest = keyCache.keys().next();
    if (!oldest.done) keyCache.delete(oldest.value);
  }
  keyCache.set(key, pending);
  pending.catch(() => keyCache.delete(key));
  return pending;
}

/** Compare two equal-length MACs without an early exit (timing must not leak the prefix). */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Encrypt `plaintext` (a string is UTF-8 encoded) into a Fernet token, with WebCrypto. */
export async function encryptAsync(
  plaintext: string | Uint8Array,
  key: string,
  options: EncryptOptions = {},
): Promise<string> {
  const keys = await importKeys(key);
  const input = prepareEncrypt(plaintext, options, () =>
    globalThis.crypto.getRandomValues(new Uint8Array(BLOCK)),
  );
  const s = subtle();
  // WebCrypto's AES-CBC applies PKCS#7 padding itself.
  const ciphertext = new Uint8Array(
    await s.encrypt({ name: "AES-CBC", iv: input.iv }, keys.encryption, new Uint8Array(input.data)),
  );
  const token = layoutToken(input, ciphertext);
  return sealToken(token, new Uint8Array(await s.sign("HMAC", keys.signing, token.signed)));
}

/**
 * Verify and decrypt a token to its raw bytes, with WebCrypto. Rejects with
 * `FERNET_INVALID_KEY`, `FERNET_INVALID_TOKEN`, `FERNET_TOKEN_EXPIRED` or
 * `FERNET_INVALID_TIME`; never resolves to a partial plaintext.
 */
export async function decryptToBytesAsync(
  token: string,
  key: string,
  options: DecryptOptions = {},
): Promise<Uint8Array> {
  const keys = await importKeys(key);
  const parsed = parseToken(token);
  const s = subtle();
  const expected = new Uint8Array(await s.sign("HMAC", keys.signing, parsed.signed));
  if (!constantTimeEqual(expected, parsed.mac)) throw hmacMismatch();
  checkAuthenticToken(parsed, options);
  try {
    return new Uint8Array(
      await s.decrypt({ name: "AES-CBC", iv: parsed.iv }, keys.encryption, parsed.ciphertext),
    );
  } catch (error) {
    // WebCrypto rejects bad PKCS#7 padding with an OperationError.
    throw badPadding(error);
  }
}

/** Verify and decrypt a token to its UTF-8 plaintext, with WebCrypto (see `decryptToBytesAsync`). */
export async function decryptAsync(
  token: string,
  key: string,
  options: DecryptOptions = {},
): Promise<string> {
  return decodeUtf8(await decryptToBytesAsync(token, key, options));
}
