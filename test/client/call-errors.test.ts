import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ProtocolError, SdkError, SdkErrorCode } from "@modelcontextprotocol/client";
import {
  describe as describeError,
  isUnauthorized,
  toCallError,
} from "../../src/client/call-errors.js";
import { connectMcps, type McpsManager } from "../../src/client/index.js";
import { isMcpSseError, McpSseError } from "../../src/errors.js";
import { type Fixture, startFixture, streamableEntry } from "../fixtures/client-servers.js";
import { waitFor } from "../helpers/wait-for.js";

const ctx = { server: "weather", tool: "forecast", timeoutMs: 1500 };

describe("toCallError", () => {
  it("keeps a JSON-RPC error distinguishable: CLIENT_TOOL_ERROR with rpcCode and rpcData", () => {
    const e = toCallError(new ProtocolError(-32602, "Invalid params", { field: "location" }), ctx);
    assert.equal(e.code, "CLIENT_TOOL_ERROR");
    assert.equal(e.details["rpcCode"], -32602);
    assert.deepEqual(e.details["rpcData"], { field: "location" });
    assert.match(e.message, /forecast.*weather.*-32602/);
  });
  it("maps SDK timeouts to CLIENT_TIMEOUT naming server, tool and ms", () => {
    const e = toCallError(new SdkError(SdkErrorCode.RequestTimeout, "Request timed out"), ctx);
    assert.equal(e.code, "CLIENT_TIMEOUT");
    assert.match(e.message, /"forecast" on server "weather" did not answer within 1500 ms/);
  });
  it("maps a closed connection to CLIENT_CONNECTION_LOST", () => {
    for (const code of [
      SdkErrorCode.ConnectionClosed,
      SdkErrorCode.NotConnected,
      SdkErrorCode.SendFailed,
    ])
      assert.equal(toCallError(new SdkError(code, "closed"), ctx).code, "CLIENT_CONNECTION_LOST");
  });
  it("passes McpSseErrors through and maps aborts to CLIENT_ABORTED", () => {
    const own = new McpSseError("CLIENT_UNAUTHORIZED", "401");
    assert.equal(toCallError(own, ctx), own);
    const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
    assert.equal(toCallError(abort, ctx).code, "CLIENT_ABORTED");
  });
});

describe("toCallError regressions", () => {
  // SDK v2 rejects a call whose caller signal aborted with SdkError(RequestTimeout).
  const callerAbort = (reason?: unknown) =>
    new SdkError(SdkErrorCode.RequestTimeout, String(reason ?? "AbortError"));

  it("a caller abort reported by the SDK as RequestTimeout is CLIENT_ABORTED, not CLIENT_TIMEOUT", () => {
    const controller = new AbortController();
    controller.abort();
    const e = toCallError(callerAbort(controller.signal.reason), {
      ...ctx,
      signal: controller.signal,
    });
    assert.equal(e.code, "CLIENT_ABORTED");
    assert.equal(e.details["reason"], "AbortError");
    assert.match(e.message, /"forecast" on server "weather" was cancelled by the caller/);
  });

  it("a caller signal that timed out (AbortSignal.timeout) is CLIENT_ABORTED naming TimeoutError", () => {
    const controller = new AbortController();
    controller.abort(new DOMException("signal timed out", "TimeoutError"));
    const e = toCallError(callerAbort(controller.signal.reason), {
      ...ctx,
      signal: controller.signal,
    });
    assert.equal(e.code, "CLIENT_ABORTED");
    assert.equal(e.details["reason"], "TimeoutError");
  });

  it("a call cut by close() is CLIENT_CLOSED, not CLIENT_CONNECTION_LOST", () => {
    const e = toCallError(new SdkError(SdkErrorCode.ConnectionClosed, "Connection closed"), {
      ...ctx,
      closed: true,
    });
    assert.equal(e.code, "CLIENT_CLOSED");
    assert.match(e.message, /"forecast" on server "weather" was cut short: the client was closed/);
  });

  it("a signal that has not aborted leaves the SDK's own timeout as CLIENT_TIMEOUT", () => {
    const e = toCallError(new SdkError(SdkErrorCode.RequestTimeout, "Request timed out"), {
      ...ctx,
      signal: new AbortController().signal,
    });
    assert.equal(e.code, "CLIENT_TIMEOUT");
  });

  it("a JSON-RPC error answer stays CLIENT_TOOL_ERROR even if the caller aborted afterwards", () => {
    const controller = new AbortController();
    controller.abort();
    const e = toCallError(new ProtocolError(-32602, "Invalid params"), {
      ...ctx,
      signal: controller.signal,
    });
    assert.equal(e.code, "CLIENT_TOOL_ERROR");
  });
});

