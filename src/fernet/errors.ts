/** Stable error codes of the Fernet layer (see docs/errors.md). */

/** The key is not 32 bytes of url-safe base64. */
export const FERNET_INVALID_KEY = "FERNET_INVALID_KEY";
/**
 * The token cannot be trusted: bad base64, wrong version, too short, wrong HMAC (tampered or
 * wrong key), bad padding, invalid UTF-8, or a timestamp too far in the future.
 */
export const FERNET_INVALID_TOKEN = "FERNET_INVALID_TOKEN";
/** The token is authentic but older than the TTL the caller asked for. */
export const FERNET_TOKEN_EXPIRED = "FERNET_TOKEN_EXPIRED";

/** Why a token was rejected, in `error.details.reason` (stable, for tests and metrics). */
export type FernetInvalidReason =
  | "base64"
  | "version"
  | "length"
  | "hmac"
  | "padding"
  | "utf8"
  | "future";
/** `encrypt` was given an IV that is not 16 bytes (tests only should pass one). */
export const FERNET_INVALID_IV = "FERNET_INVALID_IV";
/** `encrypt` got a negative or non-finite `now`, or `decrypt` a bad `ttlSeconds`/`now`. */
export const FERNET_INVALID_TIME = "FERNET_INVALID_TIME";
/**
 * The runtime lacks the crypto the call needs: `node:crypto` for the synchronous functions,
 * WebCrypto (`globalThis.crypto.subtle`) for the *Async ones.
 */
export const FERNET_UNSUPPORTED = "FERNET_UNSUPPORTED";
