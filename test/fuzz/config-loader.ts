/**
 * Fuzz target: the config loader (src/config). Random and mutated YAML/JSON text, random and
 * near-valid objects in the file shape, and hand-made look-alikes of a loaded config.
 * Findings: an error that is not a typed `CONFIG_` error; a planted secret (an environment
 * variable's value) in an error or a log line; a result that is not trusted on a second
 * `loadConfig` (not branded) or not frozen.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { loadConfig, parseConfig } from "../../src/config/index.js";
import type { Logger } from "../../src/logger.js";
import {
  applyEdits,
  assertNoSecret,
  assertTypedError,
  byteEdits,
  type FuzzBudget,
  type FuzzFigures,
  FuzzFinding,
  PLANTED,
  runProperty,
  runTarget,
} from "./harness.js";

const env = { FUZZ_SECRET: PLANTED.env, FUZZ_PORT: "8123", EMPTY: "" };
const lines: string[] = [];
const logger: Logger = {
  debug: (obj, msg) => void lines.push(JSON.stringify(obj) + (msg ?? "")),
  info: (obj, msg) => void lines.push(JSON.stringify(obj) + (msg ?? "")),
  warn: (obj, msg) => void lines.push(JSON.stringify(obj) + (msg ?? "")),
  error: (obj, msg) => void lines.push(JSON.stringify(obj) + (msg ?? "")),
};

// biome-ignore-start lint/suspicious/noTemplateCurlyInString: `${VAR}` is the config syntax
const SAMPLE_YAML = [
  "tool_separator: __",
  "x-defaults: &d { timeout: 30, headers: { Authorization: 'Bearer ${FUZZ_SECRET}' } }",
  "mcps:",
  "  - { <<: *d, name: one, transport: sse, url: 'http://127.0.0.1:${FUZZ_PORT}/sse' }",
  "  - name: two",
  "    url: https://${FUZZ_SECRET}.example/mcp",
  "    ping_interval: ${EMPTY:-5}",
  "    tools: { allow: ['get_*'], deny: [x] }",
  "    tls: { insecure: true }",
  "    secret_headers: [x-tenant]",
  "  - name: three",
  "    command: npx",
  "    args: [-y, '${FUZZ_SECRET}']",
  "    env: { TOKEN: '${FUZZ_SECRET}' }",
  "mcpServers:",
  "  four: { type: http, url: 'http://h/${FUZZ_SECRET}', disabled: true, other: '${NOPE}' }",
  "",
].join("\n");
const SAMPLE_JSON = JSON.stringify({
  mcps: [
    {
      name: "a",
      url: "http://127.0.0.1/${FUZZ_SECRET}",
      headers: { "X-Api-Key": "${FUZZ_SECRET}" },
    },
  ],
  mcpServers: { b: { command: "x", env: { K: "${FUZZ_SECRET}" } } },
});

/** Values a field may get: right and wrong types, secrets, variables, odd numbers. */
const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    "${FUZZ_SECRET}",
    "http://127.0.0.1:1/${FUZZ_SECRET}",
    "${FUZZ_SECRET:-x}",
    "${UNSET_VAR}",
    "$${FUZZ_SECRET}",
    "sse",
    "http",
    "stdio",
    "auto",
    "https://example.com/mcp",
    "true",
    "30",
    "",
    0,
    -1,
    1e308,
    Number.NaN,
    null,
  ),
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.constant("${FUZZ_SECRET}")), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.constantFrom("${FUZZ_SECRET}", "v", 1)),
);
// biome-ignore-end lint/suspicious/noTemplateCurlyInString: `${VAR}` is the config syntax

