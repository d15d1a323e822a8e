/**
 * Synchronous Fernet over Node's `node:crypto` (HMAC-SHA256, AES-128-CBC, `timingSafeEqual`,
 * `randomBytes`): the default `encrypt`/`decrypt` of `mcp-sse/fernet`, which return values
 * and throw typed errors. Token format and checks live in `token.ts`, shared with the
 * WebCrypto variants (`webcrypto.ts`).
 *
 * `node:crypto` is fetched with `process.getBuiltinModule` (Node 20.16+, Deno, Bun) rather
 * than a static import, so this module still loads in a browser bundle: there, these
 * functions throw `FERNET_UNSUPPORTED` and the *Async variants do the work.
 */
import type * as NodeCrypto from "node:crypto";
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

type CryptoModule = typeof NodeCrypto;

let cryptoModule: CryptoModule | undefined;

function nodeCrypto(): CryptoModule {
  if (cryptoModule) return cryptoModule;
  // `process` is typed as always present, but it is absent in browsers.
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const loaded = proc?.getBuiltinModule?.("node:crypto") as CryptoModule | undefined;
  if (!loaded) {
    throw new McpSseError(
      FERNET_UNSUPPORTED,
      "node:crypto is not available in this runtime (needs Node 20.16+); use encryptAsync/decryptAsync (WebCrypto) instead",
    );
  }
  cryptoModule = loaded;
  return loaded;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Encrypt `plaintext` (a string is UTF-8 encoded) into a Fernet token. Synchronous. */
export function encrypt(
  plaintext: string | Uint8Array,
  key: string,
  options: EncryptOptions = {},
): string {
  const keys = parseKey(key);
  const crypto = nodeCrypto();
  const input = prepareEncrypt(plaintext, options, () => crypto.randomBytes(BLOCK));
  // Node's AES-CBC applies PKCS#7 padding itself (autoPadding is on by default).
  const cipher = crypto.createCipheriv("aes-128-cbc", keys.encryption, input.iv);
  const ciphertext = concatBytes(cipher.update(input.data), cipher.final());
  const token = layoutToken(input, ciphertext);
  return sealToken(token, crypto.createHmac("sha256", keys.signing).update(token.signed).digest());
}

/**
 * Verify and decrypt a token to its raw bytes. Synchronous. Order: key, structure, then the
 * HMAC (constant time) before anything is decrypted, then age, then AES. Throws
 * `FERNET_INVALID_KEY`, `FERNET_INVALID_TOKEN`, `FERNET_TOKEN_EXPIRED` or
 * `FERNET_INVALID_TIME`; never returns partial plaintext.
 */
export function decryptToBytes(
  token: string,
  key: string,
  options: DecryptOptions = {},
): Uint8Array {
  const keys = parseKey(key);
  const crypto = nodeCrypto();
  const parsed = parseToken(token);
  const expected = crypto.createHmac("sha256", keys.signing).update(parsed.signed).digest();
  // Both are 32 bytes (parseToken guarantees the MAC's length), as timingSafeEqual requires.
  if (!crypto.timingSafeEqual(expected, parsed.mac)) throw hmacMismatch();
  checkAuthenticToken(parsed, options);

  const decipher = crypto.createDecipheriv("aes-128-cbc", keys.encryption, parsed.iv);
  const head = decipher.update(parsed.ciphertext);
  let tail: Uint8Array;
  try {
    // final() checks the PKCS#7 padding and throws when it is wrong.
    tail = decipher.final();
  } catch (error) {
    head.fill(0); // the unverified blocks decrypted so far never leave this function
    throw badPadding(error);
  }
  // A copy: a plain Uint8Array (not a Buffer that may share Node's pool with other data).
  const plaintext = concatBytes(head, tail);
  head.fill(0);
  return plaintext;
}

/**
 * Verify and decrypt a token to its UTF-8 plaintext. Synchronous: returns the string or throws
 * a typed error (see `decryptToBytes`). Invalid UTF-8 is `FERNET_INVALID_TOKEN` with reason
 * `utf8`; use `decryptToBytes` for binary payloads.
 */
export function decrypt(token: string, key: string, options: DecryptOptions = {}): string {
  return decodeUtf8(decryptToBytes(token, key, options));
}
