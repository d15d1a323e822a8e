import assert from "node:assert/strict";
import { afterEach, describe, it, mock } from "node:test";
import {
  CLIENT_ERROR_EVENTS,
  CLIENT_RATE_LIMITED,
  ErrorEventPolicy,
  type ErrorEventTarget,
  serverErrorOf,
} from "../../src/client/error-events.js";
import type { McpsEvent } from "../../src/client/events.js";
import { canTransition } from "../../src/client/state.js";
import { isMcpSseError, type McpSseError } from "../../src/errors.js";
import { silentLogger } from "../../src/logger.js";
import { serverConfig } from "./transports/helpers.js";

const errorEvent = (code: string, extra: Record<string, unknown> = {}): McpsEvent => ({
  server: "s",
  type: "error",
  data: { event: "error", error: { code, message: `${code} happened`, ...extra } },
  receivedAt: 0,
});
const dataEvent: McpsEvent = { server: "s", type: "data_update", data: {}, receivedAt: 0 };

function fakeTarget() {
  const calls = { paused: [] as boolean[], failed: [] as McpSseError[], reauth: 0, reports: 0 };
  let finishReauth: () => void = () => undefined;
  const target: ErrorEventTarget = {
    reauthenticate: () => {
      calls.reauth += 1;
      return new Promise<void>((resolve) => {
        finishReauth = resolve;
      });
    },
    setPaused: (p) => void calls.paused.push(p),
    fail: (e) => void calls.failed.push(e),
    report: () => {
      calls.reports += 1;
    },
  };
  return { target, calls, finishReauth: () => finishReauth() };
}

