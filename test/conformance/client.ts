/**
 * The client under test for `npm run conformance`: the official conformance suite's CLIENT
 * scenarios start a scenario server and run this program against it, built on mcp-sse's
 * client: every scenario runs through `connectMcps`, as a user's agent would.
 *
 * Usage (by the suite): node --import tsx test/conformance/client.ts <server-url>
 * The suite appends the URL as the last argument and names the scenario in the
 * MCP_CONFORMANCE_SCENARIO environment variable. Exit 0 when the scenario's client side
 * ran to the end, 1 otherwise (the suite's own checks decide pass/fail; a non-zero exit is
 * an extra failure signal and prints why on stderr).
 */
import { type ConnectMcpsOptions, connectMcps, type McpsManager } from "../../src/client/index.js";
import { clientCredentials, interactive, preRegistered } from "./auth.js";

/** Every scenario ends well before the suite's own 30 s client timeout. */
const SCENARIO_DEADLINE_MS = 25_000;
/** Per-request timeout given to the client (config `timeout`, seconds). */
const REQUEST_TIMEOUT_S = 10;
/** The one server of the config; its name prefixes nothing the suite sees. */
const SERVER_NAME = "conformance";

type Scenario = (url: string) => Promise<void>;

/** A one-server config as a user would write it (the seed format of `mcps:`). */
function oneServer(url: string, transport: "streamable-http" | "auto") {
  return {
    mcps: [{ name: SERVER_NAME, transport, url, timeout: REQUEST_TIMEOUT_S }],
  };
}

/** connectMcps reports a server that failed to connect in servers(), not by throwing. */
async function connectReady(url: string, options: ConnectMcpsOptions = {}): Promise<McpsManager> {
  const manager = await connectMcps(oneServer(url, "streamable-http"), options);
  const status = manager.servers().find((s) => s.name === SERVER_NAME);
  if (status?.state !== "ready") {
    await manager.close();
    throw new Error(
      `server not ready: state ${status?.state ?? "missing"}` +
        (status?.error ? ` (${status.error.code}: ${status.error.message})` : ""),
    );
  }
  return manager;
}

/** Initialize (protocol version, clientInfo), list tools, close. */
const initialize: Scenario = async (url) => {
  const manager = await connectReady(url);
  await manager.close();
};

/** Call the scenario's add_numbers tool and check the sum it reports. */
const toolsCall: Scenario = async (url) => {
  const manager = await connectReady(url);
  try {
    if (!manager.tools().some((t) => t.name === "add_numbers"))
      throw new Error("tools/list did not offer add_numbers");
    const result = await manager.call(SERVER_NAME, "add_numbers", { a: 5, b: 3 });
    const text = result.content.map((c) => (c.type === "text" ? c.text : "")).join("");
    if (result.isError === true || !text.includes("8"))
      throw new Error(`add_numbers(5, 3) answered ${JSON.stringify(result.content)}`);
  } finally {
    await manager.close();
  }
};

/**
 * SEP-1699: the server ends the tool call's SSE stream after a priming event (id + `retry:`)
 * and answers on the GET the client must make with Last-Event-ID after `retry` ms. The
 * suite times the reconnect; the call must still get its result.
 */
const sseRetry: Scenario = async (url) => {
  const manager = await connectReady(url);
  try {
    const result = await manager.call(SERVER_NAME, "test_reconnection", {});
    if (result.isError === true)
      throw new Error(`test_reconnection failed: ${JSON.stringify(result)}`);
  } finally {
    await manager.close();
  }
};

/**
 * SEP-1034: the server elicits a form whose fields all have defaults; the client accepts
 * with no content and must fill in the defaults. `connectMcps` with an elicitation handler
 * declares `elicitation.form.applyDefaults`, and the SDK applies the schema's defaults.
 */
const elicitationDefaults: Scenario = async (url) => {
  const manager = await connectReady(url, {
    handlers: { elicitation: async () => ({ action: "accept", content: {} }) },
  });
  try {
    const name = "test_client_elicitation_defaults";
    if (!manager.tools().some((t) => t.name === name))
      throw new Error(`tools/list did not offer ${name}`);
    const result = await manager.call(SERVER_NAME, name, {});
    if (result.isError === true) throw new Error(`${name} failed: ${JSON.stringify(result)}`);
  } finally {
    await manager.close();
  }
};

/** The OAuth scenarios (auth.ts), on the one server entry of the other scenarios. */
const entry = { transport: "streamable-http", timeout: REQUEST_TIMEOUT_S, max_reconnects: 1 };
const oauth =
  (run: typeof interactive): Scenario =>
  (url) =>
    run(url, SERVER_NAME, entry);
const INTERACTIVE_AUTH = [
  "auth/metadata-default",
  "auth/metadata-var1",
  "auth/metadata-var2",
  "auth/metadata-var3",
  "auth/basic-cimd",
  "auth/scope-from-www-authenticate",
  "auth/scope-from-scopes-supported",
  "auth/scope-omitted-when-undefined",
  "auth/scope-step-up",
  "auth/scope-retry-limit",
  "auth/token-endpoint-auth-basic",
  "auth/token-endpoint-auth-post",
  "auth/token-endpoint-auth-none",
  "auth/2025-03-26-oauth-metadata-backcompat",
  "auth/2025-03-26-oauth-endpoint-fallback",
  "auth/resource-mismatch",
  "auth/offline-access-scope",
  "auth/offline-access-not-supported",
];

const SCENARIOS: Record<string, Scenario> = {
  initialize,
  tools_call: toolsCall,
  "sse-retry": sseRetry,
  "elicitation-sep1034-client-defaults": elicitationDefaults,
  ...Object.fromEntries(INTERACTIVE_AUTH.map((name) => [name, oauth(interactive)])),
  "auth/pre-registration": oauth(preRegistered),
  "auth/client-credentials-basic": oauth(clientCredentials),
  "auth/client-credentials-jwt": oauth(clientCredentials),
};

async function main(): Promise<number> {
  const url = process.argv[process.argv.length - 1];
  const name = process.env["MCP_CONFORMANCE_SCENARIO"] ?? "";
  if (url === undefined || !/^https?:\/\//.test(url)) {
    console.error("usage: client.ts <server-url>  (scenario in MCP_CONFORMANCE_SCENARIO)");
    return 2;
  }
  const scenario = SCENARIOS[name];
  if (scenario === undefined) {
    console.error(
      `conformance client: no handler for scenario "${name}"; known: ${Object.keys(SCENARIOS).join(", ")}`,
    );
    return 2;
  }
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`scenario did not finish within ${SCENARIO_DEADLINE_MS} ms`)),
      SCENARIO_DEADLINE_MS,
    );
  });
  try {
    await Promise.race([scenario(url), deadline]);
    console.log(`conformance client: scenario ${name} done`);
    return 0;
  } catch (error) {
    console.error(`conformance client: scenario ${name} failed:`, error);
    return 1;
  } finally {
    clearTimeout(timer);
  }
}

// process.exit: a stream left open by a failed scenario must not keep the process alive.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("conformance client: unexpected error:", error);
    process.exit(1);
  },
);
