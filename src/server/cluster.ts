import { isMcpSseError, McpSseError } from "../errors.js";
import type { SessionRecord, SessionTransportKind } from "./backends/types.js";
import type { ClusterOp, OwnerDeps } from "./cluster-ops.js";
import { detachOp, serveOp } from "./cluster-ops.js";
import type { HolderMessage, RemoteSlot } from "./remote-slot.js";
import type { SseStream } from "./sse-stream.js";
import type { StreamSlot } from "./stream-slot.js";
import type { Principal } from "./types.js";

/**
 * How long a replica waits for a session's owner to take a forwarded request (the answer to
 * a call then streams as it comes). Past it the client gets 504 `SERVER_OWNER_TIMEOUT`.
 */
export const DEFAULT_FORWARD_TIMEOUT_MS = 5000;
/**
 * How often a replica holding streams of sessions owned elsewhere checks that each owner still
 * claims its session; a stream whose owner died is ended, so its client finds out.
 */
export const DEFAULT_OWNER_CHECK_MS = 2000;

type Wire =
  | HolderMessage
  | { t: "call"; id: number; from: string; op: ClusterOp }
  | { t: "reply"; id: number; ok: true; value: unknown }
  | { t: "reply"; id: number; ok: false; code: string; message: string }
  | { t: "detach"; sid: string; key: string; from: string }
  /** Owner → holder: are you there? (`send` answers false when nobody listens.) */
  | { t: "ping" };

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

interface Held {
  owner: string;
  slot: StreamSlot;
  stream: SseStream;
}

export interface ClusterOptions extends OwnerDeps {
  forwardTimeoutMs: number;
  ownerCheckMs?: number;
}

/**
 * The replicas' conversation over the backend's per-replica channels: a replica that gets a
 * request for a session owned elsewhere calls the owner (`call`, answered or failed within the
 * forward timeout), and holds the streams of such sessions whose clients connected to it
 * (`hold`), writing the events the owner sends. With the memory backend every session is
 * local, and none of this is used.
 */
export class Cluster {
  readonly #o: ClusterOptions;
  readonly #pending = new Map<number, Pending>();
  readonly #held = new Map<string, Held>();
  /** Streams this replica owns whose clients are held elsewhere. */
  readonly #handedOut = new Set<RemoteSlot>();
  #nextId = 0;
  #ownerCheck: ReturnType<typeof setInterval> | undefined;

  constructor(options: ClusterOptions) {
    this.#o = {
      ...options,
      track: (slot) => {
        this.#handedOut.add(slot);
        this.#ownerCheck ??= this.#startOwnerCheck();
      },
    };
    options.backend.onMessage((raw) => this.#receive(raw));
  }

  get replicaId(): string {
    return this.#o.backend.replicaId;
  }

  /**
   * The record of session `id` when another replica owns it and it is `kind`, `principal`'s.
   * Throws `SERVER_REDIS_UNAVAILABLE` (or the backend's error) when the backend cannot say.
   */
  async lookup(
    id: string,
    kind: SessionTransportKind,
    principal: Principal | null,
  ): Promise<SessionRecord | undefined> {
    const record = await this.#o.backend.getSession(id);
    if (!record || record.owner === this.replicaId || record.transport !== kind) return undefined;
    if (record.principalId !== (principal?.id ?? null)) return undefined;
    return record;
  }

