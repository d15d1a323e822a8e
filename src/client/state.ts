/**
 * The connection state machine (ARCHITECTURE.md): connecting → ready → reconnecting →
 * ready | failed; any → closed. `paused`: the server sent a `RATE_LIMITED` error event, so
 * its calls and reconnects wait (docs/event-feeds.md); it ends in ready or reconnecting. Every change goes through `assertTransition`, so an
 * impossible change is a bug that fails loudly instead of a silent inconsistency.
 */
import { McpSseError } from "../errors.js";

export type ConnectionState =
  | "connecting"
  | "ready"
  | "reconnecting"
  | "paused"
  | "failed"
  | "closed";

/** The allowed next states of each state. */
export const TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = {
  // A first connect that fails is `failed` at once: `connectMcps` must resolve promptly.
  connecting: ["ready", "failed", "closed"],
  ready: ["reconnecting", "paused", "failed", "closed"],
  reconnecting: ["ready", "paused", "failed", "closed"],
  paused: ["ready", "reconnecting", "failed", "closed"],
  // `finishAuth` reconnects a server that failed for want of the user's authorization.
  failed: ["reconnecting", "closed"],
  closed: [],
};

export function canTransition(from: ConnectionState, to: ConnectionState): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(server: string, from: ConnectionState, to: ConnectionState): void {
  if (!canTransition(from, to))
    throw new McpSseError(
      "CLIENT_BAD_TRANSITION",
      `Server "${server}": connection state cannot change from ${from} to ${to} (internal error; please report).`,
      { details: { server, from, to } },
    );
}
