import assert from "node:assert/strict";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { after, before, describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { createDemoServer } from "../../src/server/demo.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { fakeIO } from "../fixtures/client-cli.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";
import { unusedPort } from "../helpers/ports.js";

/** `status name` of every printed check line. */
function statuses(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.trim().split("\n")) {
    const [status, name] = line.split(/\s+/);
    if (status && name) out[name] = status;
  }
  return out;
}

describe("CLI doctor", () => {
  let host: ServeHandle;
  let locked: Fixture;

  before(async () => {
    host = await serve({ createServer: () => createDemoServer({ intervalMs: 50 }), port: 0 });
    locked = await startFixture({ token: "s3cret" });
  });
  after(async () => {
    await host?.close();
    await locked?.close();
  });

  it("a healthy Streamable HTTP server: every check ok, exit 0", async () => {
    const io = fakeIO(process.cwd());
    const code = await run(["doctor", `${host.url}/mcp`, "--stream-wait", "5"], io);
    const s = statuses(io.stdoutText());
    assert.equal(code, 0, io.stdoutText());
    assert.equal(s["dns"], "ok");
    assert.equal(s["tcp"], "ok");
    assert.equal(s["tls"], "skip");
    assert.equal(s["http"], "ok");
    assert.equal(s["content-type"], "ok");
    assert.equal(s["mcp-initialize"], "ok");
    assert.equal(s["buffering"], "ok", "the demo's events arrive promptly on the GET stream");
    assert.match(io.stdoutText(), /mcp-sse-demo/);
  });

  it("a healthy legacy SSE server: the endpoint event and initialize over the stream", async () => {
    const io = fakeIO(process.cwd());
    const code = await run(["doctor", `${host.url}/sse`], io);
    const s = statuses(io.stdoutText());
    assert.equal(code, 0, io.stdoutText());
    assert.equal(s["transport"], "ok");
    assert.match(io.stdoutText(), /legacy SSE, endpoint/);
    assert.equal(s["mcp-initialize"], "ok");
    assert.equal(s["buffering"], "ok");
  });

  it("nothing listening: tcp fails with what to fix, exit 1", async () => {
    const io = fakeIO(process.cwd());
    const port = await unusedPort();
    assert.equal(await run(["doctor", `http://127.0.0.1:${port}/mcp`], io), 1);
    assert.match(io.stdoutText(), /^fail tcp .* — fix: is the server running/m);
  });

  it("401 without credentials fails; --header-env with the token passes (no secret printed)", async () => {
    const denied = fakeIO(process.cwd());
    assert.equal(await run(["doctor", locked.url, "--stream-wait", "0.2"], denied), 1);
    assert.match(denied.stdoutText(), /^fail http .*HTTP 401 — fix: .*Authorization/m);
    const allowed = fakeIO(process.cwd(), { MCP_AUTH: "Authorization: Bearer s3cret" });
    const code = await run(
      ["doctor", locked.url, "--header-env", "MCP_AUTH", "--stream-wait", "0.2"],
      allowed,
    );
    assert.equal(code, 0, allowed.stdoutText());
    const s = statuses(allowed.stdoutText());
    assert.equal(s["mcp-initialize"], "ok");
    // The fixture's basic server sends nothing on its GET stream: a warning, not a failure.
    assert.equal(s["buffering"], "warn");
    assert.doesNotMatch(allowed.stdoutText(), /s3cret/);
  });

  it("usage errors: no url, bad header", async () => {
    const io = fakeIO(process.cwd());
    assert.equal(await run(["doctor"], io), 2);
    assert.equal(await run(["doctor", host.url, "--header", "novalue"], io), 2);
    assert.equal(await run(["doctor", "ftp://x"], io), 1);
  });
});

/** A throwaway node:http server on 127.0.0.1 port 0; `url` is its origin. */
async function httpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A legacy SSE server (405 on POST to the URL) whose GET stream sends `endpoint` first. */
function legacyStream(endpoint: string, onPost?: (res: ServerResponse) => void) {
  let stream: ServerResponse | undefined;
  return (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && req.url === "/sse") {
      stream = res;
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write(`event: endpoint\ndata: ${endpoint}\n\n`);
      return;
    }
    if (req.method === "POST" && req.url?.startsWith("/messages") && stream) {
      res.writeHead(202).end();
      onPost?.(stream);
      return;
    }
    res.writeHead(405).end();
  };
}

describe("CLI doctor: review regressions", () => {
  it("never sends the headers to an endpoint on another origin (fail check, exit 1)", async () => {
    const received: (string | undefined)[] = [];
    const foreign = await httpServer((req, res) => {
      received.push(req.headers.authorization);
      res.writeHead(202).end();
    });
    const port = new URL(foreign.url).port;
    const legacy = await httpServer(legacyStream(`http://localhost:${port}/steal?sessionId=1`));
    try {
      const io = fakeIO(process.cwd());
      const code = await run(
        ["doctor", `${legacy.url}/sse`, "--header", "Authorization: Bearer sk-live-DOCTOR"],
        io,
      );
      assert.equal(code, 1, io.stdoutText());
      assert.match(io.stdoutText(), /^fail transport .*another origin \(http:\/\/localhost:\d+/m);
      assert.deepEqual(received, [], "the other origin got no request");
      assert.doesNotMatch(io.stdoutText(), /sk-live-DOCTOR/);
    } finally {
      await legacy.close();
      await foreign.close();
    }
  });

  it("prints the endpoint through redactUrl (secret-looking query values hidden)", async () => {
    const legacy = await httpServer(legacyStream("/messages?token=tok-ABCDEF123&sessionId=42"));
    try {
      const io = fakeIO(process.cwd());
      await run(["doctor", `${legacy.url}/sse`, "--timeout", "0.5"], io);
      assert.match(io.stdoutText(), /^ok {3}transport .*token=REDACTED&sessionId=…/m);
      assert.doesNotMatch(io.stdoutText(), /tok-ABCDEF123/);
    } finally {
      await legacy.close();
    }
  });

  it("a non-JSON answer to initialize (Streamable HTTP) is a fail check quoting it, secrets scrubbed", async () => {
    const server = await httpServer((req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end(`data: not json, you sent ${req.headers.authorization}\n\n`);
    });
    try {
      const io = fakeIO(process.cwd());
      const code = await run(
        ["doctor", `${server.url}/mcp`, "--header", "Authorization: Bearer sk-live-ECHOED"],
        io,
      );
      assert.equal(code, 1, io.stderrText());
      assert.match(
        io.stdoutText(),
        /^fail mcp-initialize .*not a JSON-RPC message: 'not json, you sent \[REDACTED\]'/m,
      );
      assert.doesNotMatch(io.stdoutText(), /sk-live-ECHOED/);
      assert.equal(io.stderrText(), "");
    } finally {
      await server.close();
    }
  });

  it("a non-JSON answer on the legacy stream is an mcp-initialize fail, not 'GET failed'", async () => {
    const legacy = await httpServer(
      legacyStream("/messages?sessionId=7", (stream) =>
        stream.write(`event: message\ndata: {"id":1 garbage\n\n`),
      ),
    );
    try {
      const io = fakeIO(process.cwd());
      assert.equal(await run(["doctor", `${legacy.url}/sse`], io), 1);
      assert.match(
        io.stdoutText(),
        /^fail mcp-initialize .*not a JSON-RPC message: '\{"id":1 garbage'/m,
      );
      assert.doesNotMatch(io.stdoutText(), /GET .* failed/);
    } finally {
      await legacy.close();
    }
  });
});
