/**
 * An undici interceptor that bounds the requests in flight: at most `total` over every origin
 * it sees, and at most `perHost` to any one origin (0: no per-origin bound). GET requests —
 * the long-lived event streams — pass uncounted (see `pool.ts`). A request over
 * either bound waits in arrival order and is dispatched as soon as one ends (its response
 * ended or failed). Shared by every dispatcher of a manager's pool, so the total holds across
 * servers, TLS settings and the Agents behind them.
 *
 * Why requests and not sockets: undici opens a connection per request in flight (HTTP/1.1,
 * no pipelining) and keeps it for the next one, so bounding requests bounds busy connections;
 * undici has no total-across-origins limit of its own (`Agent({ connections })` is per origin).
 */
import type { Dispatcher } from "undici";

type Handler = Dispatcher.DispatchHandler;
type Dispatch = Dispatcher["dispatch"];

export interface RequestLimiter {
  interceptor: Dispatcher.DispatcherComposeInterceptor;
  /** Requests in flight now, and waiting (for tests and metrics). */
  stats(): { active: number; queued: number };
}

function originKey(origin: Dispatcher.DispatchOptions["origin"]): string {
  return typeof origin === "string" ? origin : (origin?.origin ?? "");
}

/**
 * `handler` with `release` called once, when the request stops holding its connection. One
 * object per request (methods on the prototype): it is on every POST's path.
 */
class Releasing implements Handler {
  private released = false;

  constructor(
    private readonly handler: Handler,
    private readonly onRelease: (origin: string) => void,
    private readonly origin: string,
  ) {}

  release(): void {
    if (this.released) return;
    this.released = true;
    this.onRelease(this.origin);
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    this.handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: Parameters<NonNullable<Handler["onRequestUpgrade"]>>[2],
    socket: Parameters<NonNullable<Handler["onRequestUpgrade"]>>[3],
  ): void {
    this.release();
    this.handler.onRequestUpgrade?.(controller, status, headers, socket);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: Parameters<NonNullable<Handler["onResponseStart"]>>[2],
    message?: string,
  ): void {
    this.handler.onResponseStart?.(controller, status, headers, message);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(
    controller: Dispatcher.DispatchController,
    trailers: Parameters<NonNullable<Handler["onResponseEnd"]>>[1],
  ): void {
    this.release();
    this.handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Dispatcher.DispatchController, error: Error): void {
    this.release();
    this.handler.onResponseError?.(controller, error);
  }
}

export function createRequestLimiter(total: number, perHost: number): RequestLimiter {
  let active = 0;
  const perOrigin = new Map<string, number>();
  const queue: Array<{ origin: string; start: () => void }> = [];

  const fits = (origin: string) =>
    active < total && (perHost <= 0 || (perOrigin.get(origin) ?? 0) < perHost);

  const release = (origin: string) => {
    active -= 1;
    const left = (perOrigin.get(origin) ?? 1) - 1;
    if (left === 0) perOrigin.delete(origin);
    else perOrigin.set(origin, left);
    // First in line whose origin has room (a full origin does not block the others).
    for (let i = 0; i < queue.length && active < total; ) {
      const item = queue[i];
      if (item !== undefined && fits(item.origin)) {
        queue.splice(i, 1);
        item.start();
      } else i += 1;
    }
  };

  const start = (
    dispatch: Dispatch,
    opts: Dispatcher.DispatchOptions,
    handler: Handler,
    origin: string,
  ): boolean => {
    active += 1;
    perOrigin.set(origin, (perOrigin.get(origin) ?? 0) + 1);
    const releasing = new Releasing(handler, release, origin);
    try {
      return dispatch(opts, releasing);
    } catch (error) {
      releasing.release();
      handler.onResponseError?.(null as never, error as Error);
      return false;
    }
  };

  const interceptor = (dispatch: Dispatch): Dispatch =>
    function limitRequests(opts, handler) {
      if (opts.method === "GET") return dispatch(opts, handler);
      const origin = originKey(opts.origin);
      // Whatever waits does not fit (a release starts every waiting request that does), so a
      // request that fits now jumps no one: it is to an origin with room, under the total.
      if (fits(origin)) return start(dispatch, opts, handler as Handler, origin);
      queue.push({ origin, start: () => start(dispatch, opts, handler as Handler, origin) });
      return true;
    };

  return { interceptor, stats: () => ({ active, queued: queue.length }) };
}
