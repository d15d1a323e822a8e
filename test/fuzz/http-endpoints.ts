/**
 * Fuzz target: the POST endpoints (`/mcp`, `/messages`) of a real `serve()` demo host on
 * 127.0.0.1:0 (bearer auth on, the planted token accepted). Mutated valid JSON-RPC bodies,
 * random bytes, random methods, paths, content types and headers, with and without a live
 * session. Findings: a 5xx; a request with no answer within the case timeout; a planted secret
 * (the bearer token, an API key, a cookie) in a response or a log line of the server.
 */
import { Agent } from "node:http";
import fc from "fast-check";
import type { Logger } from "../../src/logger.js";
import { createDemoServer } from "../../src/server/demo.js";
import { serve } from "../../src/server/index.js";
import {
  applyEdits,
  assertNoSecret,
  byteEdits,
  type FuzzBudget,
  type FuzzFigures,
  FuzzFinding,
  PLANTED,
  runProperty,
  runTarget,
} from "./harness.js";
import { LegacySession, type Reply, send } from "./http-client.js";

/** Nesting of generated JSON bodies, unless the budget says otherwise. */
export const DEFAULT_MAX_NESTING_DEPTH = 2_000;
/** Bound on one request, ms (below the case timeout, so a hang is reported as ours). */
const REQUEST_TIMEOUT_MS = 4_000;

const SAMPLES = [
  {
    jsonrpc: "2.0",
    id: 1,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "fuzz", version: "1" },
    },
  },
  { jsonrpc: "2.0", method: "notifications/initialized" },
  { jsonrpc: "2.0", id: 2, method: "tools/list" },
  {
    jsonrpc: "2.0",
    id: 3,
    method: "tools/call",
    params: { name: "realtime_monitor", arguments: { stream_id: "s1" } },
  },
  {
    jsonrpc: "2.0",
    id: "w",
    method: "tools/call",
    params: { name: "weather_monitor", arguments: { location: "Oslo" } },
  },
  { jsonrpc: "2.0", id: 4, method: "ping" },
  { jsonrpc: "2.0", id: 5, result: {} },
  [
    { jsonrpc: "2.0", id: 6, method: "ping" },
    { jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 6 } },
  ],
];

const HEADER_CHOICES = {
  "content-type": [
    "application/json",
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
    "application/json; charset=latin1",
    "APPLICATION/JSON",
  ],
  accept: [
    "application/json, text/event-stream",
    "*/*",
    "text/event-stream",
    "application/json",
    "",
    "text/html",
  ],
  authorization: [
    `Bearer ${PLANTED.bearer}`,
    `Bearer ${PLANTED.bearer}`,
    `Bearer ${PLANTED.apiKey}`,
    `Basic ${PLANTED.apiKey}`,
    "Bearer",
    `bearer ${PLANTED.bearer}`,
  ],
  "mcp-protocol-version": [
    "2024-11-05",
    "2025-03-26",
    "2025-06-18",
    "2025-11-25",
    "2026-07-28",
    "1999-01-01",
    "x",
  ],
  origin: ["http://127.0.0.1", "http://evil.example", "null", "http://localhost:1"],
  "x-api-key": [PLANTED.apiKey],
  cookie: [`session=${PLANTED.apiKey}`],
  "last-event-id": ["1", "abc", "0-0-0"],
} as const;

const tokenArb = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/);
const headerValueArb = fc.stringMatching(/^[\x20-\x7e]{0,60}$/);

/** What a well-formed request sends; `undefined`: the header is absent. */
const VALID_HEADERS: Record<keyof typeof HEADER_CHOICES, string | undefined> = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  authorization: `Bearer ${PLANTED.bearer}`,
  "mcp-protocol-version": undefined,
  origin: undefined,
  "x-api-key": PLANTED.apiKey,
  cookie: undefined,
  "last-event-id": undefined,
};

