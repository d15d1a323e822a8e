import assert from "node:assert/strict";
import { test } from "node:test";
import { isJsonRpcMessage, parseJsonRpc } from "../../../src/client/transports/jsonrpc.js";
import { McpSseError } from "../../../src/errors.js";
import { parseRetryAfter } from "../../../src/sse/backoff.js";

test("parseJsonRpc accepts requests, notifications, results, errors and batches", () => {
  const ok = [
    '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    '{"jsonrpc":"2.0","method":"notifications/x","params":{}}',
    '{"jsonrpc":"2.0","id":"a","result":{}}',
    '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse"}}',
    '[{"jsonrpc":"2.0","id":1,"result":null},{"jsonrpc":"2.0","method":"n"}]',
  ];
  for (const text of ok) {
    const parsed = parseJsonRpc(text, "s");
    assert.ok(Array.isArray(parsed), text);
    assert.deepEqual(parsed, [JSON.parse(text)].flat());
  }
});

test("parseJsonRpc turns malformed input into CLIENT_BAD_MESSAGE naming the server", () => {
  const bad = [
    "{nope",
    '{"id":1,"method":"ping"}',
    '{"jsonrpc":"1.0","id":1,"method":"ping"}',
    '{"jsonrpc":"2.0","id":1}',
    '{"jsonrpc":"2.0","id":{},"result":1}',
    '{"jsonrpc":"2.0","id":1,"error":"x"}',
    '[{"jsonrpc":"2.0","id":1,"result":1}, 5]',
    "42",
    `"${"x".repeat(500)}"`,
  ];
  for (const text of bad) {
    const parsed = parseJsonRpc(text, "srv");
    assert.ok(parsed instanceof McpSseError, text);
    assert.equal(parsed.code, "CLIENT_BAD_MESSAGE");
    assert.match(parsed.message, /"srv"/);
    assert.ok(parsed.message.length < 400, "long input is cut in the message");
  }
  assert.equal(isJsonRpcMessage(null), false);
});

test("parseRetryAfter reads delta seconds and HTTP dates", () => {
  assert.equal(parseRetryAfter("3"), 3000);
  assert.equal(parseRetryAfter(null), undefined);
  assert.equal(parseRetryAfter("soon"), undefined);
  const now = Date.parse("2026-01-01T00:00:00Z");
  assert.equal(parseRetryAfter("Thu, 01 Jan 2026 00:00:05 GMT", now), 5000);
  assert.equal(parseRetryAfter("Wed, 31 Dec 2025 00:00:00 GMT", now), 0);
});