/** Let pending promise callbacks run (microtasks only: timers are fake here). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe("error events: the shared policy (fake timers)", () => {
  afterEach(() => mock.timers.reset());

  it("reads the guide's error object; retry_after is seconds", () => {
    assert.deepEqual(serverErrorOf({ event: "error", error: { code: "X", message: "m" } }), {
      code: "X",
      message: "m",
    });
    assert.equal(
      serverErrorOf({ event: "error", error: { code: "RATE_LIMITED", retry_after: 1.5 } })
        ?.retryAfterMs,
      1500,
    );
    assert.equal(serverErrorOf({ event: "data_update", error: { code: "X" } }), undefined);
    assert.equal(serverErrorOf({ event: "error" }), undefined);
  });

  it("RATE_LIMITED pauses for retry_after: a call that fits waits, one that does not fails at once", async () => {
    mock.timers.enable({ apis: ["setTimeout", "Date"] });
    const { target, calls } = fakeTarget();
    const policy = new ErrorEventPolicy(serverConfig(), target, silentLogger, false);
    const lifetime = new AbortController();
    policy.observe(errorEvent("RATE_LIMITED", { retry_after: 30 }));
    assert.deepEqual(calls.paused, [true]);
    assert.equal(policy.paused, true);
    await assert.rejects(policy.admitCall("t", { timeout: 5_000 }, lifetime.signal), (error) => {
      assert.ok(isMcpSseError(error, CLIENT_RATE_LIMITED));
      assert.equal(error.details["retryAfterMs"], 30_000);
      return true;
    });
    const admitted: { options?: { timeout?: number } } = {};
    void policy.admitCall("t", { timeout: 60_000 }, lifetime.signal).then((o) => {
      admitted.options = o;
    });
    mock.timers.tick(29_999);
    await settle();
    const admittedTimeout = (): number | undefined => admitted.options?.timeout;
    assert.equal(admittedTimeout(), undefined, "still paused");
    mock.timers.tick(1);
    await settle();
    assert.deepEqual(calls.paused, [true, false]);
    assert.equal(admittedTimeout(), 30_000, "the call keeps what is left of its timeout");
    assert.equal(calls.failed.length, 0, "a rate limit is not a failure");
  });

  it("a pause extended while a call waits still ends the wait at the call's timeout", async () => {
    mock.timers.enable({ apis: ["setTimeout", "Date"] });
    const { target } = fakeTarget();
    const policy = new ErrorEventPolicy(serverConfig(), target, silentLogger, false);
    policy.observe(errorEvent("RATE_LIMITED", { retry_after: 10 }));
    const outcome: { error?: unknown } = {};
    const waiting = policy
      .admitCall("t", { timeout: 15_000 }, new AbortController().signal)
      .catch((error: unknown) => {
        outcome.error = error;
      });
    mock.timers.tick(5_000);
    policy.observe(errorEvent("RATE_LIMITED", { retry_after: 30 }));
    mock.timers.tick(10_000);
    await waiting;
    assert.ok(isMcpSseError(outcome.error, CLIENT_RATE_LIMITED), String(outcome.error));
    assert.equal(outcome.error.details["retryAfterMs"], 20_000);
    assert.equal(policy.paused, true);
  });

  it("RATE_LIMITED without retry_after pauses for rate_limit_backoff", async () => {
    mock.timers.enable({ apis: ["setTimeout", "Date"] });
    const { target, calls } = fakeTarget();
    const server = serverConfig({ rateLimitBackoffMs: 60_000 });
    const policy = new ErrorEventPolicy(server, target, silentLogger, false);
    policy.observe(errorEvent("RATE_LIMITED"));
    mock.timers.tick(59_999);
    assert.equal(policy.paused, true);
    mock.timers.tick(1);
    assert.equal(policy.paused, false);
    assert.deepEqual(calls.paused, [true, false]);
  });

  it("other codes count in a row toward max_reconnects; any other event resets the count", () => {
    const { target, calls } = fakeTarget();
    const policy = new ErrorEventPolicy(
      serverConfig({ maxReconnects: 3 }),
      target,
      silentLogger,
      false,
    );
    policy.observe(errorEvent("INTERNAL"));
    policy.observe(errorEvent("INTERNAL"));
    policy.observe(dataEvent);
    policy.observe(errorEvent("INTERNAL"));
    policy.observe(errorEvent("INTERNAL"));
    assert.equal(calls.failed.length, 0);
    policy.observe(errorEvent("DB_DOWN"));
    assert.equal(calls.failed.length, 1);
    assert.equal(calls.failed[0]?.code, CLIENT_ERROR_EVENTS);
    assert.match(calls.failed[0]?.message ?? "", /DB_DOWN/);
  });

  it("AUTHENTICATION_FAILED: one refresh at a time, none without refreshToken", async () => {
    const withRefresh = fakeTarget();
    const policy = new ErrorEventPolicy(serverConfig(), withRefresh.target, silentLogger, true);
    policy.observe(errorEvent("AUTHENTICATION_FAILED"));
    policy.observe(errorEvent("AUTHENTICATION_FAILED"));
    assert.equal(withRefresh.calls.reauth, 1);
    withRefresh.finishReauth();
    await settle();
    policy.observe(errorEvent("AUTHENTICATION_FAILED"));
    assert.equal(withRefresh.calls.reauth, 2);

    const without = fakeTarget();
    new ErrorEventPolicy(serverConfig(), without.target, silentLogger, false).observe(
      errorEvent("AUTHENTICATION_FAILED"),
    );
    assert.equal(without.calls.reauth, 0);
  });
});

describe("state machine: paused", () => {
  it("a live or reconnecting server may pause; a pause ends in ready, reconnecting, failed or closed", () => {
    assert.ok(canTransition("ready", "paused"));
    assert.ok(canTransition("reconnecting", "paused"));
    for (const to of ["ready", "reconnecting", "failed", "closed"] as const)
      assert.ok(canTransition("paused", to), to);
    assert.ok(!canTransition("connecting", "paused"));
    assert.ok(!canTransition("failed", "paused"));
    assert.ok(!canTransition("closed", "paused"));
  });
});
