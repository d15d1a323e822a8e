/**
 * The event feed's one stream at a time: opened through the SSE reader (resuming from the
 * last event id), adopted from the legacy transport's handoff, or closed. Each stream gets
 * callbacks of its own generation, so a replaced or closed stream's late callbacks are
 * dropped: the connection (connection.ts) only ever hears from its current stream.
 */
import type { ServerConfig } from "../../config/types.js";
import type { McpSseError } from "../../errors.js";
import { openEventStream } from "../../sse/reader.js";
import type { EventStreamReader, StreamStateChange } from "../../sse/reader-options.js";
import type { SseEvent } from "../../sse/types.js";
import { streamPolicyOf } from "../transports/base.js";
import type { FeedHandoff, StreamSink } from "../transports/handoff.js";

export interface FeedStreamOptions {
  server: ServerConfig;
  url: URL;
  fetch: typeof globalThis.fetch;
  /** True once the connection closed: no callback after that. */
  closed(): boolean;
  /** The request headers of every attempt (credentials, refreshed). */
  headers(): Promise<Record<string, string>>;
  shouldReconnect(error: McpSseError): boolean;
  onEvent(event: SseEvent): void;
  onState(change: StreamStateChange): void;
  onError(error: McpSseError): void;
  /** The reader gave up (`error`: why; undefined when it ended cleanly). */
  onDone(error: McpSseError | undefined): void;
}

export class FeedStream {
  #generation = 0;
  #reader: EventStreamReader | undefined;
  /** The last event id seen: a reopened stream resumes from it. */
  #lastEventId = "";

  constructor(private readonly o: FeedStreamOptions) {}

  get state(): EventStreamReader["state"] | undefined {
    return this.#reader?.state;
  }

  /** Open a new stream (replacing none: `close()` first), resuming from the last event id. */
  open(): void {
    const sink = this.#sink(++this.#generation);
    const reader = openEventStream({
      url: this.o.url.href,
      method: "GET",
      headers: () => sink.headers(),
      fetch: this.o.fetch,
      ...streamPolicyOf(this.o.server),
      lastEventId: this.#lastEventId,
      onEvent: (event) => sink.onEvent(event),
      onStateChange: (change) => sink.onStateChange(change),
      onError: (error) => sink.onError(error),
      shouldReconnect: (error) => sink.shouldReconnect(error),
    });
    this.#reader = reader;
    void reader.done.then(() => sink.onDone(reader.error));
  }

  /** Read on the stream the legacy transport handed over. True once it is open already. */
  adopt(handoff: FeedHandoff): boolean {
    this.#reader = handoff.reader;
    handoff.attach(this.#sink(++this.#generation));
    return handoff.reader.state === "open";
  }

  /** Close the current stream (its callbacks are dropped); resolves once its reader is done. */
  close(): Promise<void> {
    this.#generation += 1;
    const reader = this.#reader;
    this.#reader = undefined;
    reader?.close();
    return reader?.done ?? Promise.resolve();
  }

  #sink(generation: number): StreamSink {
    const current = () => generation === this.#generation && !this.o.closed();
    return {
      onEvent: (event) => {
        if (!current()) return;
        this.#lastEventId = event.lastEventId;
        this.o.onEvent(event);
      },
      onStateChange: (change) => {
        if (current()) this.o.onState(change);
      },
      onError: (error) => {
        if (current()) this.o.onError(error);
      },
      shouldReconnect: (error) => this.o.shouldReconnect(error),
      headers: () => this.o.headers(),
      onDone: (error) => {
        if (!current()) return;
        this.#reader = undefined;
        this.o.onDone(error);
      },
    };
  }
}
