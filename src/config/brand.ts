/**
 * Which `McpsConfig` objects are trusted as validated: only those `loadConfig`/`parseConfig`
 * made, remembered by identity in a module-private WeakSet (an object that merely has the
 * right shape is not in it), and frozen so that nothing can be changed after validation.
 */
import type { McpsConfig } from "./types.js";

const made = new WeakSet<object>();

/** Freeze every object and array of a plain-data tree (config values only: no cycles). */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** Mark a config the loader validated and normalized itself; it is frozen from here on. */
export function brand(config: McpsConfig): McpsConfig {
  made.add(deepFreeze(config));
  return config;
}

/** True only for an object `brand()` marked in this process. */
export function isBranded(value: unknown): value is McpsConfig {
  return value !== null && typeof value === "object" && made.has(value);
}
