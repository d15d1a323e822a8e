/**
 * Client transports: an SDK `Transport` for each `transport:` of a server config. The
 * connection manager calls `createClientTransport` once per MCP session; when a transport
 * reports `CLIENT_SESSION_LOST`, `CLIENT_UNAUTHORIZED` or reconnects exhausted (then
 * `onclose`), the manager makes a new one and re-initializes. See docs/transports.md.
 */
import { McpSseError } from "../../errors.js";
import { AutoClientTransport } from "./auto.js";
import { LazyStdioTransport } from "./lazy-stdio.js";
import { LegacySseClientTransport } from "./sse.js";
import { StreamableHttpClientTransport } from "./streamable-http.js";
import type { ClientTransportOptions, McpSseClientTransport } from "./types.js";

export { parseRetryAfter } from "../../sse/backoff.js";
export { AUTO_FALLBACK_STATUSES, AutoClientTransport } from "./auto.js";
export { DEFAULT_STREAM_IDLE_TIMEOUT_MS } from "./base.js";
export { isJsonRpcMessage, parseJsonRpc } from "./jsonrpc.js";
export { DEFAULT_DELETE_TIMEOUT_MS } from "./post.js";
export { ERROR_BODY_EXCERPT_CHARS, MAX_POST_ATTEMPTS } from "./request.js";
export { LegacySseClientTransport } from "./sse.js";
export { STREAM_ENDED_RPC_CODE, StreamableHttpClientTransport } from "./streamable-http.js";
export type {
  ClientTransportOptions,
  McpSseClientTransport,
  StreamName,
  StreamStateChange,
} from "./types.js";

/** Build the transport for `options.server.transport` (`sse`, `streamable-http`, `stdio`, `auto`). */
export function createClientTransport(options: ClientTransportOptions): McpSseClientTransport {
  const { server } = options;
  switch (server.transport) {
    case "sse":
      return new LegacySseClientTransport(options);
    case "streamable-http":
      return new StreamableHttpClientTransport(options);
    case "auto":
      return new AutoClientTransport(options);
    case "stdio":
      if (server.command === undefined || server.command === "")
        throw new McpSseError(
          "CLIENT_BAD_CONFIG",
          `Server "${server.name}" uses transport stdio and needs a "command".`,
          { details: { server: server.name } },
        );
      return new LazyStdioTransport(options);
    default:
      throw new McpSseError(
        "CLIENT_BAD_CONFIG",
        `Server "${server.name}" has unknown transport "${String(server.transport)}"; use sse, streamable-http, stdio or auto.`,
        { details: { server: server.name } },
      );
  }
}
