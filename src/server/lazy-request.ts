/** What a lazy request's proxy stands in front of: how to build the `Request`, and it once built. */
class LazyRequestTarget {
  readonly #build: () => Request;
  #real: Request | undefined;

  constructor(build: () => Request) {
    this.#build = build;
  }

  get real(): Request {
    this.#real ??= this.#build();
    return this.#real;
  }
}

/** One handler for every lazy request (no closures per message). */
const lazyRequestHandler: ProxyHandler<LazyRequestTarget> = {
  get(target, property) {
    const request = target.real;
    const value: unknown = Reflect.get(request, property, request);
    return typeof value === "function" ? value.bind(request) : value;
  },
  has: (target, property) => property in target.real,
  getPrototypeOf: () => Request.prototype,
};

/**
 * A `Request` built on first use. The SDK stores `extra.request` in every handler's context
 * (`ctx.http.req`) but few tools read it: building it for every message was most of a
 * legacy POST's cost. It is a `Request` (`instanceof`, its getters and methods) once touched.
 */
export function lazyRequest(build: () => Request): Request {
  return new Proxy(new LazyRequestTarget(build), lazyRequestHandler) as unknown as Request;
}
