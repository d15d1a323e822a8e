/**
 * What the readers and the client transports read of an HTTP answer. A web `Response`
 * satisfies it, and so does the client's lighter answer for POSTs made without `fetch`
 * (src/client/dispatch-request.ts): code that takes an `HttpResponse` works with both.
 */
export interface HttpResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  /** `"opaqueredirect"` only from a `fetch` with `redirect: "manual"`. */
  readonly type: ResponseType;
  readonly headers: { get(name: string): string | null };
  /** Null for a status without a body (204, 205, 304). */
  readonly body: ReadableStream<Uint8Array> | null;
  text(): Promise<string>;
}

/** A `fetch`-shaped function whose answer is an `HttpResponse` (`fetch` itself is one). */
export type HttpFetch = (url: string, init: RequestInit) => Promise<HttpResponse>;