describe("isUnauthorized", () => {
  it("finds a 401 through cause chains", () => {
    const inner = new McpSseError("SSE_HTTP_STATUS", "HTTP 401", { details: { status: 401 } });
    assert.ok(isUnauthorized(new Error("wrapped", { cause: inner })));
    assert.ok(isUnauthorized(new McpSseError("CLIENT_UNAUTHORIZED", "no")));
    assert.ok(
      !isUnauthorized(new McpSseError("SSE_HTTP_STATUS", "HTTP 500", { details: { status: 500 } })),
    );
    assert.ok(!isUnauthorized(undefined));
  });
  it("describe() gives a code and message for any error", () => {
    assert.deepEqual(describeError(new SdkError(SdkErrorCode.RequestTimeout, "t")), {
      code: "SDK_REQUEST_TIMEOUT",
      message: "t",
    });
    assert.deepEqual(describeError("plain"), { code: "ERROR", message: "plain" });
  });
});

/** The code of what `promise` rejected with (fails when it resolves). */
async function rejectionCode(promise: Promise<unknown>): Promise<{ code: string; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isMcpSseError(error), `not an McpSseError: ${String(error)}`);
    return { code: error.code, error };
  }
  assert.fail("the call resolved");
}

describe("call errors from a real server: cancelled and closed calls", () => {
  let fixture: Fixture;
  let mcps: McpsManager | undefined;

  before(async () => {
    fixture = await startFixture();
  });
  after(async () => {
    await mcps?.close();
    await fixture.close();
  });

  it("a caller abort was reported as CLIENT_TIMEOUT: it is CLIENT_ABORTED", async () => {
    mcps = await connectMcps({ mcps: [streamableEntry("a", fixture.url)] });
    const controller = new AbortController();
    const posted = fixture.stats.posts;
    const call = mcps.call("a", "hang", {}, { signal: controller.signal });
    await waitFor(() => fixture.stats.posts > posted, { message: "the call to reach the server" });
    controller.abort();
    const { code, error } = await rejectionCode(call);
    assert.equal(code, "CLIENT_ABORTED");
    assert.match((error as Error).message, /"hang" on server "a" was cancelled by the caller/);
  });

  it("a caller's AbortSignal.timeout was reported as CLIENT_TIMEOUT: it is CLIENT_ABORTED (TimeoutError)", async () => {
    assert.ok(mcps !== undefined);
    const { code, error } = await rejectionCode(
      mcps.call("a", "hang", {}, { signal: AbortSignal.timeout(50) }),
    );
    assert.equal(code, "CLIENT_ABORTED");
    assert.equal((error as { details: Record<string, unknown> }).details["reason"], "TimeoutError");
  });

  it("a call with timeout 0 (it meant 'never time out') is refused with CLIENT_INVALID_OPTION", async () => {
    assert.ok(mcps !== undefined);
    for (const timeout of [0, -1, Number.NaN, 2 ** 31]) {
      const { code } = await rejectionCode(mcps.call("a", "echo", { text: "x" }, { timeout }));
      assert.equal(code, "CLIENT_INVALID_OPTION", `timeout ${timeout}`);
    }
  });

  it("a call cut by close() was reported as CLIENT_CONNECTION_LOST: it is CLIENT_CLOSED", async () => {
    assert.ok(mcps !== undefined);
    const manager = mcps;
    const posted = fixture.stats.posts;
    // Handled from the start: close() rejects the call while it is awaited.
    const settled = rejectionCode(manager.call("a", "hang", {}));
    await waitFor(() => fixture.stats.posts > posted, { message: "the call to reach the server" });
    await manager.close();
    const { code } = await settled;
    assert.equal(code, "CLIENT_CLOSED");
  });
});
