/**
 * One parser over a whole legacy stream (first the endpoint event, later the initialize
 * answer), and a bounded wait for the first event that passes a test.
 */
import { createParser } from "../../sse/index.js";
import type { SseEvent } from "../../sse/types.js";

export class EventLog {
  readonly events: SseEvent[] = [];
  /** Settles when the body ends or is aborted. */
  readonly ended: Promise<void>;
  #wake: (() => void) | undefined;

  constructor(body: ReadableStream<Uint8Array>) {
    const parser = createParser({
      onEvent: (event) => {
        this.events.push(event);
        this.#wake?.();
      },
    });
    this.ended = (async () => {
      const reader = body.getReader();
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        // Aborted when the diagnosis is done.
      }
    })();
  }

  /** The first event (seen so far or arriving within `ms`) that passes `test`; undefined after `ms`. */
  async waitFor(test: (event: SseEvent) => boolean, ms: number): Promise<SseEvent | undefined> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.events.find(test);
      if (found || Date.now() >= deadline) return found;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
