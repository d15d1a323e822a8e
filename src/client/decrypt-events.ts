/**
 * Fernet-encrypted event payloads (the guide's servers send `{ "event": …, "encrypted_payload":
 * "<token>", … }`): with `server.encryptionKey` the decrypted JSON (or text) goes into
 * `payload` and `encrypted_payload` is removed; the rest of the object stays (what the guide's
 * client does with `event_data['payload'] = …`). The token may come as is (`gAAAAA…`) or
 * wrapped once more in standard base64 (`Z0FBQUFB…`: the guide's client calls
 * `base64.b64decode` before `Fernet.decrypt`). A token that does not verify is an error —
 * never a partial plaintext.
 */
import { McpSseError } from "../errors.js";
import { decrypt } from "../fernet/index.js";
import { CLIENT_EVENT_DECRYPT } from "./call-errors.js";
import type { McpsEvent } from "./events.js";

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function parsePlaintext(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Plain text payloads are allowed: deliver the string itself.
    return text;
  }
}

/**
 * A Fernet token starts with its version byte 0x80, `g` in url-safe base64. Anything else
 * is tried as standard base64 of a token (its first character is then `Z`); when that does
 * not give a token either, the original string goes to `decrypt` (which names the problem).
 */
export function unwrapToken(token: string): string {
  if (token.startsWith("g")) return token;
  let inner: string;
  try {
    inner = atob(token.trim());
  } catch {
    // Not base64 at all: decrypt() reports FERNET_INVALID_TOKEN for the original.
    return token;
  }
  return inner.startsWith("g") ? inner : token;
}

/** Where an event's Fernet token sits: the event data itself, or a plain `log` event's `data`. */
export interface EncryptedPayload {
  token: string;
  /** True when the token is in `data.data` (a `log` event), false when in `data`. */
  nested: boolean;
}

/**
 * The event's encrypted payload, or `undefined` when it carries none. Located once per event:
 * the manager passes the result on to `decryptEvent`.
 */
export function encryptedPayloadOf(event: McpsEvent): EncryptedPayload | undefined {
  const data = event.data;
  if (!isRecord(data)) return undefined;
  const token = data["encrypted_payload"];
  if (typeof token === "string") return { token, nested: false };
  const inner = data["data"];
  if (event.type !== "log" || !isRecord(inner)) return undefined;
  const nested = inner["encrypted_payload"];
  return typeof nested === "string" ? { token: nested, nested: true } : undefined;
}

/**
 * The event with its payload decrypted; unchanged when it carries none. Throws
 * `CLIENT_EVENT_DECRYPT` (details.fernetCode = the FERNET_* code) on a bad token.
 */
export function decryptEvent(event: McpsEvent, key: string): Promise<McpsEvent> {
  const found = encryptedPayloadOf(event);
  return found === undefined ? Promise.resolve(event) : decryptPayload(event, found, key);
}

/** `object` with `encrypted_payload` replaced by `payload: value`, everything else kept. */
function withPayload(object: Record<string, unknown>, value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Copied key by key so the token is not read again (the caller located it once).
  for (const name of Object.keys(object))
    if (name !== "encrypted_payload") out[name] = object[name];
  out["payload"] = value;
  return out;
}

/**
 * The event with `found` (what `encryptedPayloadOf(event)` located) decrypted, so a caller
 * that already looked for the payload does not search the event again.
 */
export async function decryptPayload(
  event: McpsEvent,
  found: EncryptedPayload,
  key: string,
): Promise<McpsEvent> {
  let plaintext: string;
  try {
    plaintext = await decrypt(unwrapToken(found.token), key);
  } catch (error) {
    const fernetCode = (error as { code?: unknown }).code;
    throw new McpSseError(
      CLIENT_EVENT_DECRYPT,
      `Server "${event.server}": the encrypted payload of a "${event.type}" event could not be decrypted (${String(fernetCode ?? "error")}); check encryption_key.`,
      {
        details: { server: event.server, eventType: event.type, fernetCode },
        cause: error,
      },
    );
  }
  const value = parsePlaintext(plaintext);
  const data = event.data as Record<string, unknown>;
  if (!found.nested) return { ...event, data: withPayload(data, value) };
  return {
    ...event,
    data: { ...data, data: withPayload(data["data"] as Record<string, unknown>, value) },
  };
}
