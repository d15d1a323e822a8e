/**
 * docs/errors.md is the catalogue of every error code. This test keeps it true: it scans
 * `src/**\/*.ts` for codes and fails when a code is used in src but has no row in the doc,
 * or when the doc names a code that src no longer uses.
 *
 * Extraction walks the TypeScript AST rather than grepping the raw text, so that a code
 * named in a comment does not count as used, single-quoted and backtick literals count as
 * well as double-quoted ones, and a code built at run time (`SERVER_${x}`), which no scan
 * can check, is reported instead of silently missed.
 */
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { run } from "../../src/cli/main.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SRC = join(ROOT, "src");
const DOC = join(ROOT, "docs", "errors.md");

/** A whole string that is a code. `CLIENT` comes before `CLI` so `CLIENT_X` is CLIENT's. */
const CODE = /^(SSE|FERNET|CONFIG|CLIENT|SERVER|CLI|AGENTS)_[A-Z0-9_]+$/;
/** A code quoted inside a longer string (a JSON body written by hand, e.g. in server/node.ts). */
const QUOTED_CODE = /"((?:SSE|FERNET|CONFIG|CLIENT|SERVER|CLI|AGENTS)_[A-Z0-9_]+)"/g;
/** The start of a template literal that builds a code from parts. */
const BUILT_CODE = /^(?:SSE|FERNET|CONFIG|CLIENT|SERVER|CLI|AGENTS)_[A-Z0-9_]*$/;
/** Any code-shaped word in the doc (prose, tables, examples). */
const DOC_WORD = /\b(?:SSE|FERNET|CONFIG|CLIENT|SERVER|CLI|AGENTS)_[A-Z0-9_]+\b/g;

/**
 * String literals in src that match the code pattern but are not error codes, each with the
 * reason. None today: every match is a code (McpSseError codes, constants holding them, and
 * the `SERVER_*` codes the server writes into HTTP bodies and SSE `error` events). Add an
 * entry here (e.g. an environment variable named `SERVER_URL`) rather than loosening the
 * pattern; an entry that no longer occurs in src fails the test.
 */
const NOT_ERROR_CODES: ReadonlyMap<string, string> = new Map<string, string>([]);

interface Scan {
  /** code → where it occurs (`src/x.ts:12`). */
  codes: Map<string, string[]>;
  /** Codes that cannot be checked: built from a template, or passed to McpSseError unprefixed. */
  problems: string[];
}

function scanSource(fileName: string, text: string, into: Scan): void {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const where = (node: ts.Node) =>
    `${fileName}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
  const add = (code: string, node: ts.Node) => {
    const list = into.codes.get(code) ?? [];
    list.push(where(node));
    into.codes.set(code, list);
  };
  const scanText = (literal: string, node: ts.Node) => {
    if (CODE.test(literal)) add(literal, node);
    else for (const m of literal.matchAll(QUOTED_CODE)) add(m[1]!, node);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      scanText(node.text, node);
    } else if (ts.isTemplateExpression(node)) {
      if (BUILT_CODE.test(node.head.text))
        into.problems.push(
          `${where(node)}: a code built at run time (\`${node.head.text}\${…}\`); write each code out`,
        );
      scanText(node.head.text, node);
      for (const span of node.templateSpans) scanText(span.literal.text, span);
    } else if (
      ts.isNewExpression(node) &&
      node.expression.getText(file) === "McpSseError" &&
      node.arguments?.[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0]) &&
      !CODE.test(node.arguments[0].text)
    ) {
      into.problems.push(
        `${where(node)}: McpSseError code "${node.arguments[0].text}" has no layer prefix`,
      );
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
}

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await tsFiles(path)));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

let scanned: Promise<Scan> | undefined;
/** The scan of src, done once for all tests. */
function scanSrc(): Promise<Scan> {
  scanned ??= scanSrcOnce();
  return scanned;
}

async function scanSrcOnce(): Promise<Scan> {
  const scan: Scan = { codes: new Map(), problems: [] };
  for (const path of await tsFiles(SRC)) {
    scanSource(relative(ROOT, path), await readFile(path, "utf8"), scan);
  }
  return scan;
}

interface DocCatalogue {
  /** code → the layer prefix of the section its table row is in (undefined: no layer section). */
  rows: Map<string, string | undefined>;
  duplicates: string[];
  /** Every code-shaped word anywhere in the doc. */
  mentioned: Set<string>;
  /** Exit codes listed in the "Exit codes" table. */
  exitCodes: number[];
}

function readCatalogue(markdown: string): DocCatalogue {
  const rows = new Map<string, string | undefined>();
  const duplicates: string[] = [];
  const exitCodes: number[] = [];
  let layer: string | undefined;
  let inExitCodes = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("#")) {
      const heading = /^#{2,}\s+`(SSE|FERNET|CONFIG|CLIENT|SERVER|CLI|AGENTS)_`/.exec(line);
      // A "###" inside a layer's section stays in that layer.
      if (heading) layer = heading[1];
      else if (line.startsWith("## ")) layer = undefined;
      inExitCodes = /^#{2,}\s+Exit codes/i.test(line);
      continue;
    }
    const row = /^\|\s*`([A-Z0-9_]+)`\s*\|/.exec(line);
    if (row) {
      const code = row[1]!;
      if (rows.has(code)) duplicates.push(code);
      rows.set(code, layer);
    }
    const exit = inExitCodes ? /^\|\s*(\d+)\s*\|/.exec(line) : null;
    if (exit) exitCodes.push(Number(exit[1]));
  }
  const mentioned = new Set([...markdown.matchAll(DOC_WORD)].map((m) => m[0]));
  return { rows, duplicates, mentioned, exitCodes };
}

