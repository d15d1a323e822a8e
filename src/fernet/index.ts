/**
 * `mcp-sse/fernet`: Fernet tokens compatible with Python's `cryptography.fernet`.
 *
 * - `encrypt`, `decrypt`, `decryptToBytes` (the default, and the public contract) are
 *   SYNCHRONOUS and use `node:crypto`: they return the value or throw a typed `McpSseError`.
 * - Browsers and workers use `encryptAsync`, `decryptAsync`, `decryptToBytesAsync`
 *   (WebCrypto): same options, same errors, as Promise rejections. Tokens from either set
 *   decrypt with the other.
 *
 * This entry point loads in browsers too: `node:crypto` is looked up only when a synchronous
 * function is called (elsewhere they throw `FERNET_UNSUPPORTED`).
 */

export { isMcpSseError, McpSseError } from "../errors.js";

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
export { decrypt, decryptToBytes, encrypt } from "./node.js";
export {
  type DecryptOptions,
  type EncryptOptions,
  FERNET_MAX_CLOCK_SKEW_S,
  FERNET_VERSION,
  generateKey,
} from "./token.js";
export { decryptAsync, decryptToBytesAsync, encryptAsync } from "./webcrypto.js";
