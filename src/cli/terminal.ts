/**
 * What the CLI writes may come from a server (tool names, descriptions, results, events,
 * error messages): control characters in it would drive the user's terminal (clear the
 * screen, set the window title, hide or reorder text). Every line the CLI prints goes
 * through `escapeControls`.
 */

/**
 * C0 controls but tab and newline, DEL, C1 controls, the Arabic letter mark, the bidi marks,
 * embeddings, overrides and isolates, and the Unicode line/paragraph separators.
 */
const CONTROL =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

function escapeOne(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * `text` with every terminal-affecting control character written as `\uXXXX`. The same
 * form is a JSON escape, so `--json` output stays valid JSON with the same values (inside
 * JSON these characters only occur in strings: JSON.stringify escapes C0 itself, not C1 or
 * bidi controls).
 */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, escapeOne);
}
