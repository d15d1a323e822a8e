import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { createDemoServer } from "../../src/server/demo.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { fakeIO } from "../fixtures/client-cli.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";

async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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
    const port = await deadPort();
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
