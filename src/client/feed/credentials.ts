/**
 * A feed's headers: the configured ones under those `refreshToken` returned, every value sent
 * remembered (to scrub from errors), and the 401 rule shared by the stream and the RPC: one
 * refresh per failure streak (reset once a stream opens), so a refused token cannot loop.
 * With OAuth, the bearer token goes on every request through `authorized(fetch)`.
 */
import type { ServerConfig } from "../../config/types.js";
import type { McpSseError } from "../../errors.js";
import type { Logger } from "../../logger.js";
import { secretValuesOf } from "../../sse/reader-http.js";
import type { ServerOAuth } from "../auth/server-oauth.js";
import type { RefreshToken } from "../connection.js";
import { refreshedHeaders } from "../connection-credentials.js";
import { headerSecrets } from "../scrub-secrets.js";
import { scrubError } from "../transports/request.js";

export class FeedCredentials {
  private readonly sent = new Set<string>();
  private refreshed: Record<string, string> | undefined;
  private refreshedFor401 = false;
  private readonly secretsOf: (refreshed: Record<string, string> | undefined) => string[];

  constructor(
    private readonly server: ServerConfig,
    private readonly refreshToken: RefreshToken | undefined,
    private readonly log: () => Logger,
    private readonly oauth: ServerOAuth | undefined,
  ) {
    this.secretsOf = headerSecrets(server.headers);
  }

  /** The values of `headers()` and their credential parts (cached until a refresh), and OAuth's. */
  secretValues(): string[] {
    const values = this.secretsOf(this.refreshed);
    return this.oauth === undefined ? values : [...values, ...this.oauth.secretValues()];
  }

  /** The OAuth tokens and secrets seen (none without OAuth). */
  oauthSecretValues(): string[] {
    return this.oauth?.secretValues() ?? [];
  }

  /** `fetch` with the OAuth bearer token and 401 flow (server-oauth.ts); as is without OAuth. */
  authorized(fetch: typeof globalThis.fetch): typeof globalThis.fetch {
    return this.oauth === undefined
      ? fetch
      : this.oauth.wrap(fetch, (values) => this.remember(values));
  }

  get canRefresh(): boolean {
    return this.refreshToken !== undefined;
  }

  /** True when a 401 now would be answered with a refresh. */
  get refreshable(): boolean {
    return this.refreshToken !== undefined && !this.refreshedFor401;
  }

  headers(): Record<string, string> {
    return { ...this.server.headers, ...this.refreshed };
  }

  /** Header values sent (and their credential part), to scrub from errors. */
  remember(values: readonly string[]): void {
    for (const value of values) {
      this.sent.add(value);
      for (const part of secretValuesOf({ value })) this.sent.add(part);
    }
  }

  secrets(): string[] {
    return [...this.sent];
  }

  scrub(error: McpSseError): McpSseError {
    return scrubError(error, this.secrets());
  }

  /** A stream opened: the next 401 may refresh again. */
  opened(): void {
    this.refreshedFor401 = false;
  }

  /** After a 401: refresh once per streak (false: no `refreshToken`, or already refreshed). */
  async refreshAfter401(): Promise<boolean> {
    if (!this.refreshable) return false;
    this.refreshedFor401 = true;
    await this.refresh();
    return true;
  }

  /** New headers from `refreshToken` (none configured: nothing); a throw is `CLIENT_REFRESH_FAILED`. */
  async refresh(): Promise<void> {
    if (this.refreshToken === undefined) return;
    this.refreshed = await refreshedHeaders(this.refreshToken, this.server.name, this.log());
  }
}
