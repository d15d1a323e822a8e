/**
 * Where every event of every connection enters the manager: the server's secrets scrubbed,
 * counted in its metrics, its Fernet payload decrypted when the server has an
 * `encryption_key` (in arrival order per server, even though decryption may be async), then
 * published on the bus. A payload that does not verify becomes an `error` event instead.
 */
import type { ServerConfig } from "../config/types.js";
import { describe } from "./call-errors.js";
import { decryptPayload, encryptedPayloadOf } from "./decrypt-events.js";
import type { EventBus } from "./event-queue.js";
import type { McpsEvent } from "./events.js";
import type { ServerMetrics } from "./metrics.js";
import { scrubEvent } from "./scrub-secrets.js";

export class EventIntake {
  /** Per-server tail of the ordered decrypt pipeline (only servers with an encryptionKey). */
  private readonly decryptTail = new Map<string, Promise<void>>();

  constructor(
    private readonly bus: EventBus,
    private readonly metricsOf: (server: string) => ServerMetrics,
  ) {}

  /** One event of `server`; `secrets` are the values that server's requests carry. */
  receive(server: ServerConfig, raw: McpsEvent, secrets: readonly string[]): void {
    const event = scrubEvent(raw, secrets);
    const metrics = this.metricsOf(server.name);
    if (event.type === "error") metrics.errors++;
    else if (event.type === "state")
      metrics.recordState(String((event.data as { to?: unknown }).to));
    else metrics.eventsReceived++;
    const key = server.encryptionKey;
    // Located once here and handed to decryptPayload (never searched for again).
    const found = key === undefined ? undefined : encryptedPayloadOf(event);
    const tail = this.decryptTail.get(server.name);
    if (key === undefined || (tail === undefined && found === undefined)) {
      this.bus.publish(event);
      return;
    }
    const next = (tail ?? Promise.resolve()).then(async () => {
      try {
        const plain = found === undefined ? event : await decryptPayload(event, found, key);
        this.bus.publish(plain === event ? event : scrubEvent(plain, secrets));
      } catch (error) {
        metrics.errors++;
        this.bus.publish({
          server: server.name,
          type: "error",
          data: describe(error),
          receivedAt: Date.now(),
        });
      }
    });
    this.decryptTail.set(server.name, next);
    void next.then(() => {
      if (this.decryptTail.get(server.name) === next) this.decryptTail.delete(server.name);
    });
  }

  /** Resolves once every event being decrypted now has been published. */
  async drain(): Promise<void> {
    await Promise.all([...this.decryptTail.values()]);
  }
}
