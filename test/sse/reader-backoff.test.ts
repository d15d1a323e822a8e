// The reconnection schedule: exponential backoff with jitter, and Retry-After parsing.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  backoffDelay,
  DEFAULT_MAX_RETRY_DELAY_MS,
  DEFAULT_MIN_RETRY_DELAY_MS,
  DEFAULT_RETRY_JITTER,
  parseRetryAfter,
} from "../../src/sse/backoff.js";

describe("backoffDelay", () => {
  it("doubles from the base up to the cap without jitter", () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7].map((attempt) =>
      backoffDelay(attempt, { baseMs: 100, maxDelayMs: 1_000, jitter: 0 }),
    );
    assert.deepEqual(schedule, [100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it("takes a random share `jitter` off the ceiling (equal jitter by default)", () => {
    const at = (random: number) =>
      backoffDelay(3, {
        baseMs: 1_000,
        maxDelayMs: 30_000,
        jitter: DEFAULT_RETRY_JITTER,
        random: () => random,
      });
    assert.equal(at(0), 4_000);
    assert.equal(at(0.5), 3_000);
    assert.equal(at(1), 2_000);
  });

  it("full jitter (1) ranges from 0 to the ceiling", () => {
    const options = { baseMs: 500, maxDelayMs: 10_000, jitter: 1 };
    assert.equal(backoffDelay(2, { ...options, random: () => 0 }), 1_000);
    assert.equal(backoffDelay(2, { ...options, random: () => 1 }), 0);
  });

  it("stays within [ceiling × (1 − jitter), ceiling] and never above the cap (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        fc.integer({ min: 0, max: 120_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (attempt, baseMs, maxDelayMs, jitter, random) => {
          const delay = backoffDelay(attempt, { baseMs, maxDelayMs, jitter, random: () => random });
          const ceiling = Math.min(maxDelayMs, baseMs * 2 ** Math.min(64, attempt - 1));
          assert.ok(Number.isInteger(delay), `${delay} is an integer`);
          assert.ok(delay <= Math.round(ceiling), `${delay} <= ${ceiling}`);
          assert.ok(delay >= Math.round(ceiling * (1 - jitter)) - 1, `${delay} >= floor`);
        },
      ),
    );
  });

  it("survives huge attempt numbers (no overflow past the cap, no NaN)", () => {
    assert.equal(backoffDelay(5_000, { baseMs: 1_000, maxDelayMs: 30_000, jitter: 0 }), 30_000);
    // Regression: 0 × 2^1024 was NaN (found by the property above).
    assert.equal(backoffDelay(1_025, { baseMs: 0, maxDelayMs: 30_000, jitter: 0 }), 0);
  });

  it("has the documented defaults", () => {
    assert.equal(DEFAULT_MIN_RETRY_DELAY_MS, 1_000);
    assert.equal(DEFAULT_MAX_RETRY_DELAY_MS, 30_000);
    assert.equal(DEFAULT_RETRY_JITTER, 0.5);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-25T07:00:00Z");

  it("reads delay-seconds", () => {
    assert.equal(parseRetryAfter("120", now), 120_000);
    assert.equal(parseRetryAfter(" 0 ", now), 0);
  });

  it("reads an HTTP-date relative to now, a past date as 0", () => {
    assert.equal(parseRetryAfter("Wed, 25 Nov 2026 07:00:30 GMT", now), 30_000);
    assert.equal(parseRetryAfter("Wed, 25 Nov 2026 06:00:00 GMT", now), 0);
    // The obsolete RFC 850 and asctime forms are still valid HTTP-dates.
    assert.equal(parseRetryAfter("Wednesday, 25-Nov-26 07:00:10 GMT", now), 10_000);
    assert.equal(parseRetryAfter("Wed Nov 25 07:00:20 2026", now), 20_000);
  });

  it("ignores a missing or invalid header", () => {
    assert.equal(parseRetryAfter(null, now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
    assert.equal(parseRetryAfter("soon", now), undefined);
    // Date.parse alone would read these as years.
    assert.equal(parseRetryAfter("-5", now), undefined);
    assert.equal(parseRetryAfter("1.5", now), undefined);
  });
});
