/**
 * Where a JSON config stops being JSON, from the `yaml` parser's own positions: JSON is YAML
 * 1.2's flow style, so the yaml parser reads it into tokens with offsets. V8's `JSON.parse`
 * message is not used: its wording and whether it has a position change between Node versions,
 * and it quotes the input (which may hold a secret). `JSON.parse` stays the judge of validity;
 * this only explains a text it refused.
 */
import { LineCounter, Parser, parseDocument } from "yaml";

export interface JsonErrorPlace {
  reason: string;
  line?: number;
  column?: number;
}

interface Token {
  type: string;
  offset: number;
  source: string;
}

const JSON_LITERAL = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)$/;
const SKIPPED = new Set(["space", "newline", "byte-order-mark"]);
/** Tokens only YAML has. */
const YAML_ONLY = new Set([
  "anchor",
  "alias",
  "tag",
  "directive",
  "doc-start",
  "doc-end",
  "seq-item-ind",
  "explicit-key-ind",
  "block-scalar",
]);

/** Why and where `text` (which `JSON.parse` refused) is not JSON; no position when unknown. */
export function locateJsonError(text: string): JsonErrorPlace {
  const lines = new LineCounter();
  // Duplicate keys are valid JSON: only syntax may be reported here.
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: false,
    logLevel: "error",
  });
  const place = (offset: number, reason: string): JsonErrorPlace => {
    const { line, col } = lines.linePos(offset);
    return { reason, line, column: col };
  };
  const first = doc.errors[0];
  if (first !== undefined) return place(first.pos[0], first.message);
  // Valid YAML but not JSON: the first token JSON does not have.
  const tokens = sourceTokens(text).filter((t) => !SKIPPED.has(t.type));
  for (const [i, token] of tokens.entries()) {
    const why = notJson(token, tokens[i + 1]);
    if (why !== undefined) return place(why.offset, why.reason);
  }
  return { reason: "not valid JSON" };
}

function notJson(
  token: Token,
  next: Token | undefined,
): { offset: number; reason: string } | undefined {
  const at = (reason: string, offset = token.offset) => ({ offset, reason });
  switch (token.type) {
    case "comment":
      return at("a comment (JSON has none)");
    case "single-quoted-scalar":
      return at("a string in single quotes (JSON strings use double quotes)");
    case "scalar":
      // Never quote the text: it may be a secret typed without quotes.
      return JSON_LITERAL.test(token.source)
        ? undefined
        : at("a value JSON does not have (strings need double quotes)");
    case "double-quoted-scalar": {
      const control = token.source.search(/[\u0000-\u001f]/);
      return control === -1
        ? undefined
        : at("a control character inside a string (write it as an escape)", token.offset + control);
    }
    case "comma":
      return next?.type === "flow-map-end" || next?.type === "flow-seq-end"
        ? at(`a trailing comma before '${next.source}'`, next.offset)
        : undefined;
    default:
      return YAML_ONLY.has(token.type) ? at("YAML syntax, not JSON") : undefined;
  }
}

/** Every token of the yaml parser's concrete syntax tree that covers source text, in order. */
function sourceTokens(text: string): Token[] {
  const out: Token[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item);
      return;
    }
    const record = node as Record<string, unknown>;
    if (typeof record["offset"] === "number" && typeof record["source"] === "string") {
      out.push(record as unknown as Token);
    }
    for (const [key, value] of Object.entries(record)) if (key !== "source") walk(value);
  };
  for (const token of new Parser().parse(text)) walk(token);
  return out.sort((a, b) => a.offset - b.offset);
}
