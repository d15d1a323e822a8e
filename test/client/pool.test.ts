import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { connectMcps, type McpsManager } from "../../src/client/index.js";
import { createSharedPool, type DnsLookup } from "../../src/client/pool.js";
import {
  DEFAULT_DNS_CACHE_TTL_S,
  DEFAULT_POOL_CONNECTIONS,
  DEFAULT_POOL_CONNECTIONS_PER_HOST,
} from "../../src/config/defaults.js";
import { loadConfig, parseConfig } from "../../src/config/index.js";
import type { ServerConfig } from "../../src/config/types.js";
import { createMcpHttpHandler, toNodeListener } from "../../src/server/index.js";
import { waitFor } from "../helpers/wait-for.js";

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function serverConfig(name: string, url: string): Promise<ServerConfig> {
  const config = await loadConfig({ mcps: [{ name, transport: "sse", url }] });
  const server = config.servers[0];
  assert.ok(server);
  return server;
}

describe("config: the top-level pool", () => {
  it("has its documented defaults, and takes the file's values (seconds → ms)", async () => {
    const plain = await parseConfig("mcps: []\n");
    assert.deepEqual(plain.pool, {
      connections: DEFAULT_POOL_CONNECTIONS,
      connectionsPerHost: DEFAULT_POOL_CONNECTIONS_PER_HOST,
      dnsCacheTtlMs: DEFAULT_DNS_CACHE_TTL_S * 1000,
    });
    const set = await parseConfig(
      "pool: { connections: 10, connections_per_host: 2, dns_cache_ttl: 30 }\nmcps: []\n",
    );
    assert.deepEqual(set.pool, { connections: 10, connectionsPerHost: 2, dnsCacheTtlMs: 30_000 });
  });

  it("refuses a per-host limit above the total, a zero total and unknown keys, naming each path", async () => {
    await assert.rejects(
      parseConfig("pool: { connections: 2, connections_per_host: 3, dns_ttl: 1 }\nmcps: []\n"),
      (error: { code?: string; message?: string }) =>
        error.code === "CONFIG_INVALID" &&
        /pool\.connections_per_host: must be at most pool\.connections \(2\)/.test(
          error.message ?? "",
        ) &&
        /pool\.dns_ttl/.test(error.message ?? ""),
    );
    await assert.rejects(
      parseConfig("pool: { connections: 0 }\nmcps: []\n"),
      /pool\.connections: must be >= 1/,
    );
  });

  it("a hand-made McpsConfig's pool is validated again under its own names", async () => {
    await assert.rejects(
      loadConfig({
        servers: [],
        toolSeparator: "__",
        pool: { connections: 1, connectionsPerHost: 5, dnsCacheTtlMs: 0 },
      }),
      /pool\.connectionsPerHost: must be at most/,
    );
  });
});

