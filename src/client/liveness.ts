/**
 * Pings that tell a live connection from a dead one: every `ping_interval`, and once after a
 * call timed out (a slow tool, or a stream that stopped delivering answers without closing?).
 * A live server answers a ping at once even while a tool runs; no answer = the connection is lost.
 */
import type { Client } from "@modelcontextprotocol/client";
import type { Logger } from "../logger.js";
import { describe } from "./call-errors.js";

export interface LivenessOptions {
  /** Period of the pings, ms; `0` disables them (probes after a timeout still run). */
  intervalMs: number;
  /** How long a ping may take, ms. */
  timeoutMs: number;
  log: Logger;
  /** True while `client` is the connection's live, ready Client. */
  isCurrent: (client: Client) => boolean;
  /** A ping of the current Client failed: the connection is lost. */
  onDead: (error: unknown) => void;
}

export class Liveness {
  private timer: ReturnType<typeof setInterval> | undefined;
  /** A probe after a timed-out call is in flight (one at a time). */
  private probing = false;

  constructor(private readonly options: LivenessOptions) {}

  /** Ping `client` every `intervalMs` (replacing any earlier schedule). */
  start(client: Client): void {
    this.stop();
    const every = this.options.intervalMs;
    if (every <= 0) return;
    this.timer = setInterval(() => {
      client.ping({ timeout: this.options.timeoutMs }).catch((error: unknown) => {
        if (this.options.isCurrent(client)) this.options.onDead(error);
      });
    }, every);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A call on `client` timed out: ping once to tell a slow tool from a dead connection. */
  probe(client: Client): void {
    if (this.probing || !this.options.isCurrent(client)) return;
    this.probing = true;
    const { log } = this.options;
    client
      .ping({ timeout: this.options.timeoutMs })
      .then(
        () => log.debug("probe after a timed-out call answered: the connection is alive"),
        (error: unknown) => {
          if (!this.options.isCurrent(client)) return;
          log.warn({ error: describe(error) }, "probe after a timed-out call failed");
          this.options.onDead(error);
        },
      )
      .finally(() => {
        this.probing = false;
      });
  }
}
