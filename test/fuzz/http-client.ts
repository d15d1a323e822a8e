/**
 * The raw HTTP side of the endpoint fuzzer: `send` (one request over node:http, full control
 * of method, headers and body bytes, bounded in time and in what it keeps of the body) and a
 * legacy SSE session kept open to POST `/messages` into.
 */
import { type Agent, type IncomingHttpHeaders, request } from "node:http";
import { createParser } from "../../src/sse/parser.js";
import { FuzzFinding } from "./harness.js";

/** Of a response body, only this much is kept (for the secret check and messages). */
const BODY_KEEP_CHARS = 256 * 1024;
/** Headers that frame the request: random values would make it another test (smuggling). */
const FRAMING = new Set([
  "content-length",
  "transfer-encoding",
  "connection",
  "host",
  "expect",
  "upgrade",
  "keep-alive",
  "te",
  "trailer",
]);

export interface SendOptions {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  timeoutMs: number;
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  request: { method: string; headers: Record<string, string> };
}

/** One request; rejects with a finding when no full answer comes within `timeoutMs`. */
export function send(port: number, agent: Agent | false, options: SendOptions): Promise<Reply> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers))
    if (!FRAMING.has(name.toLowerCase())) headers[name] = value;
  headers["content-length"] = String(options.body.byteLength);
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      agent,
      method: options.method,
      path: options.path,
      headers,
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(
        new FuzzFinding(
          `${options.method} ${options.path}: no full answer within ${options.timeoutMs} ms`,
        ),
      );
    }, options.timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      // The server may drop a connection (e.g. after a 413): that is an answer, not a crash.
      resolve({
        status: 0,
        headers: {},
        body: `connection error: ${error.message}`,
        request: { method: options.method, headers },
      });
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (text: string) => {
        if (body.length < BODY_KEEP_CHARS) body += text;
      });
      res.on("error", () => undefined);
      res.on("close", () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          request: { method: options.method, headers },
        });
      });
    });
    req.end(options.body);
  });
}

/** A legacy `GET /sse` session kept open (reopened when the server ends it). */
export class LegacySession {
  private path: Promise<string> | undefined;
  private text = "";
  private closed = false;
  private destroy: (() => void) | undefined;

  constructor(
    private readonly port: number,
    private readonly agent: Agent,
    private readonly authorization: string,
  ) {}

  /** `/messages?sessionId=…` of a live session. */
  messagesPath(): Promise<string> {
    this.path ??= this.open();
    return this.path;
  }

  /** What the stream carried since the last call. */
  takeStreamText(): string {
    const out = this.text;
    this.text = "";
    return out;
  }

  close(): void {
    this.closed = true;
    this.destroy?.();
  }

  private open(): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: "127.0.0.1",
        port: this.port,
        agent: this.agent,
        method: "GET",
        path: "/sse",
        headers: { accept: "text/event-stream", authorization: this.authorization },
      });
      this.destroy = () => req.destroy();
      const timer = setTimeout(() => {
        req.destroy();
        reject(new FuzzFinding("GET /sse sent no endpoint event within 5 s"));
      }, 5_000);
      const parser = createParser({
        onEvent: (event) => {
          if (event.type !== "endpoint") return;
          clearTimeout(timer);
          resolve(
            new URL(event.data, "http://127.0.0.1").pathname +
              new URL(event.data, "http://127.0.0.1").search,
          );
        },
      });
      req.on("error", (error) => {
        clearTimeout(timer);
        this.path = undefined;
        if (!this.closed) reject(new FuzzFinding(`GET /sse failed: ${error.message}`));
      });
      req.on("response", (res) => {
        if (res.statusCode !== 200) {
          clearTimeout(timer);
          reject(new FuzzFinding(`GET /sse answered ${res.statusCode}`));
        }
        res.on("data", (chunk: Buffer) => {
          if (this.text.length < BODY_KEEP_CHARS) this.text += chunk.toString("utf8");
          parser.feed(new Uint8Array(chunk));
        });
        res.on("error", () => undefined);
        // Ended (by the server, or an idle close): the next case opens a new session.
        res.on("close", () => {
          this.path = undefined;
        });
      });
      req.end();
    });
  }
}
