/**
 * Tool names the model APIs accept. OpenAI (Chat Completions and Responses) and Anthropic
 * take `^[a-zA-Z0-9_-]{1,64}$`; Gemini also wants the first character to be a letter or an
 * underscore. The adapters hand their tools to any of them, so the default rule is the
 * intersection of the three.
 *
 * Names are made deterministically, tool by tool: the same tool gets the same name whatever
 * other tools exist, except that a name which is already valid and unique is never changed.
 */

export interface NameRule {
  /** Longest name the APIs accept. */
  maxLength: number;
  /** A character allowed anywhere in a name (tested one character at a time). */
  allowed: RegExp;
  /** A character allowed as the first one. */
  allowedFirst: RegExp;
}

/** The rule for OpenAI, Anthropic and Gemini function tools (see above). */
export const MODEL_API_NAME_RULE: NameRule = {
  maxLength: 64,
  allowed: /[A-Za-z0-9_-]/,
  allowedFirst: /[A-Za-z_]/,
};

/** 32-bit FNV-1a of a string, as 8 hex digits: a stable suffix without `node:crypto`. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

function withSuffix(base: string, suffix: string, rule: NameRule): string {
  return `${base.slice(0, rule.maxLength - suffix.length)}${suffix}`;
}

/**
 * `name` made valid under `rule`: every other character becomes `_`, an invalid first
 * character gets a `_` in front, an empty name becomes `_`, and a name past `maxLength` is
 * cut and ends in `_` + the hash of the whole original name (so two long names that share a
 * prefix stay apart).
 */
export function sanitizeName(name: string, rule: NameRule = MODEL_API_NAME_RULE): string {
  let out = "";
  for (const ch of name) out += rule.allowed.test(ch) ? ch : "_";
  if (out === "" || !rule.allowedFirst.test(out[0]!)) out = `_${out}`;
  if (out.length > rule.maxLength) out = withSuffix(out, `_${shortHash(name)}`, rule);
  return out;
}

/**
 * A model-facing name for each of `wanted` (same order). A wanted name that is already valid
 * and not wanted twice keeps itself; the others are sanitised, and when that collides with
 * any other name, get `_` + the hash of their `key` (the tool's qualified name, unique);
 * should even that collide, a counter follows.
 */
export function assignNames(
  wanted: readonly { name: string; key: string }[],
  rule: NameRule = MODEL_API_NAME_RULE,
): string[] {
  const counts = new Map<string, number>();
  for (const { name } of wanted) counts.set(name, (counts.get(name) ?? 0) + 1);
  const keeps = wanted.map(
    ({ name }) => counts.get(name) === 1 && sanitizeName(name, rule) === name,
  );
  const taken = new Set(wanted.filter((_, i) => keeps[i]).map((w) => w.name));
  const sanitized = wanted.map(({ name }) => sanitizeName(name, rule));
  const sanitizedCounts = new Map<string, number>();
  for (const name of sanitized) sanitizedCounts.set(name, (sanitizedCounts.get(name) ?? 0) + 1);
  return wanted.map(({ key }, i) => {
    if (keeps[i]) return wanted[i]!.name;
    let name = sanitized[i]!;
    if (taken.has(name) || (sanitizedCounts.get(name) ?? 0) > 1)
      name = withSuffix(name, `_${shortHash(key)}`, rule);
    for (let n = 2; taken.has(name); n++)
      name = withSuffix(sanitized[i]!, `_${shortHash(key)}_${n}`, rule);
    taken.add(name);
    return name;
  });
}
