// Test helpers for the event-stream reader: real node:http servers on 127.0.0.1 port 0,
// and a recorder of everything a reader reports.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { McpSseError } from "../../src/errors.js";
import type {
  EventStreamReaderOptions,
  RequestContext,
  StreamStateChange,
} from "../../src/sse/reader-options.js";
import type { SseEvent } from "../../src/sse/types.js";
import { withTimeout } from "../helpers/wait-for.js";

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export interface TestServer {
  url: string;
  requests: SeenRequest[];
  /** Requests whose socket closed before the response ended (client aborted). */
  aborted: number;
  close(): Promise<void>;
}

/** `handler(req, res, n)`: n is the 0-based index of the request on this server. */
export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  n: number,
) => void | Promise<void>;

export async function startServer(handler: Handler): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const requests: SeenRequest[] = [];
  const state = { aborted: 0 };
  const server = createServer((req, res) => {
    const n = requests.length;
    let body = "";
    const seen: SeenRequest = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      body,
    };
    requests.push(seen);
    res.on("close", () => {
      if (!res.writableEnded) state.aborted += 1;
    });
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => {
      seen.body = body;
      Promise.resolve(handler(req, res, n)).catch((error: unknown) => {
        res.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    requests,
    get aborted() {
      return state.aborted;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export function sseHead(res: ServerResponse, extra: Record<string, string> = {}): void {
  res.writeHead(200, {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    ...extra,
  });
  res.flushHeaders();
}

/** Everything a reader reported, in order. */
export interface Recorder {
  events: SseEvent[];
  comments: string[];
  retries: number[];
  changes: StreamStateChange[];
  errors: McpSseError[];
  contexts: RequestContext[];
  opened: number;
  /** Options wiring every callback into this recorder. */
  callbacks: Pick<
    EventStreamReaderOptions,
    "onEvent" | "onComment" | "onRetry" | "onStateChange" | "onError" | "onOpen"
  >;
}

export function record(): Recorder {
  const r: Recorder = {
    events: [],
    comments: [],
    retries: [],
    changes: [],
    errors: [],
    contexts: [],
    opened: 0,
    callbacks: {
      onEvent: (e) => r.events.push(e),
      onComment: (c) => r.comments.push(c),
      onRetry: (ms) => r.retries.push(ms),
      onStateChange: (c) => r.changes.push(c),
      onError: (e) => r.errors.push(e),
      onOpen: () => {
        r.opened += 1;
      },
    },
  };
  return r;
}

/** Resolve `done` or fail after `timeoutMs` (a reader that never settles is a bug). */
export function settled(done: Promise<void>, timeoutMs = 10_000): Promise<void> {
  return withTimeout(done, timeoutMs, "reader.done settling");
}

export function states(r: Recorder): string[] {
  return r.changes.map((c) => c.state);
}