  /** Ask `owner` to do `op`. Rejects with a typed error (not found, timeout, backend down). */
  call(owner: string, op: ClusterOp): Promise<unknown> {
    const id = ++this.#nextId;
    const message: Wire = { t: "call", id, from: this.replicaId, op };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new McpSseError(
            "SERVER_OWNER_TIMEOUT",
            `The replica that owns session ${op.sid} did not answer within ${this.#o.forwardTimeoutMs} ms`,
            { details: { sessionId: op.sid, replica: owner } },
          ),
        );
      }, this.#o.forwardTimeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      const fail = (error: Error) => this.#settle(id, { error });
      this.#o.backend.send(owner, JSON.stringify(message)).then((delivered) => {
        if (delivered) return;
        this.#o.logger.warn({ sessionId: op.sid, replica: owner }, "session owner is gone");
        fail(
          new McpSseError(
            "SERVER_SESSION_NOT_FOUND",
            `Session ${op.sid} ended with its replica (nobody answers on its channel)`,
          ),
        );
      }, fail);
    });
  }

  /**
   * Hold stream `key` of session `sid` (owned by `owner`) on this replica: the owner's events
   * for it go to `slot`. When `stream` closes, the owner is told the client left.
   */
  hold(sid: string, key: string, owner: string, slot: StreamSlot, stream: SseStream): void {
    const k = heldKey(sid, key);
    const previous = this.#held.get(k);
    this.#held.set(k, { owner, slot, stream });
    if (previous) previous.slot.close();
    this.#ownerCheck ??= this.#startOwnerCheck();
  }

  /** `stream` (held for `sid`/`key`) closed: forget it, and tell the owner unless replaced. */
  release(sid: string, key: string, stream: SseStream): void {
    const k = heldKey(sid, key);
    const held = this.#held.get(k);
    if (!held || held.stream !== stream) return;
    this.#held.delete(k);
    held.slot.release(stream);
    const message: Wire = { t: "detach", sid, key, from: this.replicaId };
    this.#o.backend.send(held.owner, JSON.stringify(message)).catch((error: unknown) => {
      this.#o.logger.debug(
        { sessionId: sid, err: error },
        "could not tell the owner a client left",
      );
    });
  }

  /** Stop: fail pending calls, end held streams. */
  close(): void {
    if (this.#ownerCheck) clearInterval(this.#ownerCheck);
    for (const [id] of this.#pending)
      this.#settle(id, {
        error: new McpSseError("SERVER_SHUTTING_DOWN", "The server is shutting down"),
      });
    for (const held of this.#held.values()) held.slot.close();
    this.#held.clear();
    this.#handedOut.clear();
  }

  /** One ping per holder replica (not per stream); a holder nobody listens for is gone. */
  #checkHolders(): void {
    const byHolder = new Map<string, RemoteSlot[]>();
    for (const slot of this.#handedOut) {
      if (!slot.open) this.#handedOut.delete(slot);
      else {
        const slots = byHolder.get(slot.holder);
        if (slots) slots.push(slot);
        else byHolder.set(slot.holder, [slot]);
      }
    }
    const ping = JSON.stringify({ t: "ping" } satisfies Wire);
    for (const [holder, slots] of byHolder) {
      this.#o.backend.send(holder, ping).then(
        (listening) => {
          if (listening) return;
          for (const slot of slots) {
            slot.detach();
            this.#handedOut.delete(slot);
          }
        },
        () => undefined, // the backend is down: its own logs say so; check again later
      );
    }
  }

  #settle(id: number, outcome: { value: unknown } | { error: Error }): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if ("error" in outcome) pending.reject(outcome.error);
    else pending.resolve(outcome.value);
  }

  #receive(raw: string): void {
    let message: Wire;
    try {
      message = JSON.parse(raw) as Wire;
    } catch (error) {
      this.#o.logger.error({ err: error }, "unreadable message between replicas; ignored");
      return;
    }
    switch (message.t) {
      case "call":
        void this.#serve(message.id, message.from, message.op);
        return;
      case "reply":
        this.#settle(
          message.id,
          message.ok
            ? { value: message.value }
            : { error: new McpSseError(message.code, message.message) },
        );
        return;
      case "detach":
        detachOp(this.#o, message.sid, message.key, message.from);
        return;
      case "ping":
        return;
      default:
        this.#toHeld(message);
    }
  }

  #toHeld(message: HolderMessage): void {
    const k = heldKey(message.sid, message.key);
    const held = this.#held.get(k);
    if (!held) return;
    if (message.t === "ev") {
      held.slot.deliver(message.entry);
      return;
    }
    this.#held.delete(k);
    if (message.t === "end") held.slot.close();
    else held.slot.disconnect(message.retryMs);
  }

  async #serve(id: number, from: string, op: ClusterOp): Promise<void> {
    let reply: Wire;
    try {
      reply = { t: "reply", id, ok: true, value: await serveOp(this.#o, op, from) };
    } catch (error) {
      const known = isMcpSseError(error);
      if (!known) this.#o.logger.error({ err: error, sessionId: op.sid }, "forwarded op failed");
      reply = {
        t: "reply",
        id,
        ok: false,
        code: known ? error.code : "SERVER_INTERNAL_ERROR",
        message: known ? error.message : "Internal error on the session's replica",
      };
    }
    await this.#o.backend.send(from, JSON.stringify(reply)).catch((error: unknown) => {
      this.#o.logger.error({ err: error, replica: from }, "could not answer a replica");
    });
  }

  /**
   * Both ways: end held streams whose owner no longer claims the session (it died, or Redis
   * lost it), and stop sending to holders that are gone (so an idle session whose holder
   * died can be reaped).
   */
  #startOwnerCheck(): ReturnType<typeof setInterval> {
    const timer = setInterval(() => {
      this.#checkHolders();
      if (this.#held.size === 0) return;
      for (const [k, held] of [...this.#held]) {
        const sid = k.slice(0, k.indexOf("\n"));
        this.#o.backend.getSession(sid).then(
          (record) => {
            if (record?.owner === held.owner || this.#held.get(k) !== held) return;
            this.#o.logger.warn(
              { sessionId: sid, replica: held.owner },
              "the owner of a held stream no longer claims its session; ending the stream",
            );
            this.#held.delete(k);
            held.slot.close();
          },
          () => undefined, // the backend is down: its own logs say so; check again later
        );
      }
    }, this.#o.ownerCheckMs ?? DEFAULT_OWNER_CHECK_MS);
    timer.unref?.();
    return timer;
  }
}

function heldKey(sid: string, key: string): string {
  return `${sid}\n${key}`;
}
