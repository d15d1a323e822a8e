import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { connectMcps } from "../../src/client/index.js";
import { redactingLogger } from "../../src/client/redacting-logger.js";
import { createClientTransport } from "../../src/client/transports/index.js";
import { createJsonLogger, silentLogger } from "../../src/logger.js";
import { startFixture, streamableEntry } from "../fixtures/client-servers.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createJsonLogger((line) => lines.push(JSON.parse(line)), "debug");
  return { lines, logger };
}

describe("redactingLogger (secret_headers)", () => {
  it("secret_headers was ignored: a header it names is redacted by name and its value scrubbed from messages", () => {
    const { lines, logger } = capture();
    const headers = { "X-Tenant": "tenant-7f3a9c", Accept: "application/json" };
    const log = redactingLogger(logger, ["x-tenant"], () => headers);
    log.info({ headers, note: "server said: unknown tenant tenant-7f3a9c" }, "request");
    log.warn({ err: new Error("rejected tenant-7f3a9c") }, "failed tenant-7f3a9c");
    const text = JSON.stringify(lines);
    assert.ok(!text.includes("tenant-7f3a9c"), text);
    assert.deepEqual(lines[0]?.["headers"], {
      "X-Tenant": "[REDACTED]",
      Accept: "application/json",
    });
    assert.equal(lines[0]?.["note"], "server said: unknown tenant [REDACTED]");
    assert.equal(lines[1]?.["msg"], "failed [REDACTED]");
  });

  it("without secret_headers a non-secret header stays visible; built-in secrets are still scrubbed", () => {
    const { lines, logger } = capture();
    const headers = { "X-Tenant": "tenant-7f3a9c", Authorization: "Bearer tok-123456789" };
    const log = redactingLogger(logger, [], () => headers);
    log.info({ headers, note: "echo tok-123456789" }, "request");
    assert.deepEqual(lines[0]?.["headers"], {
      "X-Tenant": "tenant-7f3a9c",
      Authorization: "[REDACTED]",
    });
    assert.equal(lines[0]?.["note"], "echo [REDACTED]");
  });

  it("reads the headers at each line (a refreshed token is scrubbed too) and wraps children", () => {
    const { lines, logger } = capture();
    let headers: Record<string, string> = { "X-Tenant": "first-value" };
    const log = redactingLogger(logger, ["x-tenant"], () => headers).child?.({ server: "a" });
    assert.ok(log !== undefined);
    headers = { "X-Tenant": "second-value" };
    log.info({ msg2: "got second-value" }, "x");
    assert.equal(lines[0]?.["msg2"], "got [REDACTED]");
    assert.equal(lines[0]?.["server"], "a");
  });

  it("returns the silent logger unchanged", () => {
    assert.equal(
      redactingLogger(silentLogger, ["x"], () => ({})),
      silentLogger,
    );
  });
});

describe("secret_headers through connectMcps", () => {
  it("secret_headers was read nowhere: the server's logs (its transport's too) redact the headers it names", async () => {
    const fixture = await startFixture();
    const lines: string[] = [];
    const logger = createJsonLogger((line) => lines.push(line), "debug");
    try {
      const mcps = await connectMcps(
        {
          mcps: [
            streamableEntry("a", fixture.url, {
              headers: { "X-Tenant": "tenant-7f3a9c", "X-Trace": "visible-trace" },
              secret_headers: ["X-Tenant"],
            }),
          ],
        },
        {
          logger,
          // A transport that logs its headers and an error echoing one (what the wrapper guards).
          createTransport: (options) => {
            options.logger?.info({ headers: options.server.headers }, "transport headers");
            options.logger?.warn({ err: new Error("unknown tenant tenant-7f3a9c") }, "echo");
            return createClientTransport(options);
          },
        },
      );
      await mcps.close();
      const text = lines.join("");
      assert.ok(text.includes("transport headers"), "the transport's line was logged");
      assert.ok(!text.includes("tenant-7f3a9c"), text);
      assert.ok(text.includes("visible-trace"), "a header secret_headers does not name stays");
    } finally {
      await fixture.close();
    }
  });
});