/** Mostly well-formed headers (so that cases get past auth and the Origin check), each sometimes odd. */
function headersArb(): fc.Arbitrary<Record<string, string>> {
  const entries = Object.entries(HEADER_CHOICES).map(([name, choices]) => {
    const valid = VALID_HEADERS[name as keyof typeof HEADER_CHOICES];
    const value = fc.oneof(
      { weight: 24, arbitrary: fc.constant(valid) },
      { weight: 2, arbitrary: fc.constantFrom(...choices) },
      { weight: 1, arbitrary: headerValueArb },
      { weight: 1, arbitrary: fc.constant(undefined) },
    );
    return [name, value] as const;
  });
  const known = fc.record(
    Object.fromEntries(entries) as Record<string, fc.Arbitrary<string | undefined>>,
  );
  const extra = fc.dictionary(tokenArb, headerValueArb, { maxKeys: 3 });
  return fc.tuple(known, extra).map(([a, b]) => {
    const out: Record<string, string> = { ...b };
    for (const [k, v] of Object.entries(a)) if (v !== undefined) out[k] = v;
    return out;
  });
}

function nested(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

function bodyArb(maxDepth: number): fc.Arbitrary<Uint8Array> {
  const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
  const sample = fc.constantFrom(...SAMPLES);
  return fc.oneof(
    // A valid message with one value replaced by random JSON.
    {
      weight: 3,
      arbitrary: fc
        .tuple(sample, fc.jsonValue({ maxDepth: 4 }), fc.nat())
        .map(([s, v, at]) => encode(replaceOne(s, v, at))),
    },
    fc.tuple(sample, byteEdits(6)).map(([s, edits]) => applyEdits(encode(s), edits)),
    // Unchanged valid messages, often: they reach the SDK server and its tools.
    { weight: 3, arbitrary: sample.map(encode) },
    fc.jsonValue({ maxDepth: 6 }).map(encode),
    fc.uint8Array({ maxLength: 2048 }),
    fc.integer({ min: 1, max: maxDepth }).map((d) => new TextEncoder().encode(nested(d))),
    fc
      .integer({ min: 1, max: maxDepth })
      .map((d) =>
        new TextEncoder().encode(`{"jsonrpc":"2.0","id":1,"method":"ping","params":${nested(d)}}`),
      ),
  );
}

/** `value` with the `at`-th node (depth-first, modulo the count) replaced by `replacement`. */
function replaceOne(value: unknown, replacement: unknown, at: number): unknown {
  let index = 0;
  const nodes = (v: unknown): number =>
    1 +
    (v !== null && typeof v === "object"
      ? Object.values(v).reduce((n: number, c) => n + nodes(c), 0)
      : 0);
  const target = at % nodes(value);
  const walk = (v: unknown): unknown => {
    if (index++ === target) return replacement;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object")
      return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, walk(c)]));
    return v;
  };
  return walk(value);
}

interface Host {
  url: string;
  port: number;
  agent: Agent;
  legacy: LegacySession;
  logs: string[];
  close(): Promise<void>;
}

async function startHost(): Promise<Host> {
  const logs: string[] = [];
  const log = (obj: object | string, msg?: string) =>
    void logs.push(JSON.stringify(obj) + (msg ?? ""));
  const logger: Logger = { debug: log, info: log, warn: log, error: log };
  const running = await serve({
    createServer: () => createDemoServer(),
    port: 0,
    auth: { tokens: [PLANTED.bearer] },
    logger,
    // No session cap (a 503 would hide other answers); sessions the fuzzer leaves are closed soon.
    maxSessions: 0,
    idleTimeoutMs: 5_000,
  });
  const port = Number(new URL(running.url).port);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const legacy = new LegacySession(port, agent, `Bearer ${PLANTED.bearer}`);
  return {
    url: running.url,
    port,
    agent,
    legacy,
    logs,
    close: async () => {
      legacy.close();
      agent.destroy();
      await running.close();
    },
  };
}

function checkReply(reply: Reply, what: string): void {
  if (reply.status >= 500)
    throw new FuzzFinding(`${what} answered ${reply.status}: ${reply.body.slice(0, 200)}`);
  assertNoSecret(JSON.stringify(reply.headers), `the response headers of ${what}`);
  assertNoSecret(reply.body, `the response body of ${what}`);
}

