import { Counter, Gauge, Registry } from "prom-client";
import type { SessionTransportKind } from "./backends/types.js";

/** Prometheus metrics of one handler, in its own `Registry` (two handlers never collide). */
export interface ServerMetrics {
  registry: Registry;
  sessions: Gauge<"transport">;
  messagesIn: Counter<"transport">;
  messagesOut: Counter<"transport">;
  errors: Counter<"code">;
  streamReconnects: Counter<"transport">;
  replayedEvents: Counter<"transport">;
  replayGaps: Counter<"transport">;
  queueDrops: Counter<"reason">;
  slowClientDisconnects: Counter<"transport">;
  clientDisconnects: Counter;
}

export function createServerMetrics(): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
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
    }),
    messagesOut: new Counter({
      name: "mcp_sse_messages_out_total",
      help: "JSON-RPC messages sent to clients (logged for replay)",
      labelNames: ["transport"],
      registers,
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
