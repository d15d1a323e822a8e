/**
 * The one place that picks a server's `ServerConnection` implementation from its config:
 * `kind: feed` → an event feed; `kind: mcp`, or a transport that cannot reach a plain SSE
 * stream (stdio, Streamable HTTP) → MCP as always; `kind: auto` over `sse`/`auto` → MCP that
 * turns into a feed when the stream's first event says so.
 */
import { Connection, type ConnectionOptions } from "./connection.js";
import { FeedConnection } from "./feed/connection.js";
import { DetectingConnection } from "./feed/detecting.js";
import type { ServerConnection } from "./server-connection.js";

export function createServerConnection(options: ConnectionOptions): ServerConnection {
  const { server } = options;
  if (server.kind === "feed") {
    const { logger, emit, refreshToken, authProvider, onReconnectAttempt, onStreamReconnect } =
      options;
    return new FeedConnection({
      server,
      logger,
      emit,
      ...(refreshToken === undefined ? {} : { refreshToken }),
      ...(authProvider === undefined ? {} : { authProvider }),
      ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
      ...(onReconnectAttempt === undefined ? {} : { onReconnectAttempt }),
      ...(onStreamReconnect === undefined ? {} : { onStreamReconnect }),
    });
  }
  const detectable = server.transport === "sse" || server.transport === "auto";
  if (server.kind === "auto" && detectable) return new DetectingConnection(options);
  return new Connection(options);
}
