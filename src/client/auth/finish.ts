/**
 * `finishAuth` of a connection: the code the user's browser brought back is exchanged for
 * tokens through the server's own HTTP pool (its TLS options), or a one-off pool when the
 * connection has none (a `Connection` made without the manager).
 */
import type { ServerConfig } from "../../config/types.js";
import { McpSseError } from "../../errors.js";
import { CLIENT_INVALID_OPTION } from "../call-errors.js";
import { defaultFetch } from "../transports/base.js";
import type { ServerOAuth } from "./server-oauth.js";

export async function finishServerAuth(
  oauth: ServerOAuth | undefined,
  options: { server: ServerConfig; fetch?: typeof globalThis.fetch },
  authorizationCode: string,
  iss?: string,
): Promise<void> {
  const server = options.server.name;
  if (oauth === undefined)
    throw new McpSseError(
      CLIENT_INVALID_OPTION,
      `finishAuth("${server}"): the server has no OAuth provider (pass authProvider for it, or give it an auth: block).`,
      { details: { server } },
    );
  if (typeof authorizationCode !== "string" || authorizationCode === "")
    throw new McpSseError(
      CLIENT_INVALID_OPTION,
      `finishAuth("${server}"): the authorization code must be a non-empty string.`,
      { details: { server } },
    );
  if (options.fetch !== undefined) return oauth.finishAuth(options.fetch, authorizationCode, iss);
  const owned = defaultFetch(options.server);
  try {
    await oauth.finishAuth(owned.fetch, authorizationCode, iss);
  } finally {
    await owned.close();
  }
}
