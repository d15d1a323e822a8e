/**
 * A server that echoes a secret got it shown (issue 11, item 2): a JSON-RPC error quoting the
 * Authorization header reached CLIENT_TOOL_ERROR's message, and a log notification quoting it
 * reached onEvent unchanged. The manager scrubs every configured header value (and refreshed
 * ones, and the credential of `Bearer <token>`) from call errors, statuses and events.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { encrypt, generateKey } from "../../src/fernet/index.js";
import { CLIENT_TOOL_ERROR, connectMcps, isMcpSseError, type McpsEvent } from "../../src/index.js";
import { type Fixture, startFixture } from "../fixtures/client-servers.js";
import { DENIED_RPC_CODE, echoSecretsServer } from "../fixtures/echo-secrets-server.js";
import { waitFor } from "../helpers/wait-for.js";

const TOKEN = "tok-echo-7d1e4b29a0";
const API_KEY = "key-echo-55c3f1e8";
const REFRESHED = "tok-fresh-0b9a7c33d2";

/** Every string reachable from an error: message, stack, details, the whole cause chain. */
function everything(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let i = 0; i < 8 && current instanceof Error; i += 1) {
    parts.push(current.message, current.stack ?? "", JSON.stringify(current));
    const details = (current as { details?: unknown; data?: unknown }).details;
    parts.push(
      JSON.stringify(details ?? null),
      JSON.stringify((current as { data?: unknown }).data ?? null),
    );
    current = current.cause;
  }
  return parts.join("\n");
}

function assertNoSecret(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) assert.ok(!text.includes(secret), `"${secret}" leaked in: ${text}`);
}

describe("secrets a server echoes are scrubbed from errors and events", () => {
  let fixture: Fixture;
  before(async () => {
    fixture = await startFixture({ createServer: echoSecretsServer });
  });
  after(async () => {
    await fixture?.close();
  });

  it("CLIENT_TOOL_ERROR quoted the Authorization value; onEvent got the echoing log unchanged", async () => {
    const events: McpsEvent[] = [];
    const mcps = await connectMcps(
      {
        mcps: [
          {
            name: "echo",
            transport: "streamable-http",
            url: fixture.url,
            headers: { Authorization: `Bearer ${TOKEN}`, "X-Api-Key": API_KEY },
          },
        ],
      },
      { onEvent: (event) => void events.push(event) },
    );
    try {
      const error = await mcps.call("echo", "whoami").then(
        () => assert.fail("the call should fail"),
        (e: unknown) => e,
      );
      assert.ok(isMcpSseError(error, CLIENT_TOOL_ERROR), String(error));
      assert.equal(error.details["rpcCode"], DENIED_RPC_CODE);
      assert.match(error.message, /denied for \[REDACTED\] key \[REDACTED\]/);
      assertNoSecret(everything(error), [TOKEN, API_KEY]);
      const log = await waitFor(() => events.find((e) => e.type === "log"), {
        message: "the echoing log notification",
      });
      assert.match(JSON.stringify(log.data), /seen \[REDACTED\] key \[REDACTED\]/);
      assertNoSecret(JSON.stringify(events), [TOKEN, API_KEY]);
      // An `isError` result is the tool's error message: scrubbed like one.
      const failed = await mcps.call("echo", "whoami_result");
      assert.equal(failed.isError, true);
      assert.match(JSON.stringify(failed.content), /denied for \[REDACTED\] key \[REDACTED\]/);
      assertNoSecret(JSON.stringify(failed), [TOKEN, API_KEY]);
    } finally {
      await mcps.close();
    }
  });

  it("a refreshed token (refreshToken after a 401) is scrubbed too", async () => {
    fixture.setToken(REFRESHED);
    const events: McpsEvent[] = [];
    const mcps = await connectMcps(
      {
        mcps: [
          {
            name: "echo",
            transport: "streamable-http",
            url: fixture.url,
            headers: { Authorization: `Bearer ${TOKEN}` },
          },
        ],
      },
      {
        onEvent: (event) => void events.push(event),
        refreshToken: async () => ({ Authorization: `Bearer ${REFRESHED}` }),
      },
    );
    try {
      assert.equal(mcps.servers()[0]?.state, "ready");
      const error = await mcps.call("echo", "whoami").catch((e: unknown) => e);
      assert.ok(isMcpSseError(error, CLIENT_TOOL_ERROR), String(error));
      assert.match(error.message, /denied for \[REDACTED\]/);
      await waitFor(() => events.some((e) => e.type === "log"), { message: "the log event" });
      assertNoSecret(everything(error) + JSON.stringify(events), [REFRESHED, TOKEN]);
    } finally {
      fixture.setToken(undefined);
      await mcps.close();
    }
  });

  it("an encrypted payload echoing the token is scrubbed after it is decrypted", async () => {
    const key = generateKey();
    const events: McpsEvent[] = [];
    const mcps = await connectMcps(
      {
        mcps: [
          {
            name: "echo",
            transport: "streamable-http",
            url: fixture.url,
            headers: { Authorization: `Bearer ${TOKEN}` },
            encryption_key: key,
          },
        ],
      },
      { onEvent: (event) => void events.push(event) },
    );
    try {
      const plaintext = JSON.stringify({ note: `seen Bearer ${TOKEN}` });
      await fixture.broadcast({
        event: "secret_echo",
        encrypted_payload: await encrypt(plaintext, key),
      });
      const echoed = await waitFor(() => events.find((e) => e.type === "secret_echo"), {
        message: "the decrypted event",
      });
      assert.deepEqual(echoed.data, { event: "secret_echo", payload: { note: "seen [REDACTED]" } });
      assertNoSecret(JSON.stringify(events), [TOKEN]);
    } finally {
      await mcps.close();
    }
  });
});