describe("shared pool: the limits hold across servers", () => {
  const servers: Server[] = [];
  after(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  });

  it("connections: 3 and connections_per_host: 2 over two origins: 3 in flight, 2 per origin, the rest waits", async () => {
    const held: ServerResponse[] = [];
    let hold = true;
    let active = 0;
    let maxActive = 0;
    const perOrigin = new Map<string, { active: number; max: number }>();
    const origins: string[] = [];
    for (let i = 0; i < 2; i++) {
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const mine = perOrigin.get(String(i)) ?? { active: 0, max: 0 };
        perOrigin.set(String(i), mine);
        active += 1;
        mine.active += 1;
        maxActive = Math.max(maxActive, active);
        mine.max = Math.max(mine.max, mine.active);
        res.on("finish", () => {
          active -= 1;
          mine.active -= 1;
        });
        req.resume();
        req.on("end", () => (hold ? held.push(res) : res.end("ok")));
      });
      servers.push(server);
      origins.push(await listen(server));
    }
    const pool = createSharedPool({ connections: 3, connectionsPerHost: 2, dnsCacheTtlMs: 0 });
    try {
      const fetches = await Promise.all(
        origins.map(async (o, i) => pool.fetchFor(await serverConfig(`s${i}`, `${o}/sse`))),
      );
      const requests = fetches.flatMap((f, i) =>
        Array.from({ length: 6 }, () =>
          f(`${origins[i]}/x`, { method: "POST", body: "{}" }).then((r) => r.text()),
        ),
      );
      await waitFor(() => held.length === 3 && pool.stats().queued === 9, {
        message: "3 requests at the servers, 9 waiting",
      });
      assert.equal(active, 3);
      assert.deepEqual(
        [...perOrigin.values()].map((o) => o.active).sort(),
        [1, 2],
        "two to one origin (its per-host limit), one to the other (the total)",
      );
      hold = false;
      for (const res of held.splice(0)) res.end("ok");
      assert.deepEqual(await Promise.all(requests), Array(12).fill("ok"));
      assert.equal(maxActive, 3);
      for (const o of perOrigin.values()) assert.ok(o.max <= 2, `per origin: ${o.max}`);
      assert.deepEqual(pool.stats(), { active: 0, queued: 0 });
    } finally {
      await pool.close(0);
    }
  });

  it("a GET (event stream) is not counted: with connections: 1 a held stream leaves room for POSTs", async () => {
    const streams: ServerResponse[] = [];
    const server = createServer((req, res) => {
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.write(": open\n\n");
        streams.push(res);
        return;
      }
      req.resume();
      req.on("end", () => res.end("posted"));
    });
    servers.push(server);
    const origin = await listen(server);
    const pool = createSharedPool({ connections: 1, connectionsPerHost: 1, dnsCacheTtlMs: 0 });
    try {
      const fetch = pool.fetchFor(await serverConfig("s", `${origin}/sse`));
      const stream = await fetch(`${origin}/sse`, { method: "GET" });
      const second = await fetch(`${origin}/sse`, { method: "GET" });
      assert.equal(streams.length, 2);
      const posts = await Promise.all(
        Array.from({ length: 4 }, () =>
          fetch(`${origin}/m`, { method: "POST", body: "{}" }).then((r) => r.text()),
        ),
      );
      assert.deepEqual(posts, Array(4).fill("posted"));
      await stream.body?.cancel();
      await second.body?.cancel();
    } finally {
      for (const res of streams) res.destroy();
      await pool.close(0);
    }
  });

  it("dns_cache_ttl: a host name is resolved once for many requests; 0 turns the cache off", async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    servers.push(server);
    const port = new URL(await listen(server)).port;
    const { lookup: nodeLookup } = await import("node:dns");
    let lookups = 0;
    // undici's resolver hook: (origin, options, callback) → addresses; backed by the real one.
    const lookup = ((origin: URL, _options: unknown, callback: (...args: unknown[]) => void) => {
      lookups += 1;
      nodeLookup(origin.hostname, { all: true, family: 4 }, callback);
    }) as unknown as DnsLookup;
    const url = `http://localhost:${port}/x`;
    const cached = createSharedPool(
      { connections: 4, connectionsPerHost: 0, dnsCacheTtlMs: 60_000 },
      { lookup },
    );
    try {
      const fetch = cached.fetchFor(await serverConfig("s", url));
      for (let i = 0; i < 5; i++)
        assert.equal(await (await fetch(url, { method: "POST", body: "{}" })).text(), "ok");
      assert.equal(lookups, 1, "five requests, one lookup");
    } finally {
      await cached.close(0);
    }
    const uncached = createSharedPool(
      { connections: 4, connectionsPerHost: 0, dnsCacheTtlMs: 0 },
      { lookup },
    );
    try {
      const fetch = uncached.fetchFor(await serverConfig("s", url));
      assert.equal(await (await fetch(url, { method: "POST", body: "{}" })).text(), "ok");
      assert.equal(lookups, 1, "no cache: undici's DNS interceptor is not installed");
    } finally {
      await uncached.close(0);
    }
  });
});

describe("connectMcps with pool: { connections: 1, connections_per_host: 1 }", () => {
  let http: Server;
  let handler: ReturnType<typeof createMcpHttpHandler>;
  let mcps: McpsManager;
  let postsInFlight = 0;
  let maxPostsInFlight = 0;
  let streamsOpen = 0;

  before(async () => {
    handler = createMcpHttpHandler({
      createServer: () => {
        const server = new McpServer({ name: "pooled", version: "1.0.0" }, {});
        server.registerTool(
          "echo",
          { description: "echo", inputSchema: z.object({ text: z.string() }) },
          async ({ text }) => ({ content: [{ type: "text", text }] }),
        );
        return server;
      },
    });
    const listener = toNodeListener(handler);
    http = createServer((req, res) => {
      if (req.method === "POST") {
        postsInFlight += 1;
        maxPostsInFlight = Math.max(maxPostsInFlight, postsInFlight);
        res.on("close", () => (postsInFlight -= 1));
      } else if (req.method === "GET") {
        streamsOpen += 1;
        res.on("close", () => (streamsOpen -= 1));
      }
      listener(req, res);
    });
    const origin = await listen(http);
    mcps = await connectMcps({
      pool: { connections: 1, connections_per_host: 1 },
      mcps: [
        { name: "legacy", transport: "sse", url: `${origin}/sse`, timeout: 10 },
        { name: "modern", transport: "streamable-http", url: `${origin}/mcp`, timeout: 10 },
      ],
    });
  });
  after(async () => {
    await mcps?.close();
    await handler?.close();
    http?.closeAllConnections();
    await new Promise<void>((resolve) => http?.close(() => resolve()));
  });

  it("both servers' event streams stay open and 16 concurrent calls all complete, one POST at a time", async () => {
    await waitFor(() => streamsOpen >= 2, { message: "the legacy and standalone streams open" });
    const texts = Array.from({ length: 16 }, (_, i) => `t${i}`);
    const results = await Promise.all(
      texts.map((text, i) => mcps.call(i % 2 === 0 ? "legacy" : "modern", "echo", { text })),
    );
    assert.deepEqual(
      results.map((r) => (r.content as Array<{ text: string }>)[0]?.text),
      texts,
    );
    assert.equal(maxPostsInFlight, 1, "the total limit holds across both servers");
    assert.ok(streamsOpen >= 2, "the streams were never closed to make room");
  });
});
