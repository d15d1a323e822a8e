import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { fakeIO } from "../fixtures/client-cli.js";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("CLI doctor never follows a redirect", () => {
  const seenElsewhere: string[] = [];
  let elsewhere: Server;
  let redirecting: Server;
  let url: string;
  before(async () => {
    elsewhere = createServer((req, res) => {
      seenElsewhere.push(`${req.method} ${JSON.stringify(req.headers)}`);
      res.writeHead(404).end();
    });
    const target = await listen(elsewhere);
    // Every method, every path: 307 to another origin (307 keeps POST a POST).
    redirecting = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: `${target}/mcp` }).end();
    });
    url = `${await listen(redirecting)}/mcp`;
  });
  after(async () => {
    redirecting.closeAllConnections();
    elsewhere.closeAllConnections();
    await new Promise((r) => redirecting.close(r));
    await new Promise((r) => elsewhere.close(r));
  });

  it("reports the redirect as a failed check and sends nothing (no header) to the other origin", async () => {
    const io = fakeIO(process.cwd());
    const code = await run(
      ["doctor", url, "--header", "X-Api-Key: planted-key-123456", "--timeout", "5"],
      io,
    );
    assert.notEqual(code, 0);
    assert.match(io.stdoutText(), /HTTP 307/);
    assert.match(io.stdoutText(), /redirects are never followed/);
    assert.deepEqual(seenElsewhere, [], "the other origin got no request at all");
    assert.doesNotMatch(io.stdoutText() + io.stderrText(), /planted-key-123456/);
  });
});
