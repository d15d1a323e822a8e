/**
 * Fernet-encrypted event payloads (seed servers send `{ encrypted_payload: "<token>" }`):
 * with `server.encryptionKey` the event is delivered with its data replaced by the decrypted
 * JSON (or text). A token that does not verify is an error — never a partial plaintext.
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

/**
 * The event with `found` (what `encryptedPayloadOf(event)` located) decrypted in place, so a
 * caller that already looked for the payload does not search the event again.
 */
export async function decryptPayload(
  event: McpsEvent,
  found: EncryptedPayload,
  key: string,
): Promise<McpsEvent> {
  let plaintext: string;
  try {
    plaintext = await decrypt(found.token, key);
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
  if (!found.nested) return { ...event, data: value };
  return { ...event, data: { ...(event.data as Record<string, unknown>), data: value } };
}
