/**
 * `bridgeStdio()` as a library call (the root `mcp-sse` export) with in-memory streams: a
 * PassThrough as the host's stdin, another as its stdout, against our `serve()` with the
 * demo server on 127.0.0.1.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { after, before, describe, it } from "node:test";
import { bridgeStdio, JSONRPC_PARSE_ERROR, PROXY_SEND_FAILED } from "../../src/index.js";
import { createDemoServer } from "../../src/server/demo.js";
import { type ServeHandle, serve } from "../../src/server/index.js";
import { INITIALIZE_REQUEST } from "../helpers/jsonrpc.js";
import { waitFor } from "../helpers/wait-for.js";

interface Line {
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

/** Every JSON line written to `output` so far. */
function lines(output: PassThrough): () => Line[] {
  let text = "";
  output.on("data", (chunk: Buffer) => {
    text += chunk.toString("utf8");
  });
  return () =>
    text
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as Line);
}

const initialize = INITIALIZE_REQUEST;

describe("bridgeStdio()", () => {
  let host: ServeHandle;
  before(async () => {
    host = await serve({ createServer: () => createDemoServer({ intervalMs: 30 }), port: 0 });
  });
  after(async () => {
    await host?.close();
  });

  it("moves lines between PassThrough streams and a real server; ends 'input' when the input ends", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const seen = lines(output);
    const done = bridgeStdio({
      url: `${host.url}/mcp`,
      transport: "streamable-http",
      input,
      output,
    });
    input.write(`${JSON.stringify(initialize)}\nnot json\n`);
    const init = await waitFor(() => seen().find((m) => m.id === 1), {
      message: "initialize answer",
    });
    assert.equal(
      (init.result?.["serverInfo"] as { name?: string } | undefined)?.name,
      "mcp-sse-demo",
    );
    const parse = await waitFor(() => seen().find((m) => m.error?.code === JSONRPC_PARSE_ERROR), {
      message: "parse error answer",
    });
    assert.equal(parse.id, null);
    input.write(
      `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })}\n`,
    );
    const tools = await waitFor(() => seen().find((m) => m.id === 2), { message: "tools/list" });
    assert.ok(Array.isArray(tools.result?.["tools"]), JSON.stringify(tools));
    input.end();
    assert.equal(await done, "input");
  });

  it("ends 'abort' at once when the signal is already aborted, writing nothing", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const seen = lines(output);
    const controller = new AbortController();
    controller.abort();
    const end = await bridgeStdio({
      url: `${host.url}/mcp`,
      input,
      output,
      signal: controller.signal,
    });
    assert.equal(end, "abort");
    assert.deepEqual(seen(), []);
  });

  it("ends 'remote' when the remote transport closes, answering requests still queued", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const seen = lines(output);
    // Stand-in for a remote that goes away while a request is in flight: nothing real closes
    // a transport on cue. Like the real transports, close() cancels what is in flight.
    let cancel: ((error: Error) => void) | undefined;
    const fake = {
      kind: "streamable-http" as const,
      onclose: undefined as (() => void) | undefined,
      start: async () => undefined,
      send: () =>
        new Promise<void>((_, reject) => {
          cancel = reject;
          fake.onclose?.();
        }),
      close: async () => cancel?.(new Error("the transport closed")),
    };
    const done = bridgeStdio({
      url: "http://127.0.0.1:9/mcp",
      input,
      output,
      createTransport: () => fake,
    });
    input.write(
      `${JSON.stringify(initialize)}\n${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" })}\n`,
    );
    assert.equal(await done, "remote");
    await waitFor(() => seen().find((m) => m.id === 2), {
      message: "answer to the queued request",
    });
    assert.equal(seen().find((m) => m.id === 2)?.error?.code, PROXY_SEND_FAILED);
  });

  it("rejects a URL that is not http(s) before reading any input", async () => {
    await assert.rejects(
      bridgeStdio({ url: "ftp://x/", input: new PassThrough(), output: () => undefined }),
    );
  });
});
