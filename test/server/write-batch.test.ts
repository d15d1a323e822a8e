import assert from "node:assert/strict";
import { createServer, get, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { batchWrites } from "../../src/server/write-batch.js";
import { waitFor } from "../helpers/wait-for.js";

/** A server whose one answer is written by `answer`; resolves with its origin and closer. */
async function serveOnce(answer: (res: ServerResponse) => void) {
  const server = createServer((_req, res) => answer(res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function open(url: string): Promise<{ res: IncomingMessage; text: () => string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      resolve({ res, text: () => body });
    }).on("error", reject);
  });
}

const SSE_HEAD = { "content-type": "text/event-stream" };

test("batched writes reach the client whole and in order, ended or not", async () => {
  let later: ServerResponse | undefined;
  const server = await serveOnce((res) => {
    res.writeHead(200, SSE_HEAD);
    batchWrites(res);
    res.flushHeaders();
    for (const n of [1, 2, 3]) {
      batchWrites(res);
      res.write(`data: ${n}\n\n`);
    }
    later = res;
  });
  try {
    const { res, text } = await open(server.url);
    assert.equal(res.statusCode, 200);
    await waitFor(() => text() === "data: 1\n\ndata: 2\n\ndata: 3\n\n", {
      message: () => `got ${JSON.stringify(text())}`,
    });
    // A later turn's write, then the end, follow in order.
    batchWrites(later as ServerResponse);
    later?.write("data: 4\n\n");
    later?.end();
    await new Promise((resolve) => res.once("end", resolve));
    assert.equal(text(), "data: 1\n\ndata: 2\n\ndata: 3\n\ndata: 4\n\n");
  } finally {
    await server.close();
  }
});

test("a batch is flushed while a test fakes timers (setImmediate mocked)", async (t) => {
  t.mock.timers.enable({ apis: ["setImmediate", "setTimeout", "setInterval"] });
  const server = await serveOnce((res) => {
    res.writeHead(200, SSE_HEAD);
    batchWrites(res);
    res.flushHeaders(); // an SSE answer with no event yet: its head must still leave
  });
  try {
    const { res } = await open(server.url);
    assert.equal(res.headers["content-type"], "text/event-stream");
    res.destroy();
  } finally {
    t.mock.timers.reset();
    await server.close();
  }
});
