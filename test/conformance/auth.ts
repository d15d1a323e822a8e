// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is the config syntax the secrets travel in
/**
 * The conformance suite's OAuth CLIENT scenarios (`auth/*`), run through `connectMcps` as an
 * agent would: an `authProvider` for the interactive flows (discovery, registration or a
 * client metadata document, PKCE, scopes, step-up), and the config's `auth:` block for the
 * client-credentials ones. The scenario's authorization server answers the authorization URL
 * with an immediate redirect back, so the "browser" is one fetch that reads the code from it;
 * the code goes to `manager.finishAuth`, as an app's callback handler would pass it.
 */
import type { OAuthClientInformationMixed } from "@modelcontextprotocol/client";
import {
  CLIENT_AUTH_REQUIRED,
  type ConnectMcpsOptions,
  connectMcps,
  type McpsManager,
} from "../../src/client/index.js";
import { isMcpSseError } from "../../src/errors.js";
import { MemoryOAuthProvider } from "../helpers/oauth-client.js";

/** The client's metadata document URL (CIMD), used where the server supports it. */
const CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json";
const REDIRECT_URL = "http://localhost:3000/callback";
/** Authorizations one scenario may need (first one, then a step-up). */
const MAX_AUTHORIZATIONS = 3;

/** What the suite passes in MCP_CONFORMANCE_CONTEXT for the credential scenarios. */
interface Context {
  client_id?: string;
  client_secret?: string;
  private_key_pem?: string;
  signing_algorithm?: string;
}

function context(): Context {
  const raw = process.env["MCP_CONFORMANCE_CONTEXT"];
  return raw === undefined ? {} : (JSON.parse(raw) as Context);
}

/** An app's provider, in memory; its "browser" follows the authorization URL with a fetch. */
class BrowserlessProvider extends MemoryOAuthProvider {
  readonly clientMetadataUrl?: string;
  /** The redirect's query (code, iss), until `finishAuth` takes it. */
  callback: URLSearchParams | undefined;

  constructor(options: { cimd?: boolean; client?: OAuthClientInformationMixed } = {}) {
    // A confidential client by default: the scenarios choose the token endpoint's auth method.
    super(REDIRECT_URL, "mcp-sse conformance client", false);
    if (options.cimd !== false) this.clientMetadataUrl = CLIENT_METADATA_URL;
    this.client = options.client;
  }
  invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery") {
    if (scope === "all" || scope === "tokens") this.stored = undefined;
    if (scope === "all" || scope === "client") this.client = undefined;
    if (scope === "all" || scope === "discovery") this.discovery = undefined;
  }
  override async redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
    const response = await fetch(url, { redirect: "manual" });
    const location = response.headers.get("location");
    if (location === null)
      throw new Error(`the authorization endpoint answered ${response.status}, no redirect`);
    this.callback = new URL(location).searchParams;
  }
}

/** Hand the code of the last authorization redirect to finishAuth (none pending: false). */
async function finishPending(
  manager: McpsManager,
  server: string,
  provider: BrowserlessProvider | undefined,
): Promise<boolean> {
  const callback = provider?.callback;
  if (provider === undefined || callback === undefined) return false;
  provider.callback = undefined;
  const code = callback.get("code");
  if (code === null) throw new Error("the authorization redirect carried no code");
  await manager.finishAuth(server, code, callback.get("iss") ?? undefined);
  return true;
}

/** Run `step`; when it needs the user (a step-up), finish the authorization and run it again. */
async function authorized<T>(
  manager: McpsManager,
  server: string,
  provider: BrowserlessProvider | undefined,
  step: () => Promise<T>,
): Promise<T> {
  for (let round = 1; ; round++) {
    try {
      return await step();
    } catch (error) {
      if (!isMcpSseError(error, CLIENT_AUTH_REQUIRED) || round > MAX_AUTHORIZATIONS) throw error;
      if (!(await finishPending(manager, server, provider))) throw error;
    }
  }
}

/** Connect, authorize when asked, list tools, call the scenario's tool if it has one. */
async function run(
  url: string,
  server: string,
  entry: Record<string, unknown>,
  options: ConnectMcpsOptions,
  provider?: BrowserlessProvider,
): Promise<void> {
  const manager = await connectMcps({ mcps: [{ name: server, url, ...entry }] }, options);
  try {
    // The first connect asked for the user (CLIENT_AUTH_REQUIRED): finish it; it reconnects.
    if (manager.servers()[0]?.error?.code === CLIENT_AUTH_REQUIRED)
      await finishPending(manager, server, provider);
    const status = manager.servers()[0];
    if (status?.state !== "ready")
      throw new Error(
        `server not ready: ${status?.state} (${status?.error?.code}: ${status?.error?.message})`,
      );
    const tool = manager.tools()[0];
    if (tool !== undefined)
      await authorized(manager, server, provider, () => manager.call(server, tool.name, {}));
  } finally {
    await manager.close();
  }
}

/** The well-behaved interactive client: every metadata, scope and token-endpoint scenario. */
export async function interactive(url: string, server: string, entry: Record<string, unknown>) {
  const provider = new BrowserlessProvider();
  await run(url, server, entry, { authProvider: { [server]: provider } }, provider);
}

/** Pre-registered client (no dynamic registration): credentials from the suite's context. */
export async function preRegistered(url: string, server: string, entry: Record<string, unknown>) {
  const ctx = context();
  const provider = new BrowserlessProvider({
    cimd: false,
    client: {
      client_id: ctx.client_id ?? "",
      ...(ctx.client_secret === undefined ? {} : { client_secret: ctx.client_secret }),
    },
  });
  await run(url, server, entry, { authProvider: { [server]: provider } }, provider);
}

/** Client credentials, from the config's `auth:` block (secrets through `${VAR}`). */
export async function clientCredentials(
  url: string,
  server: string,
  entry: Record<string, unknown>,
) {
  const ctx = context();
  const auth: Record<string, string> = { client_id: ctx.client_id ?? "" };
  const env: Record<string, string> = {};
  if (ctx.private_key_pem !== undefined) {
    env["CONFORMANCE_PRIVATE_KEY"] = ctx.private_key_pem;
    auth["private_key"] = "${CONFORMANCE_PRIVATE_KEY}";
    if (ctx.signing_algorithm !== undefined) auth["algorithm"] = ctx.signing_algorithm;
  } else {
    env["CONFORMANCE_CLIENT_SECRET"] = ctx.client_secret ?? "";
    auth["client_secret"] = "${CONFORMANCE_CLIENT_SECRET}";
  }
  await run(url, server, { ...entry, auth }, { env });
}
