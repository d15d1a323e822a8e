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

/** Where the token sits: the event data itself, or (plain `log` events) the log's `data`. */
function findToken(event: McpsEvent): { token: string; nested: boolean } | undefined {
  const data = event.data;
  if (!isRecord(data)) return undefined;
  if (typeof data["encrypted_payload"] === "string")
    return { token: data["encrypted_payload"], nested: false };
  const inner = data["data"];
  if (event.type === "log" && isRecord(inner) && typeof inner["encrypted_payload"] === "string")
    return { token: inner["encrypted_payload"], nested: true };
  return undefined;
}

export function hasEncryptedPayload(event: McpsEvent): boolean {
  return findToken(event) !== undefined;
}

/**
 * The event with its payload decrypted; unchanged when it carries none. Throws
 * `CLIENT_EVENT_DECRYPT` (details.fernetCode = the FERNET_* code) on a bad token.
 */
export async function decryptEvent(event: McpsEvent, key: string): Promise<McpsEvent> {
  const found = findToken(event);
  if (found === undefined) return event;
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
