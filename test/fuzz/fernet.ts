/**
 * Fuzz target: the Fernet decoder (src/fernet). Mutated valid tokens, random tokens, random
 * keys and odd options, through both implementations (node:crypto and WebCrypto).
 * Findings: an error that is not a typed `FERNET_` error; a mutated token that decrypts to
 * something other than its plaintext (a forgery); the two implementations disagreeing; the key
 * or the (planted) plaintext in an error message.
 */
import fc from "fast-check";
import { isMcpSseError } from "../../src/errors.js";
import { decrypt, decryptAsync, encodeBase64Url, encrypt } from "../../src/fernet/index.js";
import type { DecryptOptions } from "../../src/fernet/token.js";
import {
  applyEdits,
  assertTypedError,
  byteEdits,
  type FuzzBudget,
  type FuzzFigures,
  FuzzFinding,
  PLANTED,
  runProperty,
  runTarget,
} from "./harness.js";

type Outcome = { ok: string } | { code: string };

const keyArb = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(encodeBase64Url);
const NOW = 1_700_000_000;

const optionsArb: fc.Arbitrary<DecryptOptions> = fc.record(
  {
    ttlSeconds: fc.oneof(fc.integer({ min: -10, max: 10_000 }), fc.double()),
    now: fc.oneof(fc.integer({ min: NOW - 100_000, max: NOW + 100_000 }), fc.double()),
  },
  { requiredKeys: [] },
);

function checkError(error: unknown, key: string, plaintext: string | undefined): Outcome {
  assertTypedError(error, ["FERNET_"], "decrypt");
  const message = (error as Error).message;
  if (key.length >= 8 && message.includes(key))
    throw new FuzzFinding("the key is in an error message");
  if (plaintext !== undefined && plaintext.length >= 8 && message.includes(plaintext))
    throw new FuzzFinding("the plaintext is in an error message");
  return { code: isMcpSseError(error) ? error.code : "" };
}

/** Both implementations on the same input; they must agree. */
async function both(
  token: string,
  key: string,
  options: DecryptOptions,
  plaintext?: string,
): Promise<Outcome> {
  let sync: Outcome;
  try {
    sync = { ok: decrypt(token, key, options) };
  } catch (error) {
    sync = checkError(error, key, plaintext);
  }
  let async: Outcome;
  try {
    async = { ok: await decryptAsync(token, key, options) };
  } catch (error) {
    async = checkError(error, key, plaintext);
  }
  if (JSON.stringify(sync) !== JSON.stringify(async))
    throw new FuzzFinding(
      `decrypt and decryptAsync disagree: ${JSON.stringify(sync).slice(0, 120)} vs ${JSON.stringify(async).slice(0, 120)}`,
    );
  return sync;
}

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);

export async function fuzzFernet(budget: FuzzBudget): Promise<FuzzFigures> {
  return runTarget("fernet", budget, [
    (b) =>
      runProperty(
        "mutated tokens",
        [
          keyArb,
          fc.string({ maxLength: 64 }),
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
          byteEdits(6),
        ],
        async (key, text, iv, edits) => {
          const plaintext = `${text}${PLANTED.env}`;
          const token = encrypt(plaintext, key, { now: NOW, iv });
          const mutated = latin1(applyEdits(new TextEncoder().encode(token), edits));
          const outcome = await both(mutated, key, { now: NOW }, plaintext);
          // A mutation may only be harmless (e.g. trailing base64 bits): never a new plaintext.
          if ("ok" in outcome && outcome.ok !== plaintext)
            throw new FuzzFinding(`a mutated token decrypted to a different plaintext`);
        },
        b,
      ),
    (b) =>
      runProperty(
        "random tokens, keys and options",
        [
          fc.oneof(fc.string({ maxLength: 300 }), fc.base64String({ maxLength: 300 })),
          fc.oneof(keyArb, fc.string({ maxLength: 60 })),
          optionsArb,
        ],
        async (token, key, options) => {
          await both(token, key, options);
        },
        b,
      ),
    (b) =>
      runProperty(
        "valid tokens with odd times",
        [keyArb, fc.integer({ min: 0, max: 2 ** 40 }), optionsArb],
        async (key, stamped, options) => {
          const token = encrypt(PLANTED.env, key, { now: stamped });
          await both(token, key, options, PLANTED.env);
        },
        b,
      ),
  ]);
}
