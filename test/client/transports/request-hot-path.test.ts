/**
 * The client's per-request plumbing: one abort listener per transport signal (32 calls in
 * flight must not trip Node's listener limit), and redirects reported, never followed.
 */
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { after, before, describe, test } from "node:test";
import { Client } from "@modelcontextprotocol/client";
import { closeFetch } from "../../../src/client/http.js";
import { createClientTransport } from "../../../src/client/transports/index.js";
import { httpStatusError, linkAbort, timedFetch } from "../../../src/client/transports/request.js";
import { isMcpSseError } from "../../../src/errors.js";
import { type ServeHandle, serve } from "../../../src/server/index.js";
import { withTimeout } from "../../helpers/wait-for.js";
import { createTestServer } from "../../server/helpers.js";
import { listen, serverConfig } from "./helpers.js";

describe("32 concurrent calls on one transport", () => {
  let host: ServeHandle;
  before(async () => {
    host = await serve({ createServer: createTestServer, port: 0 });
  });
  after(() => host.close());

  for (const [kind, path] of [
    ["streamable-http", "/mcp"],
    ["sse", "/sse"],
  ] as const) {
    test(`${kind}: emit no MaxListenersExceededWarning and all answer`, async () => {
      const warnings: Error[] = [];
      const onWarning = (warning: Error) => {
        if (warning.name === "MaxListenersExceededWarning") warnings.push(warning);
      };
      process.on("warning", onWarning);
      const server = serverConfig({ name: `many-${kind}`, transport: kind, url: host.url + path });
      const client = new Client({ name: "hot-path-test", version: "0.0.0" });
      try {
        await withTimeout(client.connect(createClientTransport({ server })), 10_000, "connect");
        const texts = Array.from({ length: 32 }, (_, i) => `call-${i}`);
        const results = await withTimeout(
          Promise.all(texts.map((text) => client.callTool({ name: "echo", arguments: { text } }))),
          20_000,
          "32 calls",
        );
        assert.deepEqual(
          results.map((r) => r.content),
          texts.map((text) => [{ type: "text", text }]),
        );
        // Warnings are emitted on the next tick.
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(
          warnings.map((w) => w.message),
          [],
        );
      } finally {
        process.off("warning", onWarning);
        await client.close();
        await closeFetch(server);
      }
    });
  }
});

describe("linkAbort: one listener per signal", () => {
  test("aborting the signal aborts every linked controller, but not an unlinked one", () => {
    const lifetime = new AbortController();
    const controllers = Array.from({ length: 40 }, () => new AbortController());
    const unlinks = controllers.map((c) => linkAbort(lifetime.signal, c));
    assert.equal(getEventListeners(lifetime.signal, "abort").length, 1);
    unlinks[0]?.();
    lifetime.abort();
    assert.equal(controllers[0]?.signal.aborted, false, "unlinked before the abort");
    assert.ok(controllers.slice(1).every((c) => c.signal.aborted));
    assert.equal(getEventListeners(lifetime.signal, "abort").length, 0);
  });

  test("timedFetch leaves the transport signal with one listener while requests are in flight", async () => {
    const lifetime = new AbortController();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const fetchStub: typeof fetch = async () => {
      await gate;
      return new Response("ok");
    };
    const pending = Array.from({ length: 20 }, () =>
      timedFetch({
        fetch: fetchStub,
        url: "http://127.0.0.1:9/x",
        init: { method: "POST" },
        serverName: "stub",
        timeoutMs: 5_000,
        signals: [lifetime.signal],
      }),
    );
    assert.equal(getEventListeners(lifetime.signal, "abort").length, 1);
    release();
    const done = await Promise.all(pending);
    for (const r of done) r.clearTimeout();
    assert.equal(done.length, 20);
  });

  test("closing the transport signal aborts in-flight requests with CLIENT_ABORTED", async () => {
    const lifetime = new AbortController();
    const fetchStub: typeof fetch = (_url, init) =>
      new Promise((_, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    const pending = [1, 2, 3].map(() =>
      timedFetch({
        fetch: fetchStub,
        url: "http://127.0.0.1:9/x",
        init: { method: "POST" },
        serverName: "stub",
        timeoutMs: 5_000,
        signals: [lifetime.signal],
      }),
    );
    lifetime.abort();
    const settled = await Promise.allSettled(pending);
    for (const s of settled) {
      assert.equal(s.status, "rejected");
      assert.ok(isMcpSseError(s.status === "rejected" ? s.reason : undefined, "CLIENT_ABORTED"));
    }
  });
});

describe("redirects are not followed", () => {
  test("a POST answered 307 fails CLIENT_HTTP_STATUS naming the redirect; the target gets nothing", async () => {
    let targetHits = 0;
    const target = await listen((_req, res) => {
      targetHits += 1;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
    const redirector = await listen((req, res) => {
      req.resume();
      res.writeHead(307, { location: `${target.origin}/mcp?token=s3cret-value` }).end();
    });
    const server = serverConfig({
      name: "redirected",
      transport: "streamable-http",
      url: `${redirector.origin}/mcp`,
    });
    const client = new Client({ name: "redirect-test", version: "0.0.0" });
    try {
      const error = await withTimeout(
        client.connect(createClientTransport({ server })).then(
          () => undefined,
          (e: unknown) => e,
        ),
        10_000,
        "connect",
      );
      const found = findMcpSseError(error);
      assert.ok(found, `expected an McpSseError, got ${String(error)}`);
      assert.equal(found.code, "CLIENT_HTTP_STATUS");
      assert.equal(found.details["redirect"], true);
      assert.match(found.message, /answered with a redirect \(HTTP 3xx\), which is not followed/);
      assert.doesNotMatch(found.message, /s3cret-value/);
      assert.equal(targetHits, 0);
    } finally {
      await client.close();
      await closeFetch(server);
      await redirector.close();
      await target.close();
    }
  });
});

describe("redirect handling in the request helpers", () => {
  test("timedFetch asks fetch not to follow (redirect: error), unless the caller says otherwise", async () => {
    const modes: (RequestRedirect | undefined)[] = [];
    const fetchStub: typeof fetch = async (_url, init) => {
      modes.push(init?.redirect);
      return new Response("ok");
    };
    for (const init of [{ method: "POST" }, { method: "GET", redirect: "follow" as const }]) {
      const r = await timedFetch({
        fetch: fetchStub,
        url: "http://127.0.0.1:9/x",
        init,
        serverName: "stub",
        timeoutMs: 1_000,
        signals: [],
      });
      r.clearTimeout();
    }
    assert.deepEqual(modes, ["error", "follow"]);
  });

  test("a 3xx handed back by a custom fetch is CLIENT_HTTP_STATUS naming the redacted target", async () => {
    const error = await httpStatusError({
      serverName: "moved",
      method: "POST",
      url: "http://127.0.0.1:9/mcp",
      response: new Response(null, {
        status: 308,
        headers: { location: "/elsewhere?token=abcd1234&x=1" },
      }),
      secrets: [],
    });
    assert.equal(error.code, "CLIENT_HTTP_STATUS");
    assert.equal(error.details["status"], 308);
    assert.equal(error.details["location"], "http://127.0.0.1:9/elsewhere?token=REDACTED&x=1");
    assert.match(error.message, /redirect \(HTTP 308\) to http:\/\/127\.0\.0\.1:9\/elsewhere/);
    assert.match(error.message, /not followed/);
    assert.doesNotMatch(error.message, /abcd1234/);
  });
});

/** The McpSseError itself or the first one in its cause chain. */
function findMcpSseError(error: unknown) {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined; depth++) {
    if (isMcpSseError(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
