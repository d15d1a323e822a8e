/** The client side of an interactive OAuth test: an app's provider, and the user's browser. */
import assert from "node:assert/strict";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  OAuthTokens,
} from "@modelcontextprotocol/client";

/** Where the authorization server sends the browser back (never fetched: the test reads it). */
const REDIRECT_URL = "http://127.0.0.1:1/callback";

/**
 * An interactive provider, as an app would write it: in memory, the browser played by fetch.
 * `redirectUrl` and `clientName` make the client metadata (the conformance client extends it).
 */
export class MemoryOAuthProvider implements OAuthClientProvider {
  client: OAuthClientInformationMixed | undefined;
  stored: OAuthTokens | undefined;
  verifier = "";
  discovery: OAuthDiscoveryState | undefined;
  /** Every authorization URL the user was sent to. */
  readonly authorizationUrls: URL[] = [];

  constructor(
    readonly redirectUrl = REDIRECT_URL,
    private readonly clientName = "oauth-test",
    private readonly publicClient = true,
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.clientName,
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      ...(this.publicClient ? { token_endpoint_auth_method: "none" } : {}),
    };
  }
  clientInformation() {
    return this.client;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.client = info;
  }
  tokens() {
    return this.stored;
  }
  saveTokens(tokens: OAuthTokens) {
    this.stored = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrls.push(url);
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

/** The user's browser: open the authorization URL; the server redirects back with a code. */
export async function authorizeInBrowser(url: URL): Promise<string> {
  const response = await fetch(url, { redirect: "manual" });
  const location = response.headers.get("location");
  assert.equal(response.status, 302, "the authorization endpoint redirects back");
  const code = new URL(location ?? "").searchParams.get("code");
  assert.ok(code, "the redirect carries a code");
  return code;
}
