import { connect } from "node:net";

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
