/**
 * Many legacy SSE sessions from one process, as cheaply as a client can hold them: a raw
 * `node:http` GET per session (its own socket), the endpoint event read with our parser,
 * `initialize` and `notifications/initialized` POSTed over a small keep-alive pool, then
 * quiet. What the idle-sessions bench measures is the server, not this client.
 * Not a bench module.
 */
import { Agent, type ClientRequest, request } from "node:http";
import { createParser } from "../src/sse/index.js";

export interface RawSession {
  close(): void;
}

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: {
    protocolVersion: "2024-11-05",
    capabilities: {},
    clientInfo: { name: "bench-idle", version: "1.0.0" },
  },
};
const INITIALIZED = { jsonrpc: "2.0", method: "notifications/initialized" };
const SESSION_TIMEOUT_MS = 30_000;

function post(agent: Agent, url: URL, body: unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "POST",
      agent,
      headers: { "content-type": "application/json" },
      timeout: SESSION_TIMEOUT_MS,
    });
    req.on("timeout", () => req.destroy(new Error(`POST ${url.pathname}: no answer`)));
    req.on("error", reject);
    req.on("response", (res) => {
      res.resume();
      res.on("end", () =>
        res.statusCode !== undefined && res.statusCode < 300
          ? resolve()
          : reject(new Error(`POST ${url.pathname}: HTTP ${res.statusCode}`)),
      );
    });
    req.end(JSON.stringify(body));
  });
}

/** One session through its handshake; resolves once `initialized` was accepted. */
export function openRawSession(origin: string, agent: Agent): Promise<RawSession> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | undefined;
    const fail = (error: Error) => {
      clearTimeout(timer);
      req?.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new Error("session: handshake timed out")),
      SESSION_TIMEOUT_MS,
    );
    let endpoint: URL | undefined;
    const parser = createParser({
      onEvent: (event) => {
        if (event.type === "endpoint" && endpoint === undefined) {
          endpoint = new URL(event.data, origin);
          post(agent, endpoint, INITIALIZE).catch(fail);
        } else if (
          event.type === "message" &&
          endpoint !== undefined &&
          event.data.includes('"id":1')
        ) {
          const url = endpoint;
          post(agent, url, INITIALIZED).then(() => {
            clearTimeout(timer);
            resolve({ close: () => req?.destroy() });
          }, fail);
        }
      },
    });
    req = request(new URL("/sse", origin), {
      agent: false,
      headers: { accept: "text/event-stream" },
    });
    req.on("error", fail);
    req.on("response", (res) => {
      if (res.statusCode !== 200) return fail(new Error(`GET /sse: HTTP ${res.statusCode}`));
      res.on("data", (chunk: Buffer) => parser.feed(chunk));
    });
    req.end();
  });
}

/** `count` sessions, `concurrency` handshakes at a time. */
export async function openRawSessions(
  origin: string,
  count: number,
  concurrency: number,
): Promise<RawSession[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const sessions: RawSession[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      sessions.push(await openRawSession(origin, agent));
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } catch (error) {
    for (const s of sessions) s.close();
    throw error;
  } finally {
    agent.destroy();
  }
  return sessions;
}
