/**
 * A server connection's state, error and ready time (MCP and feed alike), changed only through
 * the state machine (`state.ts`) and announced the same way for both: a `state` event
 * `{ from, to, error? }` per change, an `error` event `{ code, message }` per failure.
 */
import type { Logger } from "../logger.js";
import { describe } from "./call-errors.js";
import type { McpsEvent } from "./events.js";
import { assertTransition, type ConnectionState } from "./state.js";

export class ConnectionStatus {
  state: ConnectionState = "connecting";
  error: Error | undefined;
  connectedSince: number | undefined;

  constructor(
    private readonly server: string,
    private readonly log: () => Logger,
    private readonly emit: (event: McpsEvent) => void,
  ) {}

  /** Change state (no-op when already there); false when nothing changed. */
  set(to: ConnectionState, error?: unknown): boolean {
    const from = this.state;
    if (from === to) return false;
    assertTransition(this.server, from, to);
    this.state = to;
    // Paused (RATE_LIMITED) is still connected: the connection's age goes on.
    if (to === "ready") {
      this.connectedSince = Date.now();
      this.error = undefined;
    } else if (to !== "paused") this.connectedSince = undefined;
    if (error instanceof Error) this.error = error;
    this.announce(from, to, error);
    return true;
  }

  announce(from: ConnectionState | undefined, to: ConnectionState, error?: unknown): void {
    this.log().info({ from, to }, "state");
    const data: Record<string, unknown> = { from: from ?? null, to };
    if (error !== undefined) data["error"] = describe(error);
    this.emit({ server: this.server, type: "state", data, receivedAt: Date.now() });
  }

  report(error: unknown): void {
    const { code, message } = describe(error);
    if (error instanceof Error) this.error = error;
    this.log().warn({ code, message }, "connection error");
    this.emit({
      server: this.server,
      type: "error",
      data: { code, message },
      receivedAt: Date.now(),
    });
  }
}
