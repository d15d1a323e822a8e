/**
 * `mcp-sse doctor --ca/--cert/--key/--insecure` against a real HTTPS MCP host whose certificate
 * a throwaway CA signed (made with openssl in a temp directory): the flags reach both the
 * TLS probe and the HTTP checks of `diagnose()`.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { run } from "../../src/cli/main.js";
import { useDemoHttpsHost } from "../client/tls-certs.js";
import { fakeIO } from "../fixtures/client-cli.js";

/** `name → status` of every printed check line. */
function statuses(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.trim().split("\n")) {
    const [status, name] = line.split(/\s+/);
    if (status && name) out[name] = status;
  }
  return out;
}

describe("CLI doctor over HTTPS with a private CA", () => {
  const suite = useDemoHttpsHost();
  const need = suite.need;

  it("without --ca the TLS check fails (exit 1); with --ca every HTTP check passes (exit 0)", async (t) => {
    const c = need(t);
    if (c === undefined) return;
    const plain = fakeIO(process.cwd());
    assert.equal(await run(["doctor", suite.url], plain), 1);
    assert.equal(statuses(plain.stdoutText())["tls"], "fail", plain.stdoutText());
    // A relative path resolves against the working directory.
    const io = fakeIO(c.dir);
    assert.equal(await run(["doctor", suite.url, "--ca", "ca.pem", "--stream-wait", "5"], io), 0);
    const s = statuses(io.stdoutText());
    assert.notEqual(s["tls"], "fail", io.stdoutText());
    assert.equal(s["http"], "ok", io.stdoutText());
    assert.equal(s["mcp-initialize"], "ok", io.stdoutText());
  });

  it("--insecure skips verification in the probe and the pool", async (t) => {
    if (need(t) === undefined) return;
    const io = fakeIO(process.cwd());
    await run(["doctor", suite.url, "--insecure"], io);
    const s = statuses(io.stdoutText());
    assert.notEqual(s["tls"], "fail", io.stdoutText());
    assert.equal(s["mcp-initialize"], "ok", io.stdoutText());
  });

  it("usage errors: --cert without --key, a --ca file that cannot be read", async () => {
    const io = fakeIO(process.cwd());
    assert.equal(await run(["doctor", "https://127.0.0.1:9/mcp", "--cert", "c.pem"], io), 2);
    assert.match(io.stderrText(), /--cert and --key go together/);
    assert.equal(await run(["doctor", "https://127.0.0.1:9/mcp", "--ca", "no-such.pem"], io), 2);
    assert.match(io.stderrText(), /--ca no-such\.pem: cannot read the file \(ENOENT\)/);
  });
});
