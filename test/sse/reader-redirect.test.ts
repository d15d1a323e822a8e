/**
 * A GET stream followed a redirect to another origin and sent the configured headers there
 * (issue 11, item 3): fetch strips only `Authorization` across origins, `X-Api-Key` went
 * along. The reader now follows no redirect: a 3xx is a fatal `SSE_HTTP_STATUS` with
 * `details.redirect`, and the target never gets a request.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { openEventStream } from "../../src/sse/reader.js";
import { startServer, type TestServer } from "./reader-helpers.js";

const SECRET = "key-redirect-4e1f9a";
const TOKEN = "tok-redirect-a7c2d5";

describe("event-stream reader and redirects", () => {
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  for (const [label, target] of [
    ["another origin", "foreign"],
    ["the same origin", "same"],
  ] as const) {
    it(`a 302 to ${label} is not followed: fatal SSE_HTTP_STATUS with details.redirect, one request`, async () => {
      const foreign = await startServer((_req, res) => {
        res.writeHead(200, { "content-type": "text/event-stream" }).write("data: hi\n\n");
      });
      servers.push(foreign);
      const origin = await startServer((req, res) => {
        if (req.url === "/moved") {
          res.writeHead(200, { "content-type": "text/event-stream" }).write("data: hi\n\n");
          return;
        }
        const location = target === "foreign" ? `${foreign.url}/sse` : "/moved";
        res.writeHead(302, { location }).end();
      });
      servers.push(origin);
      const errors: unknown[] = [];
      let leaked = false;
      const reader = openEventStream({
        url: `${origin.url}/sse`,
        headers: { "X-Api-Key": SECRET, Authorization: `Bearer ${TOKEN}` },
        minDelayMs: 1,
        maxAttempts: 5,
        onEvent: () => {
          // Followed: stop here (the assertions below say what went wrong).
          leaked = true;
          reader.close();
        },
        onError: (error) => void errors.push(error),
      });
      await reader.done;
      assert.equal(leaked, false, "no event may arrive through a redirect");
      assert.equal(reader.state, "closed");
      const error = reader.error;
      assert.equal(error?.code, "SSE_HTTP_STATUS");
      assert.equal(error?.details["status"], 302);
      assert.equal(error?.details["redirect"], true);
      assert.match(
        String(error?.details["location"]),
        target === "foreign" ? /\/sse$/ : /\/moved$/,
      );
      assert.match(error?.message ?? "", /redirect.*not followed/);
      assert.equal(errors.length, 1, "reported once, not retried");
      assert.equal(origin.requests.length, 1, "one request, no retry loop");
      assert.equal(foreign.requests.length, 0, "the other origin got nothing");
      assert.ok(
        !origin.requests.some((r) => r.url === "/moved"),
        "the same-origin target got nothing",
      );
    });
  }

  it("fetchOptions.redirect: 'follow' is the caller's explicit choice and is honoured", async () => {
    const target = await startServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" }).end("data: moved\n\n");
    });
    servers.push(target);
    const origin = await startServer((_req, res) => {
      res.writeHead(307, { location: `${target.url}/sse` }).end();
    });
    servers.push(origin);
    const data: string[] = [];
    const reader = openEventStream({
      url: `${origin.url}/sse`,
      reconnect: false,
      fetchOptions: { redirect: "follow" },
      onEvent: (event) => {
        data.push(event.data);
      },
    });
    await reader.done;
    assert.deepEqual(data, ["moved"]);
  });
});
