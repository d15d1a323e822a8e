import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeAnswer, rpcUrlOf } from "../../src/client/feed/rpc.js";
import { connectMcps } from "../../src/client/index.js";
import { listen, serverConfig } from "./transports/helpers.js";

describe("feed RPC: the URL and both answer styles", () => {
  it("rpc_url, else …/rpc beside a url ending in /sse (query kept), else none", () => {
    const of = (url: string, rpcUrl?: string) =>
      rpcUrlOf(serverConfig({ url, ...(rpcUrl === undefined ? {} : { rpcUrl }) }));
    assert.equal(of("http://h:1/mcp/sse"), "http://h:1/mcp/rpc");
    assert.equal(of("http://h/mcp/sse/"), "http://h/mcp/rpc/");
    assert.equal(of("https://h/a/sse?tenant=x"), "https://h/a/rpc?tenant=x");
    assert.equal(of("http://h/events"), undefined);
    assert.equal(of("http://h/ssex"), undefined);
    assert.equal(of("http://h/events", "http://other/rpc"), "http://other/rpc");
  });

  it("decodes plain and JSON-RPC answers", () => {
    assert.deepEqual(decodeAnswer({ tools: [] }), { result: { tools: [] } });
    assert.deepEqual(decodeAnswer({ error: "Method not found" }), {
      error: { message: "Method not found" },
    });
    assert.deepEqual(decodeAnswer({ jsonrpc: "2.0", id: 1, result: { content: [] } }), {
      result: { content: [] },
    });
    assert.deepEqual(
      decodeAnswer({ jsonrpc: "2.0", id: 1, error: { code: -32601, message: "nope" } }),
      { error: { message: "nope", code: -32601 } },
    );
    assert.deepEqual(decodeAnswer({ jsonrpc: "2.0", id: 1, result: null }), { result: null });
    assert.equal(decodeAnswer([1, 2]), undefined);
    assert.equal(decodeAnswer("text"), undefined);
  });

  it("an RPC URL that answers something else: the feed fails with CLIENT_RPC_INVALID, naming the server", async () => {
    const http = await listen((req, res) => {
      if (req.method === "GET") {
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        res.write('data: {"event":"data_update"}\n\n');
        return;
      }
      res.writeHead(200, { "Content-Type": "text/html" }).end("<html>login page</html>");
    });
    try {
      const mcps = await connectMcps({
        mcps: [{ name: "odd", url: `${http.origin}/mcp/sse`, kind: "feed", timeout: 5 }],
      });
      try {
        const [status] = mcps.servers();
        assert.equal(status?.state, "failed");
        assert.equal(status?.error?.code, "CLIENT_RPC_INVALID");
        assert.match(status?.error?.message ?? "", /server "odd".*tools\/list.*not JSON/);
      } finally {
        await mcps.close();
      }
    } finally {
      await http.close();
    }
  });
});
