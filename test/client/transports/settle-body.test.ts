/**
 * `settleBody`: the body of an answer the client does not need ("202 Accepted" to a POST) is
 * read to its end when small, so undici keeps the connection (no abort, no new socket for the
 * next request); a large or endless one is cancelled, so nothing waits on it.
 */
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { after, describe, test } from "node:test";
import { dispatchOf } from "../../../src/client/dispatch-mark.js";
import { createFetchPool } from "../../../src/client/http.js";
import { SMALL_BODY_BYTES, settleBody } from "../../../src/client/transports/request.js";
import type { HttpResponse } from "../../../src/sse/http-response.js";
import { waitFor } from "../../helpers/wait-for.js";
import { listen, serverConfig } from "./helpers.js";

const pool = createFetchPool(serverConfig({ name: "settle" }));
after(() => pool.close(0));
const dispatch = dispatchOf(pool.fetch);
if (dispatch === undefined) throw new Error("the pool's fetch carries no request() twin");
const INIT = { method: "POST", body: "{}", redirect: "error" } as const;

// Both kinds of answer the transports settle: a web Response (fetch: a user's fetch, OAuth)
// and a request() answer (our own pools).
for (const [kind, post] of [
  ["fetch", (url: string): Promise<HttpResponse> => pool.fetch(url, INIT)],
  ["request()", (url: string) => dispatch(url, INIT)],
] as const)
  describe(`settleBody, an answer from ${kind}`, () => {
    test("reads a small chunked body to its end: the next request reuses the connection", async () => {
      const sockets: Socket[] = [];
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      const host = await listen(async (req, res) => {
        sockets.push(req.socket);
        req.resume();
        res.writeHead(202); // chunked, as the SDK v1 host answers a legacy POST
        res.write("Accep");
        if (sockets.length === 1) await released; // the end of the first body comes later
        res.end("ted");
      });
      try {
        const response = await post(`${host.origin}/messages`);
        let settled = false;
        const settling = settleBody(response).then(() => {
          settled = true;
        });
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(settled, false, "waits for the end of the body instead of cancelling it");
        release();
        await settling;
        await new Promise((resolve) => setImmediate(resolve)); // undici frees the connection
        await settleBody(await post(`${host.origin}/messages`));
        assert.equal(sockets.length, 2);
        assert.equal(sockets[1], sockets[0], "the second POST came on the first one's connection");
      } finally {
        await host.close();
      }
    });

    for (const [what, headers] of [
      ["declared larger than SMALL_BODY_BYTES", { "content-length": String(SMALL_BODY_BYTES * 4) }],
      ["chunked, past SMALL_BODY_BYTES without an end", {}],
    ] as const) {
      test(`cancels a body ${what} (never waits for it)`, async () => {
        let closedEarly = false;
        const host = await listen((req, res) => {
          req.resume();
          res.writeHead(202, headers);
          res.write("x".repeat(SMALL_BODY_BYTES + 1)); // and never ends
          res.on("close", () => {
            closedEarly = !res.writableFinished;
          });
        });
        try {
          await settleBody(await post(`${host.origin}/messages`));
          await waitFor(() => closedEarly, { message: "the client dropped the unfinished answer" });
        } finally {
          await host.close();
        }
      });
    }

    test("a body-less answer settles at once", async () => {
      const host = await listen((req, res) => {
        req.resume();
        res.writeHead(204).end();
      });
      try {
        const response = await post(`${host.origin}/messages`);
        assert.equal(response.body, null);
        await settleBody(response);
      } finally {
        await host.close();
      }
    });
  });
