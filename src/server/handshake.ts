import type { JSONRPCMessage } from "@modelcontextprotocol/server";
import { isInitializeMessage, isRequestMessage, isResponseMessage } from "./body.js";

/**
 * Watches one session's handshake and calls `onExpire` when the client has let it stall for
 * `timeoutMs`: nothing after the session opened, or nothing after the server answered its
 * `initialize`. While an `initialize` awaits the server's answer the clock is stopped: a slow
 * server (a stdio child still starting) is not the client's fault. Any client message other
 * than `initialize` ends the watch.
 */
export class HandshakeWatch {
  readonly #timeoutMs: number;
  readonly #onExpire: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #initializeId: string | number | undefined;
  #done = false;

  constructor(timeoutMs: number, onExpire: () => void) {
    this.#timeoutMs = timeoutMs;
    this.#onExpire = onExpire;
    this.#arm();
  }

  get done(): boolean {
    return this.#done;
  }

  /** What the client sent. */
  fromClient(messages: readonly JSONRPCMessage[]): void {
    if (this.#done) return;
    if (!messages.every((m) => isInitializeMessage(m))) {
      this.stop();
      return;
    }
    const init = messages.find((m) => isRequestMessage(m));
    if (init && isRequestMessage(init)) {
      this.#initializeId = init.id;
      this.#disarm(); // the server's turn
    }
  }

  /** What the server sent: its answer to `initialize` gives the turn back to the client. */
  fromServer(message: JSONRPCMessage): void {
    if (this.#done || this.#initializeId === undefined) return;
    if (isResponseMessage(message) && message.id === this.#initializeId) {
      this.#initializeId = undefined;
      this.#arm();
    }
  }

  stop(): void {
    this.#done = true;
    this.#disarm();
  }

  #arm(): void {
    this.#disarm();
    this.#timer = setTimeout(() => {
      if (!this.#done) this.#onExpire();
    }, this.#timeoutMs);
    this.#timer.unref?.();
  }

  #disarm(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
