/**
 * The manager's one HTTP pool (`pool:` in the config, see `pool.ts`), opened at the first
 * request and imported lazily (undici is Node only; the root `mcp-sse` import stays
 * runtime-agnostic). Every HTTP transport and event feed of the manager fetches through it;
 * the manager closes it after its connections.
 */
import { poolOf } from "../config/normalize.js";
import type { McpsConfig, ServerConfig } from "../config/types.js";
import { dispatchThrough, takingRequestAbort, withDispatch } from "./dispatch-mark.js";
import type { SharedPool } from "./pool.js";
import { notConnected } from "./transports/errors.js";

export interface ManagerPool {
  fetchFor(server: ServerConfig): typeof globalThis.fetch;
  close(): Promise<void>;
}

export function managerPool(config: McpsConfig): ManagerPool {
  const settings = config.pool ?? poolOf(undefined);
  let pool: Promise<SharedPool> | undefined;
  let closing: Promise<void> | undefined;
  const open = () => {
    pool ??= import("./pool.js").then((m) => m.createSharedPool(settings));
    return pool;
  };
  return {
    fetchFor(server) {
      let bound: typeof globalThis.fetch | undefined;
      const boundFetch = async () => {
        if (closing !== undefined) throw notConnected(server.name, true);
        bound ??= (await open()).fetchFor(server);
        return bound;
      };
      const fetch: typeof globalThis.fetch = async (input, init) =>
        (await boundFetch())(input, init);
      // POSTs over `request()` (dispatch-request.ts), on the same shared dispatcher.
      return withDispatch(
        fetch,
        takingRequestAbort(async (url, init) => dispatchThrough(await boundFetch(), url, init)),
      );
    },
    close() {
      closing ??= pool === undefined ? Promise.resolve() : pool.then((p) => p.close());
      return closing;
    },
  };
}