export async function fuzzHttpEndpoints(budget: FuzzBudget): Promise<FuzzFigures> {
  const host = await startHost();
  const maxDepth = budget.maxNestingDepth ?? DEFAULT_MAX_NESTING_DEPTH;
  // Mostly the two POST endpoints (LEGACY: `/messages?sessionId=` of a live legacy session).
  const pathArb = fc.oneof(
    { weight: 6, arbitrary: fc.constant("/mcp") },
    { weight: 4, arbitrary: fc.constant("LEGACY") },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "/messages",
        "/mcp?x=1",
        "/messages?sessionId=nope",
        "/sse",
        "/healthz",
      ),
    },
    { weight: 1, arbitrary: fc.stringMatching(/^\/[\x21-\x7e]{0,30}$/) },
  );
  const methodArb = fc.oneof(
    { weight: 12, arbitrary: fc.constant("POST") },
    { weight: 1, arbitrary: fc.constantFrom("DELETE", "PUT", "OPTIONS", "PATCH") },
  );
  const statuses: Record<string, number> = {};
  try {
    const figures = await runTarget("http-endpoints", budget, [
      (b) =>
        runProperty(
          "POST /mcp and /messages",
          [pathArb, methodArb, headersArb(), bodyArb(maxDepth), fc.boolean()],
          async (path, method, headers, body, withSession) => {
            const target = path === "LEGACY" ? await host.legacy.messagesPath() : path;
            if (withSession && target.startsWith("/mcp"))
              headers["mcp-session-id"] = await modernSession(host);
            const what = `${method} ${target}`;
            const request = { method, path: target, headers, body, timeoutMs: REQUEST_TIMEOUT_MS };
            let reply = await send(host.port, host.agent, request);
            // A pooled keep-alive socket the server closed just as it was reused: once more,
            // on a new connection. Dropped twice is a finding (no body here reaches the limit).
            if (reply.status === 0) reply = await send(host.port, false, request);
            if (reply.status === 0)
              throw new FuzzFinding(`${what}: connection dropped (${reply.body})`);
            statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
            checkReply(reply, what);
            await closeNewSession(host, reply);
            for (const line of host.logs.splice(0))
              assertNoSecret(line, `a server log line after ${what}`);
            assertNoSecret(host.legacy.takeStreamText(), `the legacy event stream after ${what}`);
          },
          b,
        ),
    ]);
    figures.counts = statuses;
    return figures;
  } finally {
    await host.close();
  }
}

let modern: string | undefined;

/** A live Streamable HTTP session id (made once, made again if the fuzzer deleted it). */
async function modernSession(host: Host): Promise<string> {
  if (modern !== undefined) return modern;
  const headers = {
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
    authorization: `Bearer ${PLANTED.bearer}`,
  };
  const body = new TextEncoder().encode(JSON.stringify(SAMPLES[0]));
  const reply = await send(host.port, host.agent, {
    method: "POST",
    path: "/mcp",
    headers,
    body,
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
  const id = reply.headers["mcp-session-id"];
  if (typeof id !== "string") throw new FuzzFinding(`initialize gave no session (${reply.status})`);
  modern = id;
  return id;
}

/** Delete a session the case created (so sessions do not pile up), and forget a deleted one. */
async function closeNewSession(host: Host, reply: Reply): Promise<void> {
  const id = reply.headers["mcp-session-id"];
  if (reply.request.method === "DELETE" && reply.request.headers["mcp-session-id"] === modern)
    modern = undefined;
  if (typeof id !== "string" || id === modern) return;
  const headers = { authorization: `Bearer ${PLANTED.bearer}`, "mcp-session-id": id };
  const done = await send(host.port, host.agent, {
    method: "DELETE",
    path: "/mcp",
    headers,
    body: new Uint8Array(),
    timeoutMs: REQUEST_TIMEOUT_MS,
  });
  checkReply(done, "DELETE /mcp (cleanup)");
}
