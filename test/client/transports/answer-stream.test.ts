/**
 * `readAnswerStream` (src/client/transports/answer-stream.ts): a Streamable HTTP POST's SSE
 * answer read straight from its node stream. How it ends decides whether the transport
 * resumes it (test/client/transports/streamable-faults.test.ts covers that end to end).
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, mock, test } from "node:test";
import { type AnswerEnd, readAnswerStream } from "../../../src/client/transports/answer-stream.js";
import type { McpSseError } from "../../../src/errors.js";
import type { SseEvent } from "../../../src/sse/types.js";
import { waitFor } from "../../helpers/wait-for.js";

const URL_ = "http://127.0.0.1:1/mcp";

function start(options: { signals?: AbortSignal[]; onEvent?: (e: SseEvent) => void } = {}) {
  const body = new PassThrough();
  const events: SseEvent[] = [];
  const errors: McpSseError[] = [];
  const ends: AnswerEnd[] = [];
  const answer = readAnswerStream({
    url: URL_,
    body,
    signals: options.signals ?? [],
    onEvent: options.onEvent ?? ((e) => events.push(e)),
    onError: (e) => errors.push(e),
    onEnd: (end) => ends.push(end),
  });
  return { body, answer, events, errors, ends };
}

describe("readAnswerStream", () => {
  test("events across chunks, the last id and retry; a server end is SSE_STREAM_ENDED", async () => {
    const { body, events, ends } = start();
    body.write('retry: 250\nid: a1\ndata: {"x"');
    body.write(":1}\n\n: keep-alive\n\nid: a2\ndata: é\n\n");
    body.end();
    await waitFor(() => ends.length === 1, { message: "the answer ended" });
    assert.deepEqual(
      events.map((e) => [e.lastEventId, e.data]),
      [
        ["a1", '{"x":1}'],
        ["a2", "é"],
      ],
    );
    assert.equal(ends[0]?.error?.code, "SSE_STREAM_ENDED");
    assert.equal(ends[0]?.lastEventId, "a2");
    assert.equal(ends[0]?.retryMs, 250);
  });

  test("a handler that throws is reported; the next events still arrive", async () => {
    let calls = 0;
    const { body, errors, ends } = start({
      onEvent: () => {
        calls += 1;
        if (calls === 1) throw new Error("handler broke");
      },
    });
    body.end("data: 1\n\ndata: 2\n\n");
    await waitFor(() => ends.length === 1, { message: "the answer ended" });
    assert.equal(calls, 2);
    assert.equal(errors[0]?.code, "SSE_HANDLER_FAILED");
  });

  test("a broken body is a network error, and an abort ends it quietly, releasing the body", async () => {
    const broken = start();
    broken.body.destroy(new Error("socket hang up"));
    await waitFor(() => broken.ends.length === 1, { message: "the answer ended" });
    assert.equal(broken.ends[0]?.error?.code, "SSE_NETWORK");

    const controller = new AbortController();
    const aborted = start({ signals: [controller.signal] });
    aborted.body.write("id: 7\ndata: x\n\n");
    await waitFor(() => aborted.events.length === 1, { message: "the first event" });
    controller.abort();
    assert.equal(aborted.ends.length, 1);
    assert.equal(aborted.ends[0]?.error, undefined);
    assert.equal(aborted.ends[0]?.lastEventId, "7");
    assert.equal(aborted.body.destroyed, true, "the connection is released");
  });

  test("closeAtEnd: a server end is then no error; one that keeps it open is closed after the grace", async () => {
    const early = start();
    early.answer.closeAtEnd(1_000);
    early.body.end();
    await waitFor(() => early.ends.length === 1, { message: "the early end" });
    assert.equal(early.ends[0]?.error, undefined);

    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      const held = start();
      held.answer.closeAtEnd(1_000);
      mock.timers.tick(999);
      assert.equal(held.ends.length, 0);
      mock.timers.tick(1);
      assert.equal(held.ends.length, 1);
      assert.equal(held.ends[0]?.error, undefined);
      assert.equal(held.body.destroyed, true, "the connection is released");
    } finally {
      mock.timers.reset();
    }
  });
});
