/**
 * `GET /sse` (or the standalone `GET /mcp`) answering 302 to another origin got the client's
 * `X-Api-Key` sent there (fetch strips only Authorization), and on Streamable HTTP the foreign
 * 404 looked like a lost session: a re-initialization storm, each one sending the key again
 * (issue 11, item 3). Streams now follow no redirect: the other origin gets nothing, and the
 * client ends in a typed state after a bounded number of requests.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { connectMcps, type McpsEvent } from "../../src/index.js";
import { basicServer, type Fixture, startFixture } from "../fixtures/client-servers.js";
import { waitFor } from "../helpers/wait-for.js";
import { startServer, type TestServer } from "../sse/reader-helpers.js";

const API_KEY = "key-stream-redirect-6a0c";
const TOKEN = "tok-stream-redirect-93be";
const HEADERS = { Authorization: `Bearer ${TOKEN}`, "X-Api-Key": API_KEY };

/** Every header value the foreign origin received that the client was configured with. */
function leaked(foreign: TestServer): string[] {
  const seen = foreign.requests.flatMap((r) => Object.values(r.headers).map(String));
  return seen.filter((v) => v.includes(API_KEY) || v.includes(TOKEN));
}

describe("event streams never follow a redirect to another origin", () => {
  let foreign: TestServer;
  let mcp: Fixture;
  let front: TestServer;
  let legacy: TestServer;

  before(async () => {
    // The other origin answers like the issue's: 404 (what looked like a lost session).
    foreign = await startServer((_req, res) => {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not here"}');
    });
    legacy = await startServer((_req, res) => {
      res.writeHead(302, { location: `${foreign.url}/sse` }).end();
    });
    mcp = await startFixture({ createServer: () => basicServer("moved") });
    // A real SDK server behind a front that redirects every GET (the standalone stream) away.
    front = await startServer(async (req, res, n) => {
      if (req.method === "GET") {
        res.writeHead(302, { location: `${foreign.url}/mcp` }).end();
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers))
        if (typeof value === "string" && !/^(host|content-length|connection)$/.test(name))
          headers[name] = value;
      const body = front.requests[n]?.body;
      const upstream = await fetch(mcp.url, {
        method: req.method ?? "POST",
        headers,
        ...(body ? { body } : {}),
      });
      const out: Record<string, string> = {};
      upstream.headers.forEach((value, name) => {
        if (!/^(content-length|transfer-encoding|connection)$/.test(name)) out[name] = value;
      });
      res.writeHead(upstream.status, out);
      const reader = upstream.body?.getReader();
      for (;;) {
        const next = await reader?.read();
        if (next === undefined || next.done) break;
        res.write(next.value);
      }
      res.end();
    });
  });
  after(async () => {
    await Promise.all([foreign?.close(), legacy?.close(), front?.close(), mcp?.close()]);
  });

  it("legacy SSE: GET /sse → 302 elsewhere fails the server with CLIENT_HTTP_STATUS (redirect), nothing sent there", async () => {
    const mcps = await connectMcps({
      mcps: [
        {
          name: "legacy",
          transport: "sse",
          url: legacy.url,
          headers: HEADERS,
          max_reconnects: 3,
          reconnect_interval: 0.01,
        },
      ],
    });
    try {
      assert.deepEqual(leaked(foreign), []);
      assert.equal(foreign.requests.length, 0, "the other origin got no request at all");
      const [status] = mcps.servers();
      assert.equal(status?.state, "failed");
      assert.equal(status?.error?.code, "CLIENT_HTTP_STATUS");
      assert.match(status?.error?.message ?? "", /redirect \(HTTP 302\).*not followed/);
      assert.ok(legacy.requests.length <= 1 + 3, `${legacy.requests.length} GETs`);
    } finally {
      await mcps.close();
    }
  });

  it("Streamable HTTP: the standalone GET → 302 elsewhere is refused once, the session stays, no re-initialization storm", async () => {
    const events: McpsEvent[] = [];
    const mcps = await connectMcps(
      {
        mcps: [
          {
            name: "moved",
            transport: "streamable-http",
            url: `${front.url.replace(/\/events$/, "")}/mcp`,
            headers: HEADERS,
            max_reconnects: 3,
            reconnect_interval: 0.01,
          },
        ],
      },
      { onEvent: (event) => void events.push(event) },
    );
    try {
      const refused = await waitFor(
        () => events.find((e) => e.type === "error" && /redirect/.test(JSON.stringify(e.data))),
        { message: "the refused standalone stream reported as an error event" },
      );
      assert.equal((refused.data as { code: string }).code, "CLIENT_NO_STANDALONE_STREAM");
      // The session still works over POST after the refusal.
      const result = await mcps.call("moved", "echo", { text: "still here" });
      assert.deepEqual(result.content, [{ type: "text", text: "moved:still here" }]);
      assert.equal(mcps.servers()[0]?.state, "ready");
      const gets = front.requests.filter((r) => r.method === "GET").length;
      const inits = front.requests.filter((r) => r.body.includes('"initialize"')).length;
      assert.equal(gets, 1, "one standalone GET, not retried");
      assert.equal(inits, 1, "one initialize: no re-initialization");
      assert.deepEqual(leaked(foreign), []);
      assert.equal(foreign.requests.length, 0, "the other origin got no request at all");
    } finally {
      await mcps.close();
    }
  });
});