const FIELD_NAMES = [
  "name",
  "transport",
  "url",
  "headers",
  "timeout",
  "reconnect_interval",
  "max_reconnects",
  "ping_interval",
  "enabled",
  "tools",
  "tls",
  "encryption_key",
  "command",
  "args",
  "env",
  "cwd",
  "secret_headers",
  "type",
  "disabled",
  "reconect_interval",
  "slow_handler_ms",
];
const OWN_NAMES = [
  "name",
  "transport",
  "url",
  "headers",
  "timeoutMs",
  "reconnectIntervalMs",
  "maxReconnects",
  "pingIntervalMs",
  "enabled",
  "tools",
  "tls",
  "encryptionKey",
  "command",
  "args",
  "env",
  "cwd",
  "secretHeaders",
  "timeout",
  "slowHandlerMs",
];

const entryArb = (keys: string[]) =>
  fc.dictionary(fc.constantFrom(...keys), valueArb, { maxKeys: 8 });

const fileShapeArb = fc.record(
  {
    mcps: fc.oneof(fc.array(entryArb(FIELD_NAMES), { maxLength: 4 }), valueArb),
    mcpServers: fc.oneof(
      fc.dictionary(fc.string({ maxLength: 6 }), entryArb(FIELD_NAMES), { maxKeys: 3 }),
      valueArb,
    ),
    tool_separator: valueArb,
    "x-extra": valueArb,
  },
  { requiredKeys: [] },
);

const loadedShapeArb = fc.record(
  {
    servers: fc.oneof(fc.array(entryArb(OWN_NAMES), { maxLength: 4 }), valueArb),
    toolSeparator: valueArb,
    source: valueArb,
  },
  { requiredKeys: ["servers", "toolSeparator"] },
);

async function check(load: () => Promise<unknown>, where: string): Promise<void> {
  lines.length = 0;
  let config: unknown;
  try {
    config = await load();
  } catch (error) {
    assertTypedError(error, ["CONFIG_"], where);
    return;
  } finally {
    for (const line of lines) assertNoSecret(line, `a log line of ${where}`);
  }
  if (!Object.isFrozen(config))
    throw new FuzzFinding(`${where} returned a config that is not frozen`);
  if ((await loadConfig(config as object)) !== config)
    throw new FuzzFinding(`${where} returned a config that loadConfig does not trust`);
}

const latin1OrUtf8 = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

export async function fuzzConfigLoader(budget: FuzzBudget): Promise<FuzzFigures> {
  // An empty directory: relative TLS paths and `cwd` resolve into it (nothing to read there).
  const baseDir = await mkdtemp(join(tmpdir(), "mcp-sse-fuzz-config-"));
  const options = { env, cwd: baseDir, logger };
  try {
    return await runConfigProperties(budget, options);
  } finally {
    await rm(baseDir, { recursive: true, force: true });
  }
}

type LoadOptions = { env: typeof env; cwd: string; logger: Logger };

function runConfigProperties(budget: FuzzBudget, options: LoadOptions): Promise<FuzzFigures> {
  return runTarget("config-loader", budget, [
    (b) =>
      runProperty(
        "random text",
        [
          fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: "binary", maxLength: 200 })),
          fc.constantFrom(undefined, "yaml", "json"),
        ],
        async (text, format) =>
          check(
            () => parseConfig(text, { ...options, ...(format ? { format } : {}) }),
            "parseConfig",
          ),
        b,
      ),
    (b) =>
      runProperty(
        "mutated valid YAML/JSON",
        [fc.constantFrom(SAMPLE_YAML, SAMPLE_JSON), byteEdits(10)],
        async (sample, edits) => {
          const text = latin1OrUtf8(applyEdits(new TextEncoder().encode(sample), edits));
          await check(() => parseConfig(text, options), "parseConfig");
        },
        b,
      ),
    (b) =>
      runProperty(
        "objects in the file shape",
        [fc.oneof(fileShapeArb, fc.anything())],
        async (value) => check(() => loadConfig(value as object, options), "loadConfig"),
        b,
      ),
    (b) =>
      runProperty(
        "hand-made look-alikes of a loaded config",
        [loadedShapeArb],
        async (value) => check(() => loadConfig(value, options), "loadConfig (look-alike)"),
        b,
      ),
  ]);
}
