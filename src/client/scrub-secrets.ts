/**
 * What the manager hands to user code never carries a server's secrets: every event (before
 * any handler, iterator or CLI sees it) and every error (`call()` rejections, `servers()`
 * statuses) loses the values of the headers that server was sent. A server may echo them —
 * in a JSON-RPC error message, a log notification, an event payload — carelessly or not.
 *
 * The values come from the connection (`secretValues()`: its configured and refreshed
 * headers, and the credential of `Bearer <token>`), so every kind of connection behind the
 * manager is covered by the same calls.
 */
import { redactValue } from "../redact.js";
import { secretValuesOf } from "../sse/reader-http.js";
import type { McpsEvent } from "./events.js";
import { scrubAnyError } from "./transports/request.js";

/**
 * True when `text` (JSON) holds one of `values`. JSON escapes character by character, so a
 * value inside any string or key of the JSON shows up as its own escaped form.
 */
function jsonMentions(text: string, values: readonly string[]): boolean {
  return values.some((v) => v !== "" && text.includes(JSON.stringify(v).slice(1, -1)));
}

/**
 * Plain data deeper than this (or a cycle) counts as mentioning a secret: the redacting copy
 * then cuts it (`MAX_REDACT_DEPTH`, `[Circular]`), so nothing deep is handed over unchecked.
 */
const PLAIN_WALK_DEPTH = 64;

/** True when `text` holds one of `values`. */
function holds(text: string, values: readonly string[]): boolean {
  for (const v of values) if (v !== "" && text.includes(v)) return true;
  return false;
}

/**
 * Whether plain JSON data (objects, arrays, strings, numbers, booleans, null) mentions one of
 * `values` in a string, a key or a number's text (`true` past `PLAIN_WALK_DEPTH`); `undefined`
 * when it meets anything else (an Error, a Map, a bigint, a class instance), which the
 * complete walker must look at. No string is built: event data from the wire is plain JSON,
 * and this is run for every event of a server with headers (it replaced a `JSON.stringify`
 * with a replacer, ~4x slower per event).
 */
function plainMentions(
  value: unknown,
  values: readonly string[],
  depth: number,
): boolean | undefined {
  if (typeof value === "string") return holds(value, values);
  if (typeof value === "number") return holds(String(value), values);
  if (value === null || value === undefined || typeof value === "boolean") return false;
  if (typeof value !== "object") return undefined;
  if (depth > PLAIN_WALK_DEPTH) return true;
  if (Array.isArray(value)) {
    for (const item of value) {
      const found = plainMentions(item, values, depth + 1);
      if (found !== false) return found;
    }
    return false;
  }
  if (!isPlainJson(value) || "toJSON" in value) return undefined;
  for (const key in value) {
    if (holds(key, values)) return true;
    const found = plainMentions((value as Record<string, unknown>)[key], values, depth + 1);
    if (found !== false) return found;
  }
  return false;
}

/** True when any string or key reachable from `value` holds one of `values`. */
export function mentionsSecret(value: unknown, values: readonly string[]): boolean {
  if (values.length === 0) return false;
  // Event data is JSON (parsed from the wire): the plain walk is the fast path.
  const plain = plainMentions(value, values, 0);
  if (plain !== undefined) return plain;
  // The walker shows everything: an Error's message, stack, fields and causes, a Map's entries.
  const shown = stringify(redactValue(value, { names: false }), (_key, v) =>
    typeof v === "bigint" ? `${v}` : v,
  );
  return jsonMentions(shown ?? "", values);
}

function stringify(
  value: unknown,
  replacer: (key: string, value: unknown) => unknown,
): string | undefined {
  try {
    return JSON.stringify(value, replacer);
  } catch {
    // A toJSON that throws: nothing to show, nothing mentioned.
    return undefined;
  }
}

/** Plain objects and arrays: what `JSON.stringify` shows completely. */
function isPlainJson(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return Array.isArray(value) || proto === Object.prototype || proto === null;
}

/**
 * `event` with every secret value replaced by `[REDACTED]` in its type, id and data (strings
 * and keys, at any depth). Field names are left alone: event data is the server's, and a
 * `progressToken` is not a secret. The event itself when it mentions none (the common case).
 */
export function scrubEvent(event: McpsEvent, secrets: readonly string[]): McpsEvent {
  if (!mentionsSecret(event, secrets)) return event;
  return redactValue(event, { names: false, values: secrets }) as McpsEvent;
}

/**
 * A tool result with `isError: true` is the tool's error message (the CLI prints it as one):
 * scrubbed like an error. Other results are the tool's data and are returned as they are.
 */
export function scrubErrorResult<T extends { isError?: unknown }>(
  result: T,
  secrets: readonly string[],
): T {
  if (result.isError !== true || !mentionsSecret(result, secrets)) return result;
  return redactValue(result, { names: false, values: secrets }) as T;
}

/** `error` (any kind) without the secret values; the error itself when it mentions none. */
export function scrubFailure<T>(error: T, secrets: readonly string[]): T {
  if (!mentionsSecret(error, secrets)) return error;
  return scrubAnyError(error, secrets) as T;
}

/**
 * `secretValuesOf` of a connection's configured headers under its refreshed ones, computed
 * again only when the refreshed set is replaced: the manager asks for them on every event.
 */
export function headerSecrets(
  configured: Record<string, string>,
): (refreshed: Record<string, string> | undefined) => string[] {
  let cachedFor: Record<string, string> | undefined;
  let cached: string[] | undefined;
  return (refreshed) => {
    if (cached === undefined || refreshed !== cachedFor) {
      cached = secretValuesOf({ ...configured, ...refreshed });
      cachedFor = refreshed;
    }
    return cached;
  };
}
