/**
 * The POST path's abort source (src/client/transports/request-abort.ts): what undici's
 * `request()` takes as its signal, made a real `AbortSignal` before any `fetch`, and given by
 * `timedFetch` only to a fetch that takes it. Against real servers on 127.0.0.1 that never
 * answer, so that only an abort can end the requests.
 */
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { after, describe, test } from "node:test";
import { Agent, fetch as undiciFetch } from "undici";
import {
  dispatchOf,
  takesRequestAbort,
  takingRequestAbort,
} from "../../../src/client/dispatch-mark.js";
import { dispatchRequest } from "../../../src/client/dispatch-request.js";
import { createFetchPool } from "../../../src/client/http.js";
import { timedFetch } from "../../../src/client/transports/request.js";
import {
  abortSignalOf,
  RequestAbort,
  withAbortSignal,
} from "../../../src/client/transports/request-abort.js";
import type { HttpFetch } from "../../../src/sse/http-response.js";
import { listen, serverConfig } from "./helpers.js";

/** A host that takes requests and never answers; resolves each request as it arrives. */
async function silentHost() {
  const arrived: IncomingMessage[] = [];
  const host = await listen((req) => {
    arrived.push(req);
  });
  after(() => host.close());
  return { ...host, arrived };
}

describe("RequestAbort", () => {
  test("aborts once: every listener runs, a removed one does not, a later one never", () => {
    const abort = new RequestAbort();
    const runs: string[] = [];
    const a = () => runs.push("a");
    const b = () => runs.push("b");
    abort
      .on("abort", a)
      .once("abort", b)
      .on("abort", () => runs.push("c"));
    abort.removeListener("abort", b);
    assert.equal(abort.aborted, false);
    abort.abort();
    abort.abort();
    assert.deepEqual(runs, ["a", "c"]);
    assert.equal(abort.aborted, true);
    assert.equal((abort.reason as DOMException).name, "AbortError");
    abort.on("abort", () => runs.push("late"));
    assert.deepEqual(runs, ["a", "c"]);
  });

  test("keeps the reason it is given", () => {
    const abort = new RequestAbort();
    const reason = new Error("closed");
    abort.abort(reason);
    assert.equal(abort.reason, reason);
  });

  test("undici's request() takes it and fails the request in flight when it aborts", async () => {
    const host = await silentHost();
    const agent = new Agent();
    after(() => agent.destroy());
    const abort = new RequestAbort();
    const pending = agent.request({
      origin: host.origin,
      path: "/mcp",
      method: "POST",
      body: "{}",
      signal: abort as unknown as AbortSignal,
    });
    while (host.arrived.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error("stop");
    abort.abort(reason);
    await assert.rejects(pending, (error) => error === reason);
  });

  test("abortSignalOf: a real AbortSignal that follows it, aborted or later", () => {
    const before = new RequestAbort();
    before.abort(new Error("before"));
    assert.equal(abortSignalOf(before)?.aborted, true);
    const later = new RequestAbort();
    const signal = abortSignalOf(later);
    assert.ok(signal instanceof AbortSignal);
    assert.equal(signal.aborted, false);
    later.abort(new Error("later"));
    assert.equal(signal.aborted, true);
    assert.equal((signal.reason as Error).message, "later");
    const plain = new AbortController().signal;
    assert.equal(abortSignalOf(plain), plain);
    assert.equal(withAbortSignal({ method: "POST" }).signal, undefined);
  });

  test("dispatchRequest's fetch fallback gets a real signal that still aborts the request", async () => {
    const host = await silentHost();
    const agent = new Agent();
    after(() => agent.destroy());
    const fetch = ((input: string, init?: RequestInit) =>
      undiciFetch(input, { ...(init as object), dispatcher: agent } as never)) as never;
    const dispatch = dispatchRequest(agent, fetch, (_url, error) => error);
    const abort = new RequestAbort();
    // A body that is not a string: `request()` does not cover it, `fetch` answers.
    const pending = dispatch(`${host.origin}/mcp`, {
      method: "POST",
      body: new Uint8Array([123, 125]),
      redirect: "error",
      signal: abort as unknown as AbortSignal,
    });
    while (host.arrived.length === 0) await new Promise((resolve) => setImmediate(resolve));
    abort.abort();
    await assert.rejects(pending, { name: "AbortError" });
  });
});

describe("timedFetch gives a RequestAbort only to a fetch that takes one", () => {
  const pool = createFetchPool(serverConfig({ name: "request-abort" }));
  after(() => pool.close(0));

  test("our pools' request() twins take one; a plain fetch does not", () => {
    const twin = dispatchOf(pool.fetch);
    assert.ok(twin !== undefined && takesRequestAbort(twin));
    assert.equal(takesRequestAbort(pool.fetch as HttpFetch), false);
  });

  for (const takes of [true, false]) {
    test(`a fetch that ${takes ? "takes one gets a RequestAbort" : "does not gets an AbortSignal"}, and closing aborts it`, async () => {
      const host = await silentHost();
      const twin = dispatchOf(pool.fetch);
      assert.ok(twin);
      let given: unknown;
      const recording: HttpFetch = (url, init) => {
        given = init.signal;
        return takes ? twin(url, init) : pool.fetch(url, init);
      };
      const fetch = takes ? takingRequestAbort(recording) : recording;
      const lifetime = new AbortController();
      const pending = timedFetch({
        fetch,
        url: `${host.origin}/mcp`,
        init: { method: "POST", body: "{}" },
        serverName: "s",
        timeoutMs: 0,
        signals: [lifetime.signal],
      });
      while (host.arrived.length === 0) await new Promise((resolve) => setImmediate(resolve));
      lifetime.abort();
      await assert.rejects(pending, { code: "CLIENT_ABORTED" });
      assert.equal(given instanceof RequestAbort, takes);
      assert.equal(given instanceof AbortSignal, !takes);
    });
  }
});
