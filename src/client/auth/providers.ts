/**
 * Which `OAuthClientProvider` a server uses: the one the program passed for it
 * (`authProvider`), else one built from its config `auth:` block on the SDK's own
 * client-credentials providers (`ClientCredentialsProvider` for `client_secret`,
 * `PrivateKeyJwtProvider` for `private_key`), else none.
 */
import {
  ClientCredentialsProvider,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  PrivateKeyJwtProvider,
} from "@modelcontextprotocol/client";
import type { OAuthConfig, ServerConfig } from "../../config/types.js";

/** How the client names itself to an authorization server. */
export const OAUTH_CLIENT_NAME = "mcp-sse";

/**
 * The `authProvider` option of `connectMcps`: a provider per server name, or a function of
 * the server name (undefined: the server's `auth:` block, if any).
 */
export type AuthProviderOption =
  | Readonly<Record<string, OAuthClientProvider>>
  | ((server: string) => OAuthClientProvider | undefined);

export function providerFor(
  server: ServerConfig,
  option: AuthProviderOption | undefined,
): OAuthClientProvider | undefined {
  const given =
    typeof option === "function"
      ? option(server.name)
      : option !== undefined && Object.hasOwn(option, server.name)
        ? option[server.name]
        : undefined;
  if (given !== undefined) return given;
  return server.auth === undefined ? undefined : clientCredentialsProvider(server.auth);
}

/** The SDK provider for a config's client credentials. */
export function clientCredentialsProvider(auth: OAuthConfig): OAuthClientProvider {
  const common = {
    clientId: auth.clientId,
    clientName: OAUTH_CLIENT_NAME,
    ...(auth.scope === undefined ? {} : { scope: auth.scope }),
    ...(auth.issuer === undefined ? {} : { expectedIssuer: auth.issuer }),
  };
  const provider: OAuthClientProvider =
    auth.privateKey !== undefined
      ? new PrivateKeyJwtProvider({
          ...common,
          privateKey: auth.privateKey,
          algorithm: auth.algorithm,
        })
      : new ClientCredentialsProvider({ ...common, clientSecret: auth.clientSecret ?? "" });
  return auth.tokenEndpoint === undefined
    ? provider
    : withTokenEndpoint(provider, auth.tokenEndpoint, auth.issuer);
}

/**
 * `provider` with discovery answered in advance (`discoveryState`): the configured token
 * endpoint, for an authorization server that publishes no metadata.
 */
function withTokenEndpoint(
  provider: OAuthClientProvider,
  tokenEndpoint: string,
  issuer: string | undefined,
): OAuthClientProvider {
  const authorizationServerUrl = issuer ?? new URL(tokenEndpoint).origin;
  const state: OAuthDiscoveryState = {
    authorizationServerUrl,
    authorizationServerMetadata: {
      issuer: authorizationServerUrl,
      // Required by the metadata format; never used by the client-credentials grant.
      authorization_endpoint: tokenEndpoint,
      token_endpoint: tokenEndpoint,
      response_types_supported: ["code"],
      grant_types_supported: ["client_credentials"],
    },
  };
  return Object.assign(Object.create(provider) as OAuthClientProvider, {
    discoveryState: () => state,
  });
}
