/**
 * The one interface the manager talks to, per configured server (STYLE.md #13): an MCP
 * server (`Connection`), a plain SSE event feed (`FeedConnection`), or a server whose kind is
 * found out on connect (`DetectingConnection`). Each emits the same `state` and `error`
 * events and follows the same state machine (`state.ts`).
 */
import type { CallToolResult, Client, Tool } from "@modelcontextprotocol/client";
import type { CallOptions } from "./connection.js";
import type { ConnectionState } from "./state.js";

export interface ServerConnection {
  readonly name: string;
  readonly state: ConnectionState;
  /** Why the server is not ready (kept until it is ready again). */
  readonly error: Error | undefined;
  /** Unix ms the current connection became ready. */
  readonly connectedSince: number | undefined;
  /** The server's tools after `tools.allow/deny` (kept while reconnecting, none once failed). */
  readonly tools: readonly Tool[];
  /** First connect: resolves once `ready` or `failed` (never rejects). */
  start(): Promise<void>;
  call(tool: string, args: Record<string, unknown>, options?: CallOptions): Promise<CallToolResult>;
  /**
   * The values this server's requests carry (configured and refreshed headers, and the
   * credential of `Bearer <token>`): the manager scrubs them from what it hands out.
   */
  secretValues(): string[];
  /**
   * The SDK `Client` while an MCP server is ready (for resources and prompts, see
   * `server-content.ts`); undefined otherwise, and always for an event feed (it has neither).
   */
  readyClient(): Client | undefined;
  /**
   * Complete an OAuth authorization that needed the user (`CLIENT_AUTH_REQUIRED`): exchange
   * the code for tokens and reconnect a server that failed for want of it.
   */
  finishAuth(authorizationCode: string, iss?: string): Promise<void>;
  /** Tell the server its roots changed, when it can hear it; failures become `error` events. */
  notifyRootsChanged(): Promise<void>;
  close(): Promise<void>;
}
