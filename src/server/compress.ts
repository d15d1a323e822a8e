/**
 * gzip for the host's JSON answers (feed RPC results, stateless `/mcp` answers, errors,
 * `/healthz`) when the client's `Accept-Encoding` allows it — the guide's compression, on the
 * server side. Never for event streams: an SSE frame must reach the client when it is written,
 * and a compressor holds bytes back until its block fills (only `application/json` is touched).
 *
 * Done in the `node:http` adapter (`node.ts`), which reads every answer's body anyway: no
 * second `Response`, no extra copy for the answers it does not touch.
 */
import { gzipSync } from "node:zlib";
import { mediaType } from "./http.js";

/** Whether `Accept-Encoding` admits gzip (`gzip` or `*`, with a q-value other than 0). */
export function acceptsGzip(header: string | undefined | null): boolean {
  if (header === undefined || header === null) return false;
  for (const part of header.split(",")) {
    const [coding = "", ...params] = part.split(";").map((s) => s.trim().toLowerCase());
    if (coding !== "gzip" && coding !== "x-gzip" && coding !== "*") continue;
    const q = params.find((p) => p.startsWith("q="));
    if (q === undefined || Number(q.slice(2)) > 0) return true;
  }
  return false;
}

/** Whether `response` is a JSON answer the client may get gzipped (its body not read yet). */
export function mayGzip(
  acceptEncoding: string | undefined,
  response: Response,
  minBytes: number,
): boolean {
  return (
    minBytes > 0 &&
    response.body !== null &&
    !response.headers.has("content-encoding") &&
    mediaType(response.headers.get("content-type")) === "application/json" &&
    acceptsGzip(acceptEncoding)
  );
}

/**
 * The whole body of a JSON answer, gzipped when it is at least `minBytes` (then
 * `content-encoding`, `vary` and no `content-length` in `headers`); as it is otherwise.
 */
export async function gzipJsonBody(
  response: Response,
  headers: Record<string, string | string[]>,
  minBytes: number,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength < minBytes) return bytes;
  headers["content-encoding"] = "gzip";
  headers["vary"] = headers["vary"] ? `${headers["vary"]}, accept-encoding` : "accept-encoding";
  delete headers["content-length"];
  return gzipSync(bytes);
}
