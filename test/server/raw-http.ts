import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";

/**
 * Send `text` as-is over a TCP socket (no client normalises it) and collect everything the
 * server writes until it closes the connection, bounded by `timeoutMs`.
 */
export function rawRequest(url: string, text: string, timeoutMs = 5000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within ${timeoutMs} ms; got ${Buffer.concat(chunks).toString()}`));
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined); // a reset after the answer still leaves the answer
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    socket.write(text, "latin1");
  });
}

/** The status code of a raw HTTP response, or 0 when none came. */
export function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0);
}

/**
 * Open a connection, send `head` plus `partial` body bytes, then leave (destroy) once the
 * bytes are written: a client that abandons its request mid-body.
 */
export function abandonMidBody(url: string, head: string, partial: string): Promise<void> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.on("error", () => undefined);
    socket.on("close", () => resolve());
    socket.write(head + partial, "latin1", () => {
      // One macrotask later: the bytes are on the wire before the FIN.
      setImmediate(() => socket.destroy());
    });
  });
}

export interface RawGet {
  socket: Socket;
  /** Everything received so far, head and body. */
  raw(): Buffer;
}

/** A raw `GET path` for an event stream, over HTTP/1.0 or 1.1, that stays open. */
export function rawGet(url: string, path: string, httpVersion: "1.0" | "1.1"): RawGet {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.on("error", () => undefined); // closed by the test
  socket.write(
    `GET ${path} HTTP/${httpVersion}\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`,
  );
  return { socket, raw: () => Buffer.concat(chunks) };
}

/** The body of a chunked message (strict: every size line and CRLF checked; sizes in bytes). */
export function dechunk(body: Buffer): { text: string; ended: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const eol = body.indexOf("\r\n", at);
    if (eol < 0) break; // a size line still arriving
    const sizeLine = body.subarray(at, eol).toString("latin1");
    assert.match(sizeLine, /^[0-9a-f]+$/, `a hex chunk size at byte ${at}`);
    const size = Number.parseInt(sizeLine, 16);
    if (size === 0) {
      assert.equal(body.subarray(eol).toString("latin1"), "\r\n\r\n", "the last chunk ends it");
      return { text: Buffer.concat(parts).toString("utf8"), ended: true };
    }
    const data = eol + 2;
    if (body.length < data + size + 2) break; // a chunk still arriving
    parts.push(body.subarray(data, data + size));
    assert.equal(body.subarray(data + size, data + size + 2).toString("latin1"), "\r\n");
    at = data + size + 2;
  }
  return { text: Buffer.concat(parts).toString("utf8"), ended: false };
}

/** The body of a raw answer (after the head). */
export const bodyOf = (raw: Buffer): Buffer => raw.subarray(raw.indexOf("\r\n\r\n") + 4);
