/**
 * A `node:http` request head as the adapter's fast POST paths read it (legacy-fast.ts,
 * streamable-fast.ts): plain header values, no web `Request` unless something asks for one.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { CREDENTIAL_HEADERS } from "./context.js";
import type { StreamableFastHead } from "./streamable-fast.js";

/** Request headers as `node:http` gives them (lower-case names). */
export type NodeHeaders = Record<string, string | string[] | undefined>;

/** The first value of a header (node gives `set-cookie` and a few others as arrays). */
export function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Headers as one string each (for the rejection log, which redacts the secret ones). */
export function flatHeaders(headers: NodeHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/**
 * What the full path hands the MCP server as `ctx.http.req` (`forwardedRequest`): URL,
 * method and headers minus credentials, no body. `signal` aborts when the client leaves
 * before its answer is complete; without one it never aborts.
 */
export function forwardedNodeRequest(
  host: string,
  target: string,
  headers: NodeHeaders,
  signal?: AbortSignal,
): Request {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || CREDENTIAL_HEADERS.includes(name)) continue;
    if (Array.isArray(value)) for (const v of value) out.append(name, v);
    else out.set(name, value);
  }
  // A string join, never `new URL(target, base)`: that would read `//evil/path` as a host.
  return new Request(`http://${host}${target}`, {
    method: "POST",
    headers: out,
    ...(signal === undefined ? {} : { signal }),
  });
}

/** A POST's head for the fast paths; the client's signal is made only if a tool asks. */
export class NodePostHead implements StreamableFastHead {
  readonly target: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly #res: ServerResponse;
  #abort: AbortController | undefined;

  constructor(target: string, headers: IncomingMessage["headers"], res: ServerResponse) {
    this.target = target;
    this.path = target.split("?")[0] ?? "/";
    this.headers = headers;
    this.#res = res;
  }

  /** Aborts when the client leaves before its answer is complete, as the full path's signal. */
  clientSignal(): AbortSignal {
    if (this.#abort === undefined) {
      const abort = new AbortController();
      const res = this.#res;
      const onClose = () => {
        if (!res.writableFinished) abort.abort();
      };
      if (res.destroyed) onClose();
      else res.once("close", onClose);
      this.#abort = abort;
    }
    return this.#abort.signal;
  }
}
