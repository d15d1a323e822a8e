import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CLIENT_FEED_DETECTED, type FeedHandoff } from "../../../src/client/transports/handoff.js";
import { LegacySseClientTransport } from "../../../src/client/transports/sse.js";
import { isMcpSseError } from "../../../src/errors.js";
import type { SseEvent } from "../../../src/sse/types.js";
import { startGuideFeed } from "../../fixtures/guide-feed-server.js";
import { waitFor } from "../../helpers/wait-for.js";
import { serverConfig } from "./helpers.js";

describe("legacy SSE transport: handing a feed's stream over", () => {
  it("start() rejects with CLIENT_FEED_DETECTED; the stream outlives the transport and replays from its first event", async () => {
    const feed = await startGuideFeed({ intervalMs: 0, ids: true });
    let handoff: FeedHandoff | undefined;
    const transport = new LegacySseClientTransport({
      server: serverConfig({ url: feed.url }),
      onFeedDetected: (h) => {
        handoff = h;
      },
    });
    try {
      await assert.rejects(transport.start(), (error) =>
        isMcpSseError(error, CLIENT_FEED_DETECTED),
      );
      assert.ok(handoff, "handed over");
      // Closing the transport (as the SDK client does after a failed connect) must not close
      // the stream it gave away, nor its pool.
      await transport.close();
      feed.push({ event: "after_close" });
      const seen: SseEvent[] = [];
      const states: string[] = [];
      handoff.attach({
        onEvent: (e) => void seen.push(e),
        onStateChange: (c) => void states.push(c.state),
        onError: () => undefined,
        shouldReconnect: () => true,
        headers: async () => ({}),
        onDone: () => undefined,
      });
      await waitFor(() => seen.length >= 2, { message: "both events" });
      const types = seen.map((e) => (JSON.parse(e.data) as { event: string }).event);
      assert.deepEqual(types, ["data_update", "after_close"]);
      assert.deepEqual(
        seen.map((e) => e.lastEventId),
        ["1", "2"],
      );
      assert.equal(handoff.reader.state, "open");
      assert.equal(feed.stats.gets, 1);
      assert.equal(feed.streams(), 1);
    } finally {
      await handoff?.close();
      await feed.close();
    }
    assert.equal(handoff?.reader.state, "closed");
  });
});
