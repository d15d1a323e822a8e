/**
 * What one server's requests authenticate with: its configured headers, the headers
 * `refreshToken` returned after a 401 (or an AUTHENTICATION_FAILED event), and its OAuth
 * state. Also every secret value among them, for the redaction of logs, errors and events.
 */
import { McpSseError } from "../errors.js";
import type { Logger } from "../logger.js";
import { finishServerAuth } from "./auth/finish.js";
import { oauthOf, type ServerOAuth } from "./auth/server-oauth.js";
import { CLIENT_REFRESH_FAILED, describe, isUnauthorized } from "./call-errors.js";
import type { ConnectionOptions } from "./connection-options.js";
import { headerSecrets } from "./scrub-secrets.js";

/**
 * The headers `refresh` returns for server `name` (logged by name, never by value); a throw
 * is `CLIENT_REFRESH_FAILED`. For MCP connections and event feeds alike.
 */
export async function refreshedHeaders(
  refresh: (server: string) => Record<string, string> | Promise<Record<string, string>>,
  name: string,
  log: Logger,
): Promise<Record<string, string>> {
  try {
    const headers = await refresh(name);
    log.info({ headers: Object.keys(headers) }, "refreshed credentials");
    return headers;
  } catch (cause) {
    throw new McpSseError(
      CLIENT_REFRESH_FAILED,
      `Server "${name}" refused the credentials and refreshToken() failed: ${describe(cause).message}`,
      { details: { server: name }, cause },
    );
  }
}

export class ConnectionCredentials {
  /** OAuth state shared by every transport of this server (`options.authProvider`, `auth:`). */
  readonly oauth: ServerOAuth | undefined;
  private refreshed: Record<string, string> | undefined;
  /** `headers()`, built once per refresh. */
  private merged: Record<string, string> | undefined;
  private readonly secretsOf: (refreshed: Record<string, string> | undefined) => string[];

  /** `log` is read at use: the connection's logger is built on this object's values. */
  constructor(
    private readonly options: ConnectionOptions,
    private readonly log: () => Logger,
  ) {
    this.secretsOf = headerSecrets(options.server.headers);
    this.oauth = oauthOf(options);
  }

  /** A `refreshToken` hook was given. */
  get canRefresh(): boolean {
    return this.options.refreshToken !== undefined;
  }

  /**
   * The headers every request carries now: configured, under the refreshed ones. The same
   * object until a refresh (read-only to its callers): a transport then knows its values are
   * the ones it already has, and merges nothing anew per request.
   */
  headers(): Record<string, string> {
    this.merged ??= { ...this.options.server.headers, ...this.refreshed };
    return this.merged;
  }

  /** Configured and refreshed secret header values, and the OAuth tokens and secrets. */
  secretValues(): string[] {
    const values = this.secretsOf(this.refreshed);
    return this.oauth === undefined ? values : [...values, ...this.oauth.secretValues()];
  }

  /** New headers from `refreshToken` (none given: nothing); a throw is `CLIENT_REFRESH_FAILED`. */
  async refresh(): Promise<void> {
    const refresh = this.options.refreshToken;
    if (refresh === undefined) return;
    this.refreshed = await refreshedHeaders(refresh, this.options.server.name, this.log());
    this.merged = undefined;
  }

  /**
   * Run `open` (a connect attempt): first refreshed when the `previous` attempt was refused
   * (401); on a 401 now, refreshed and run once more. Without `refreshToken`, `open` alone.
   */
  async openWith(
    open: () => Promise<void>,
    previous: unknown,
    aborted: () => boolean,
  ): Promise<void> {
    if (this.canRefresh && isUnauthorized(previous)) await this.refresh();
    try {
      await open();
    } catch (error) {
      if (!this.canRefresh || !isUnauthorized(error) || aborted()) throw error;
      await this.refresh();
      await open();
    }
  }

  /** Exchange the code of an OAuth redirect for tokens (`finishAuth`). */
  finishAuth(authorizationCode: string, iss?: string): Promise<void> {
    return finishServerAuth(this.oauth, this.options, authorizationCode, iss);
  }
}