const layerOf = (code: string) => CODE.exec(code)?.[1];

describe("docs/errors.md: the error-code catalogue", () => {
  it("the extraction finds codes in every form src uses, and ignores comments", () => {
    const scan: Scan = { codes: new Map(), problems: [] };
    scanSource(
      "sample.ts",
      [
        `// "SSE_IN_A_COMMENT" is only a mention`,
        `/** \`CLIENT_IN_JSDOC\` too */`,
        `export const CLIENT_TIMEOUT = "CLIENT_TIMEOUT";`,
        `throw new McpSseError("SSE_HTTP_STATUS", "x");`,
        `const single = 'FERNET_INVALID_KEY';`,
        `const plain = \`CONFIG_PARSE\`;`,
        `res.end('{"error":{"code":"SERVER_INTERNAL_ERROR"}}');`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source text of a template literal
        "const built = `SERVER_${kind}`;",
        `throw new McpSseError("BAD_THING", "no prefix");`,
        `const notACode = "SSE_lowercase";`,
        // biome-ignore lint/suspicious/noTemplateCurlyInString: TypeScript source text of a template literal
        "const message = `CLI_USAGE is not this: ${x}`;",
      ].join("\n"),
      scan,
    );
    assert.deepEqual([...scan.codes.keys()].sort(), [
      "CLIENT_TIMEOUT",
      "CONFIG_PARSE",
      "FERNET_INVALID_KEY",
      "SERVER_INTERNAL_ERROR",
      "SSE_HTTP_STATUS",
    ]);
    assert.equal(scan.problems.length, 2, scan.problems.join("\n"));
    assert.match(scan.problems[0]!, /sample\.ts:8: a code built at run time/);
    assert.match(scan.problems[1]!, /sample\.ts:9: .*"BAD_THING" has no layer prefix/);
  });

  it("src builds no code at run time and passes none without a layer prefix", async () => {
    const { problems } = await scanSrc();
    assert.deepEqual(problems, []);
  });

  it("every code used in src has a row in docs/errors.md, in its layer's section", async () => {
    const { codes } = await scanSrc();
    const doc = readCatalogue(await readFile(DOC, "utf8"));
    // Sanity: the scan really reached every layer (a broken glob would pass vacuously).
    const layers = new Set([...codes.keys()].map(layerOf));
    assert.deepEqual([...layers].sort(), [
      "AGENTS",
      "CLI",
      "CLIENT",
      "CONFIG",
      "FERNET",
      "SERVER",
      "SSE",
    ]);
    const missing: string[] = [];
    const misplaced: string[] = [];
    for (const [code, places] of codes) {
      if (NOT_ERROR_CODES.has(code)) continue;
      if (!doc.rows.has(code)) missing.push(`${code} (used at ${places.join(", ")})`);
      else if (doc.rows.get(code) !== layerOf(code))
        misplaced.push(`${code} is in the ${doc.rows.get(code) ?? "no"} section`);
    }
    assert.deepEqual(missing, [], `codes used in src but not documented:\n${missing.join("\n")}`);
    assert.deepEqual(misplaced, [], misplaced.join("\n"));
  });

  it("every code docs/errors.md names is used in src (no stale entries), once per table", async () => {
    const { codes } = await scanSrc();
    const doc = readCatalogue(await readFile(DOC, "utf8"));
    assert.ok(doc.rows.size > 0, "no table rows found in docs/errors.md");
    const stale = [...new Set([...doc.rows.keys(), ...doc.mentioned])].filter(
      (code) => !codes.has(code) || NOT_ERROR_CODES.has(code),
    );
    assert.deepEqual(stale, [], `documented but not used in src:\n${stale.join("\n")}`);
    assert.deepEqual(doc.duplicates, [], "a code has more than one row");
  });

  it("every exclusion of a non-code still occurs in src", async () => {
    const { codes } = await scanSrc();
    for (const [name, reason] of NOT_ERROR_CODES) {
      assert.ok(codes.has(name), `exclusion ${name} (${reason}) no longer occurs in src`);
    }
  });

  it("the documented CLI exit codes are what run() returns", async () => {
    const doc = readCatalogue(await readFile(DOC, "utf8"));
    assert.deepEqual(doc.exitCodes, [0, 1, 2]);
    const dir = await mkdtemp(join(tmpdir(), "mcp-sse-errors-doc-"));
    const invoke = async (argv: string[]) => {
      let stderr = "";
      const controller = new AbortController();
      const code = await run(argv, {
        stdout: () => {},
        stderr: (t) => {
          stderr += t;
        },
        env: {},
        signal: controller.signal,
        cwd: dir,
      });
      controller.abort();
      return { code, stderr };
    };
    try {
      assert.equal((await invoke(["--help"])).code, 0);
      assert.equal((await invoke([])).code, 2, "no command");
      assert.equal((await invoke(["no-such-command"])).code, 2, "unknown command");
      const usage = await invoke(["call"]);
      assert.equal(usage.code, 2, "CLI_USAGE");
      assert.match(usage.stderr, /\[CLI_USAGE\]/);
      const failure = await invoke(["call", "srv", "tool", "-c", "missing.yaml"]);
      assert.equal(failure.code, 1, "any other error");
      assert.match(failure.stderr.split("\n")[0]!, /^mcp-sse call: .*\[CONFIG_NOT_FOUND\]$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
