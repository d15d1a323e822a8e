import { Counter, Gauge, Registry } from "prom-client";
import type { SessionTransportKind } from "./backends/types.js";

/** The `transport` label of the message counters (`stateless`: a POST without a session). */
export type MessageTransport = SessionTransportKind | "stateless";

/**
 * The per-message path's counts: plain numbers, folded into `messagesIn` / `messagesOut` when
 * those are read (a scrape, `counter.get()`). A prom-client `inc` hashes its labels on every
 * call, which was the largest part of counting a message.
 */
export interface MessageCounts {
  in(transport: MessageTransport): void;
  out(transport: MessageTransport): void;
  /** `n` events evicted from a bounded event log (folded into `queueDrops`, `event_log_full`). */
  evicted(n: number): void;
}

/** Prometheus metrics of one handler, in its own `Registry` (two handlers never collide). */
export interface ServerMetrics {
  registry: Registry;
  sessions: Gauge<"transport">;
  /** JSON-RPC messages received; counted through `count.in`, folded in when read. */
  messagesIn: Counter<"transport">;
  /** JSON-RPC messages sent (logged for replay); counted through `count.out`, folded in when read. */
  messagesOut: Counter<"transport">;
  /** Where the per-message path counts (cheaper than `messagesIn.inc` / `messagesOut.inc`). */
  count: MessageCounts;
  errors: Counter<"code">;
  streamReconnects: Counter<"transport">;
  replayedEvents: Counter<"transport">;
  replayGaps: Counter<"transport">;
  queueDrops: Counter<"reason">;
  slowClientDisconnects: Counter<"transport">;
  clientDisconnects: Counter;
}

/** Counts per transport, not yet added to their counter. */
function pendingCounts(): Record<MessageTransport, number> {
  return { sse: 0, streamable: 0, stateless: 0 };
}

/** `collect` hook of a tallied counter: adds what was counted since the last read. */
function folder(pending: Record<MessageTransport, number>) {
  return function collect(this: Counter<"transport">): void {
    for (const transport of Object.keys(pending) as MessageTransport[]) {
      const n = pending[transport];
      if (n === 0) continue;
      pending[transport] = 0;
      this.inc({ transport }, n);
    }
  };
}

export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const pendingIn = pendingCounts();
  const pendingOut = pendingCounts();
  // Once a session's log is full, every message it sends evicts one: counted like a message.
  let pendingEvicted = 0;
  return {
    registry,
    count: {
      in: (transport) => {
        pendingIn[transport]++;
      },
      out: (transport) => {
        pendingOut[transport]++;
      },
      evicted: (n) => {
        pendingEvicted += n;
      },
    },
    sessions: new Gauge({
      name: "mcp_sse_sessions",
      help: "Open MCP sessions by transport",
      labelNames: ["transport"],
      registers,
    }),
    messagesIn: new Counter({
      name: "mcp_sse_messages_in_total",
      help: "JSON-RPC messages received from clients",
      labelNames: ["transport"],
      registers,
      collect: folder(pendingIn),
    }),
    messagesOut: new Counter({
      name: "mcp_sse_messages_out_total",
      help: "JSON-RPC messages sent to clients (logged for replay)",
      labelNames: ["transport"],
      registers,
      collect: folder(pendingOut),
    }),
    errors: new Counter({
      name: "mcp_sse_errors_total",
      help: "Requests answered with an error, by stable code",
      labelNames: ["code"],
      registers,
    }),
    streamReconnects: new Counter({
      name: "mcp_sse_stream_reconnects_total",
      help: "SSE streams resumed with Last-Event-ID",
      labelNames: ["transport"],
      registers,
    }),
    replayedEvents: new Counter({
      name: "mcp_sse_replayed_events_total",
      help: "Events re-sent from the event log on resumption",
      labelNames: ["transport"],
      registers,
    }),
    replayGaps: new Counter({
      name: "mcp_sse_replay_gaps_total",
      help: "Resumptions whose Last-Event-ID was older than the event log holds",
      labelNames: ["transport"],
      registers,
    }),
    queueDrops: new Counter({
      name: "mcp_sse_queue_drops_total",
      help: "Events dropped: evicted from a bounded event log",
      labelNames: ["reason"],
      registers,
      collect(this: Counter<"reason">): void {
        if (pendingEvicted === 0) return;
        this.inc({ reason: "event_log_full" }, pendingEvicted);
        pendingEvicted = 0;
      },
    }),
    slowClientDisconnects: new Counter({
      name: "mcp_sse_slow_client_disconnects_total",
      help: "SSE clients disconnected because they did not drain their bounded buffer",
      labelNames: ["transport"],
      registers,
    }),
    clientDisconnects: new Counter({
      name: "mcp_sse_client_disconnects_total",
      help: "Requests the client abandoned before the server answered (e.g. left mid-body)",
      registers,
    }),
  };
}

export function transportLabel(kind: SessionTransportKind): { transport: SessionTransportKind } {
  return { transport: kind };
}
