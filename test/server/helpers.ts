import { McpServer } from "@modelcontextprotocol/server";
import { createParser } from "eventsource-parser";
import * as z from "zod";
import { withTimeout } from "../helpers/wait-for.js";

/** A real SDK v2 McpServer with two small tools, one per session. */
export function createTestServer(): McpServer {
  const server = new McpServer(
    { name: "test-server", version: "1.0.0" },
    { capabilities: { logging: {} } },
  );
  server.registerTool(
    "echo",
    { description: "Echo text back", inputSchema: z.object({ text: z.string() }) },
    async ({ text }) => ({ content: [{ type: "text", text }] }),
  );
  server.registerTool(
    "burst",
    {
      description: "Send `count` logging notifications, then answer",
      inputSchema: z.object({ count: z.number().int(), size: z.number().int().optional() }),
    },
    async ({ count, size }, ctx) => {
      const pad = "x".repeat(size ?? 0);
      for (let i = 0; i < count; i++) {
        await ctx.mcpReq.notify({
          method: "notifications/message",
          params: { level: "info", data: `n${i}${pad}` },
        });
      }
      return { content: [{ type: "text", text: `sent ${count}` }] };
    },
  );
  return server;
}

/** Adds an `announce` tool that sends `count` log messages unrelated to the call (standalone stream). */
export function createAnnouncingServer(): McpServer {
  const server = createTestServer();
  server.registerTool(
    "announce",
    {
      description: "Send unrelated log messages",
      inputSchema: z.object({ count: z.number().int() }),
    },
    async ({ count }) => {
      for (let i = 0; i < count; i++)
        await server.sendLoggingMessage({ level: "info", data: `a${i}` });
      return { content: [{ type: "text", text: `announced ${count}` }] };
    },
  );
  return server;
}

export interface SseMessage {
  id: string | undefined;
  event: string | undefined;
  data: string;
}

/** A raw SSE connection over fetch, parsed with eventsource-parser (independent of our parser). */
export interface RawSse {
  response: Response;
  events: SseMessage[];
  comments: string[];
  /** Resolves when the body ended (or was aborted). */
  ended: Promise<void>;
  waitFor(predicate: (events: SseMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  abort(): void;
}

export async function openSse(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawSse> {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: init.method ?? "GET",
    headers: { accept: "text/event-stream, application/json", ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : {}),
    signal: controller.signal,
  });
  const events: SseMessage[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  const parser = createParser({
    onEvent: (e) => {
      events.push({ id: e.id, event: e.event, data: e.data });
      notify();
    },
    onComment: (c) => {
      comments.push(c.trim());
      notify();
    },
  });
  let done = false;
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      const reader = response.body.getReader();
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch (error) {
      if (!controller.signal.aborted) comments.push(`stream error: ${(error as Error).message}`);
    } finally {
      done = true;
      notify();
    }
  })();
  return {
    response,
    events,
    comments,
    ended,
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (predicate(events)) {
            cleanup();
            resolve();
          } else if (done) {
            cleanup();
            reject(new Error(`stream ended before condition; got ${events.length} events`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms with ${events.length} events`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    abort: () => controller.abort(),
  };
}

export const INIT_PARAMS = {
  protocolVersion: "2025-11-25",
  capabilities: {},
  clientInfo: { name: "raw-test", version: "1.0.0" },
};

/** POST JSON and return the response (the caller reads or cancels the body). */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Read a body until `pattern` shows up; fails (never hangs) when it ends or `timeoutMs` pass first. */
export async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pattern: RegExp,
  timeoutMs = 5000,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  const read = async () => {
    while (!pattern.test(text)) {
      const next = await reader.read();
      if (next.done) throw new Error(`body ended before ${pattern}; got ${text}`);
      text += decoder.decode(next.value, { stream: true });
    }
    return text;
  };
  return withTimeout(read(), timeoutMs, `waiting for ${pattern}`);
}
