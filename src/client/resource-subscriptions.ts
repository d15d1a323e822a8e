/**
 * Resource subscriptions that outlive a session: the manager remembers which URIs the app
 * subscribed to on which server, and when a connection re-initializes (a new session after a
 * drop or a server restart, where the server has forgotten them) subscribes to each again on
 * the new session, then says so with a `resources_resubscribed` event. Updates themselves
 * arrive as `resource_updated` events (events.ts), like every other notification.
 */
import type { Client } from "@modelcontextprotocol/client";
import { describe } from "./call-errors.js";
import type { McpsEvent } from "./events.js";
import type { ContentRequestOptions, ServerContent } from "./server-content.js";
import { NEEDS_SUBSCRIBE } from "./server-content.js";

/** An `error` event: a remembered subscription could not be renewed on a new session. */
export const CLIENT_RESUBSCRIBE_FAILED = "CLIENT_RESUBSCRIBE_FAILED";

export interface ResourceSubscriptionsApi {
  /**
   * `resources/subscribe`: the server then sends `notifications/resources/updated` for `uri`,
   * which arrive as `resource_updated` events (`data.uri`). Kept across reconnects: a new
   * session is subscribed again. `CLIENT_NOT_SUPPORTED` when the server does not declare
   * `resources.subscribe`.
   */
  subscribeResource(server: string, uri: string, options?: ContentRequestOptions): Promise<void>;
  /** `resources/unsubscribe`, and no re-subscribing after a reconnect. */
  unsubscribeResource(server: string, uri: string, options?: ContentRequestOptions): Promise<void>;
  /** The URIs subscribed to, by server. */
  resourceSubscriptions(): Record<string, string[]>;
}

export class ResourceSubscriptions implements ResourceSubscriptionsApi {
  private readonly byServer = new Map<string, Set<string>>();

  constructor(
    private readonly content: ServerContent,
    /** The manager's event intake: `resources_resubscribed` and `error` events go there. */
    private readonly emit: (event: McpsEvent) => void,
    private readonly timeoutOf: (server: string) => number,
  ) {}

  async subscribeResource(
    server: string,
    uri: string,
    options: ContentRequestOptions = {},
  ): Promise<void> {
    const uris = this.urisOf(server);
    const already = uris.has(uri);
    // Remembered before the request: a session that re-initializes meanwhile subscribes to it.
    uris.add(uri);
    try {
      await this.content.subscription(server, uri, true, options);
    } catch (error) {
      if (!already) uris.delete(uri);
      throw error;
    }
  }

  async unsubscribeResource(
    server: string,
    uri: string,
    options: ContentRequestOptions = {},
  ): Promise<void> {
    this.byServer.get(server)?.delete(uri);
    await this.content.subscription(server, uri, false, options);
  }

  resourceSubscriptions(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [server, uris] of this.byServer) if (uris.size > 0) out[server] = [...uris];
    return out;
  }

  /**
   * A new session of `server` is initialized (`client`): subscribe to each remembered URI
   * again. Failures are `error` events (the app's subscription stays remembered, for the
   * next session); the URIs that succeeded are announced in one `resources_resubscribed`
   * event, as a cue to read them again (what changed while disconnected was not announced).
   */
  async restore(server: string, client: Client): Promise<void> {
    const uris = [...(this.byServer.get(server) ?? [])];
    if (uris.length === 0) return;
    if (!NEEDS_SUBSCRIBE.has(client.getServerCapabilities())) {
      this.error(server, "the new session does not declare resources.subscribe", uris);
      return;
    }
    const timeout = this.timeoutOf(server);
    const done = await Promise.all(
      uris.map((uri) =>
        client.subscribeResource({ uri }, { timeout }).then(
          () => uri,
          (error: unknown) => {
            this.error(server, describe(error).message, [uri]);
            return undefined;
          },
        ),
      ),
    );
    const restored = done.filter((uri): uri is string => uri !== undefined);
    if (restored.length > 0)
      this.emit({
        server,
        type: "resources_resubscribed",
        data: { uris: restored },
        receivedAt: Date.now(),
      });
  }

  private urisOf(server: string): Set<string> {
    let uris = this.byServer.get(server);
    if (uris === undefined) {
      uris = new Set();
      this.byServer.set(server, uris);
    }
    return uris;
  }

  private error(server: string, why: string, uris: string[]): void {
    this.emit({
      server,
      type: "error",
      data: {
        code: CLIENT_RESUBSCRIBE_FAILED,
        message: `Re-subscribing to ${uris.join(", ")} on server "${server}" after it re-initialized failed: ${why}`,
      },
      receivedAt: Date.now(),
    });
  }
}
