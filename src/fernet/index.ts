/**
 * `mcp-sse/fernet`: Fernet tokens compatible with Python's `cryptography.fernet`.
 * Runtime-agnostic (WebCrypto only), so every operation returns a Promise.
 */

export { decodeBase64Url, encodeBase64Url } from "./base64url.js";
export {
  FERNET_INVALID_IV,
  FERNET_INVALID_KEY,
  FERNET_INVALID_TIME,
  FERNET_INVALID_TOKEN,
  FERNET_TOKEN_EXPIRED,
  FERNET_UNSUPPORTED,
  type FernetInvalidReason,
} from "./errors.js";
export {
  type DecryptOptions,
  decrypt,
  decryptToBytes,
  type EncryptOptions,
  encrypt,
  FERNET_MAX_CLOCK_SKEW_S,
  FERNET_VERSION,
  generateKey,
} from "./fernet.js";
