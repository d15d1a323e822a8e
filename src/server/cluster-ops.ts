import type { JSONRPCMessage, MessageExtraInfo } from "@modelcontextprotocol/server";
import { McpSseError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ServerBackend, SessionTransportKind } from "./backends/types.js";
import type { LegacySseTransport } from "./legacy-transport.js";
import { LEGACY_STREAM } from "./legacy-transport.js";
import { RemoteSlot } from "./remote-slot.js";
import type { LocalSession, SessionManager } from "./sessions.js";
import type { StreamableSessionTransport } from "./streamable-transport.js";

/** The parts of a request the owner rebuilds for the MCP server (`ctx.http.req`), minus credentials. */
export interface ForwardedHttp {
  url: string;
  method: string;
  headers: [string, string][];
  /** `authInfo` as the receiving replica built it (the token is never in it). */
  authInfo?: MessageExtraInfo["authInfo"];
}

/** What a replica asks of a session's owner. Every op names the session and its principal. */
export type ClusterOp =
  /** Messages that need no response stream (legacy POSTs; /mcp notifications and responses). */
  | ({ op: "post"; sid: string; kind: SessionTransportKind; principalId: string | null } & {
      messages: JSONRPCMessage[];
      http: ForwardedHttp;
    })
  /** A /mcp POST carrying requests; the asking replica holds its stream `key`. */
  | {
      op: "request";
      sid: string;
      principalId: string | null;
      key: string;
      messages: JSONRPCMessage[];
      http: ForwardedHttp;
    }
  /** The asking replica now holds stream `key` (a resumption, or the standalone GET). */
  | {
      op: "attach";
      sid: string;
      kind: SessionTransportKind;
      principalId: string | null;
      key: string;
    }
  | { op: "delete"; sid: string; principalId: string | null };

/** What the owner needs to serve ops. */
export interface OwnerDeps {
  sessions: SessionManager;
  backend: ServerBackend;
  logger: Logger;
  /** Each stream handed to another replica, so its holder's liveness can be checked. */
  track?: (slot: RemoteSlot) => void;
}

/** The session an op names, as the owner holds it; else the error the asker answers with. */
function sessionOf(
  deps: OwnerDeps,
  sid: string,
  kind: SessionTransportKind,
  principalId: string | null,
): LocalSession {
  const session = deps.sessions.get(sid, kind, principalId === null ? null : { id: principalId });
  if (!session) {
    throw new McpSseError("SERVER_SESSION_NOT_FOUND", `Session ${sid} is not open on this replica`);
  }
  return session;
}

function extraOf(http: ForwardedHttp): MessageExtraInfo {
  const request = new Request(http.url, { method: http.method, headers: http.headers });
  return http.authInfo ? { request, authInfo: http.authInfo } : { request };
}

/**
 * Serve one op on the owner, for replica `from`. Resolves with the op's answer: `{ primed }`
 * for `request`, `{ complete }` for a streamable `attach`, `null` otherwise.
 */
export async function serveOp(deps: OwnerDeps, op: ClusterOp, from: string): Promise<unknown> {
  switch (op.op) {
    case "post": {
      const session = sessionOf(deps, op.sid, op.kind, op.principalId);
      deps.sessions.noteClientMessages(session, op.messages);
      const extra = extraOf(op.http);
      if (op.kind === "sse") {
        const transport = session.transport as LegacySseTransport;
        for (const message of op.messages) transport.receive(message, extra);
      } else {
        (session.transport as StreamableSessionTransport).receive(op.messages, extra);
      }
      return null;
    }
    case "request": {
      const session = sessionOf(deps, op.sid, "streamable", op.principalId);
      deps.sessions.noteClientMessages(session, op.messages);
      const slot = new RemoteSlot(from, op.sid, op.key, deps.backend, deps.logger);
      deps.track?.(slot);
      const transport = session.transport as StreamableSessionTransport;
      const primed = await transport.openRemoteRequestStream(op.messages, slot, extraOf(op.http));
      return { primed };
    }
    case "attach": {
      const session = sessionOf(deps, op.sid, op.kind, op.principalId);
      const slot = new RemoteSlot(from, op.sid, op.key, deps.backend, deps.logger);
      deps.track?.(slot);
      if (op.kind === "sse") {
        (session.transport as LegacySseTransport).attachRemote(slot);
        return { complete: false };
      }
      return { complete: (session.transport as StreamableSessionTransport).attachRemote(slot) };
    }
    case "delete": {
      sessionOf(deps, op.sid, "streamable", op.principalId);
      await deps.sessions.close(op.sid, "client DELETE");
      return null;
    }
  }
}

/** Replica `from` says the client of stream `key` left. */
export function detachOp(deps: OwnerDeps, sid: string, key: string, from: string): void {
  const session = deps.sessions.peek(sid);
  if (!session) return;
  if (key === LEGACY_STREAM && session.record.transport === "sse")
    (session.transport as LegacySseTransport).detachRemote(from);
  else if (session.record.transport === "streamable")
    (session.transport as StreamableSessionTransport).detachRemote(key, from);
}
