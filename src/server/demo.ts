import { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { Logger } from "../logger.js";
import { silentLogger } from "../logger.js";
import { VERSION } from "../version.js";

/**
 * The demo MCP server behind `mcp-sse serve --demo` and `mcp-sse demo`: the seed's two tools
 * (`realtime_monitor`, `weather_monitor`) and a live `data_update` event for every session.
 *
 * Events travel as a STANDARD MCP logging notification, so any SDK client receives them:
 * `notifications/message` with `{ level: "info", logger: "data_update", data: { timestamp,
 * event: "data_update", payload: { value, ... } } }` (the guide's event shape). The mcp-sse client maps a logging notification
 * whose `data.event` is a string to an event of that type.
 */

/** Default: one `data_update` per session per second, like the seed's event generator. */
export const DEFAULT_DATA_UPDATE_INTERVAL_MS = 1000;
/** Name the demo server announces in `initialize`. */
export const DEMO_SERVER_NAME = "mcp-sse-demo";
/** The `logger` field of every demo event notification (and its `data.event`). */
export const DATA_UPDATE_EVENT = "data_update";

export interface DemoServerOptions {
  /**
   * Milliseconds between two `data_update` events of one session.
   * @default DEFAULT_DATA_UPDATE_INTERVAL_MS (1000). `0` disables the live events.
   */
  intervalMs?: number;
  /** Source of the event `value` (tests pass their own). @default Math.random() * 100, 2 decimals */
  nextValue?: () => number;
  /** Clock for the event `timestamp` (unix ms). @default Date.now */
  now?: () => number;
  /** Where failures to deliver an event are reported. @default silentLogger */
  logger?: Logger;
}

/**
 * One demo `data_update`, in the guide's shape: `{ timestamp, event, payload }`. It is the
 * `data` of a demo logging notification and, with `serve --demo`, an event of the feed.
 */
export interface DataUpdateEvent {
  event: typeof DATA_UPDATE_EVENT;
  /** ISO 8601 time the event was made. */
  timestamp: string;
  payload: DataUpdatePayload;
}

export interface DataUpdatePayload {
  value: number;
  /** Sequence number within the session (or the feed), from 1. */
  seq: number;
  /** The stream most recently passed to `realtime_monitor`, once there is one. */
  stream_id?: string;
  /** The location most recently passed to `weather_monitor`, once there is one. */
  location?: string;
  /** Everything this session monitors, in the order it was asked for. */
  monitoring: { stream_ids: string[]; locations: string[] };
}

/** The per-session state: what it monitors, and the count of events sent. */
class Monitoring {
  readonly streamIds: string[] = [];
  readonly locations: string[] = [];
  seq = 0;

  addStream(id: string): void {
    if (!this.streamIds.includes(id)) this.streamIds.push(id);
  }
  addLocation(location: string): void {
    if (!this.locations.includes(location)) this.locations.push(location);
  }

  nextEvent(value: number, nowMs: number): DataUpdateEvent {
    this.seq += 1;
    const payload: DataUpdatePayload = {
      value,
      seq: this.seq,
      monitoring: { stream_ids: [...this.streamIds], locations: [...this.locations] },
    };
    const stream = this.streamIds.at(-1);
    const location = this.locations.at(-1);
    if (stream !== undefined) payload.stream_id = stream;
    if (location !== undefined) payload.location = location;
    return { timestamp: new Date(nowMs).toISOString(), event: DATA_UPDATE_EVENT, payload };
  }
}

function randomValue(): number {
  return Math.round(Math.random() * 10_000) / 100;
}

/**
 * One demo server for one session (pass it as `serve({ createServer: () => createDemoServer() })`).
 * The event timer starts when the client finishes `initialize` and stops when the server or
 * its transport closes, so nothing outlives the session.
 */
export function createDemoServer(options: DemoServerOptions = {}): McpServer {
  const intervalMs = options.intervalMs ?? DEFAULT_DATA_UPDATE_INTERVAL_MS;
  const nextValue = options.nextValue ?? randomValue;
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const state = new Monitoring();

  const server = new McpServer(
    { name: DEMO_SERVER_NAME, version: VERSION },
    {
      capabilities: { logging: {} },
      instructions:
        "Demo server: call realtime_monitor or weather_monitor, then watch the data_update logging notifications.",
    },
  );

  server.registerTool(
    "realtime_monitor",
    {
      title: "Real-time stream monitor",
      description:
        "Start monitoring a real-time data stream; live data_update events then carry its stream_id.",
      inputSchema: z.object({
        stream_id: z.string().min(1).describe("Identifier of the stream to monitor"),
      }),
    },
    async ({ stream_id }) => {
      state.addStream(stream_id);
      return { content: [{ type: "text", text: `Started monitoring stream: ${stream_id}` }] };
    },
  );

  server.registerTool(
    "weather_monitor",
    {
      title: "Weather monitor",
      description:
        "Start monitoring the weather at a location; live data_update events then carry it.",
      inputSchema: z.object({
        location: z.string().min(1).describe("Place to monitor, e.g. 'Paris'"),
      }),
    },
    async ({ location }) => {
      state.addLocation(location);
      return {
        content: [{ type: "text", text: `Started monitoring weather for: ${location}` }],
      };
    },
  );

  const inner = server.server;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
  const tick = () => {
    if (!server.isConnected()) {
      stop();
      return;
    }
    const data = state.nextEvent(nextValue(), now());
    // The session id lets the SDK apply this session's `logging/setLevel` (stored per session).
    server
      .sendLoggingMessage(
        { level: "info", logger: DATA_UPDATE_EVENT, data },
        inner.transport?.sessionId,
      )
      .catch((error: unknown) => {
        // A session whose stream is gone cannot take events; the host closes it. Say so once.
        logger.debug({ err: error, seq: data.payload.seq }, "demo: data_update not delivered");
      });
  };

  const previousInitialized = inner.oninitialized;
  inner.oninitialized = () => {
    previousInitialized?.();
    if (intervalMs > 0 && timer === undefined) {
      timer = setInterval(tick, intervalMs);
      // The session, not this timer, decides how long the process lives.
      timer.unref();
    }
  };
  const previousClose = inner.onclose;
  inner.onclose = () => {
    stop();
    previousClose?.();
  };
  return server;
}

/**
 * The demo's plain event feed (`serve --demo` at `/mcp/sse`): a `data_update` in the guide's
 * shape every `intervalMs`, published through `publish` (e.g. `serve()`'s `publish`), with
 * the feed's own sequence. Returns the function that stops it.
 */
export function startDemoFeed(
  publish: (event: Record<string, unknown>) => unknown,
  options: DemoServerOptions = {},
): () => void {
  const intervalMs = options.intervalMs ?? DEFAULT_DATA_UPDATE_INTERVAL_MS;
  if (intervalMs <= 0) return () => undefined;
  const nextValue = options.nextValue ?? randomValue;
  const now = options.now ?? Date.now;
  const state = new Monitoring();
  const timer = setInterval(() => {
    try {
      publish({ ...state.nextEvent(nextValue(), now()) });
    } catch (error) {
      // The feed closed under us (shutdown): nothing left to publish to.
      (options.logger ?? silentLogger).debug({ err: error }, "demo feed: publish failed");
      clearInterval(timer);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
