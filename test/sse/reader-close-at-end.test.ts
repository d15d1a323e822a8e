// `closeAtEnd(graceMs)`: a stream that delivered what it was opened for (a Streamable HTTP
// POST answer after its last response) is read to its end rather than cancelled, closes there
// without reconnecting or reporting the end, and is closed after `graceMs` if it stays open.
import assert from "node:assert/strict";
import { describe, it, mock } from "node:test";
import type { McpSseError } from "../../src/errors.js";
import { openEventStream } from "../../src/sse/reader.js";
import { waitFor } from "../helpers/wait-for.js";
import { settled } from "./reader-helpers.js";

/** One response whose body the test ends (or not); `cancelled` tells whether we cancelled it. */
function heldStream(first: string) {
  let end: () => void = () => undefined;
  const state = { cancelled: false, fetches: 0 };
  const fetchFn = async (): Promise<Response> => {
    state.fetches += 1;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(first));
        end = () => controller.close();
      },
      cancel() {
        state.cancelled = true;
      },
    });
    return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
  };
  return { fetch: fetchFn as typeof fetch, state, end: () => end() };
}

const GRACE_MS = 1_000;

describe("openEventStream: closeAtEnd", () => {
  it("closes at the server's end of the stream: no cancel, no reconnect, no error", async () => {
    const held = heldStream("id: 1\ndata: answer\n\n");
    const errors: McpSseError[] = [];
    const data: string[] = [];
    const reader = openEventStream({
      url: "http://127.0.0.1:1/mcp",
      fetch: held.fetch,
      onEvent: (event) => {
        data.push(event.data);
        reader.closeAtEnd(GRACE_MS);
      },
      onError: (error) => errors.push(error),
    });
    try {
      await waitFor(() => data.length > 0, { message: "the first event" });
      assert.equal(reader.state, "open", "still reading after closeAtEnd");
      held.end();
      await settled(reader.done);
      assert.equal(reader.state, "closed");
      assert.equal(reader.error, undefined);
      assert.deepEqual(errors, [], "a normal end is not reported");
      assert.equal(held.state.fetches, 1, "no reconnect");
      assert.equal(held.state.cancelled, false, "the body was read to its end, not cancelled");
    } finally {
      reader.close();
    }
  });

  it("closes after graceMs when the server keeps the stream open", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    const held = heldStream("data: answer\n\n");
    let seen = 0;
    const reader = openEventStream({
      url: "http://127.0.0.1:1/mcp",
      fetch: held.fetch,
      idleTimeoutMs: 0,
      connectTimeoutMs: 0,
      onEvent: () => {
        seen += 1;
        reader.closeAtEnd(GRACE_MS);
      },
    });
    try {
      for (let i = 0; i < 50 && seen === 0; i += 1) await Promise.resolve();
      assert.equal(seen, 1);
      mock.timers.tick(GRACE_MS - 1);
      assert.equal(reader.state, "open");
      mock.timers.tick(1);
      assert.equal(reader.state, "closed");
      await settled(reader.done);
      assert.equal(reader.error, undefined);
      assert.equal(held.state.cancelled, true, "the open body was cancelled at the grace");
      assert.equal(held.state.fetches, 1);
    } finally {
      reader.close();
      mock.timers.reset();
    }
  });
});
