import { loadConfig } from "../config/index.js";
import type { McpsConfig, ServerConfig } from "../config/types.js";
import { McpSseError } from "../errors.js";
import { type Logger, silentLogger } from "../logger.js";
import { MAX_TIMER_MS } from "../sse/backoff.js";
import { providerFor } from "./auth/providers.js";
import {
  CLIENT_ABORTED,
  CLIENT_UNKNOWN_SERVER,
  CLIENT_UNKNOWN_TOOL,
  describe,
} from "./call-errors.js";
import { callHeaderSecrets } from "./call-headers.js";
import type { CallOptions } from "./connection.js";
import { createServerConnection } from "./create-connection.js";
import { EventIntake } from "./event-intake.js";
import {
  type BatchOptions,
  checkStartupBufferSize,
  DEFAULT_STARTUP_BUFFER_SIZE,
  EventBus,
  type EventHandler,
  type SubscribeOptions,
} from "./event-queue.js";
import type { McpsEvent } from "./events.js";
import { type ManagerPool, managerPool } from "./manager-pool.js";
import type {
  ConnectMcpsOptions,
  EventsOptions,
  McpsManager,
  QualifiedTool,
  ServerStatus,
} from "./manager-types.js";
import {
  type Clock,
  DEFAULT_LATENCY_SAMPLES,
  defaultClock,
  ServerMetrics,
  type ServerMetricsSnapshot,
  slowHandlerReport,
} from "./metrics.js";
import { ResourceSubscriptions, type ResourceSubscriptionsApi } from "./resource-subscriptions.js";
import { scrubErrorResult, scrubFailure } from "./scrub-secrets.js";
import type { ServerConnection } from "./server-connection.js";
import { ServerContent, type ServerContentApi } from "./server-content.js";
import { CLIENT_NO_ROOTS_HANDLER } from "./server-requests.js";
import { createClientTransport } from "./transports/index.js";

export type {
  ConnectMcpsOptions,
  EventsOptions,
  McpsManager,
  QualifiedTool,
  ServerStatus,
} from "./manager-types.js";

/** Connect to every enabled server of a config (a path, a `{ mcps: [...] }` object, or an `McpsConfig`). */
export async function connectMcps(
  pathOrConfig: string | object,
  options: ConnectMcpsOptions = {},
): Promise<McpsManager> {
  const logger = options.logger ?? silentLogger;
  const config = await loadConfig(pathOrConfig, {
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    logger,
  });
  if (options.signal?.aborted) {
    throw new McpSseError(
      CLIENT_ABORTED,
      `connectMcps: the signal was already aborted; no server of ${config.source} was connected`,
    );
  }
  checkStartupBufferSize(options.startupBufferSize);
  const manager = new Manager(config, options, logger);
  await manager.start();
  manager.releaseStartupEvents();
  return manager;
}

/**
 * The server and tool a qualified name stands for. Server names may contain the separator
 * (`a` and `a__b`), so it is matched against the known servers, not split: among the servers
 * whose `name + separator` prefixes it, the one that has the rest as a tool wins, the
 * longest such name first; when none has it, the longest prefix (its error names the tool).
 */
export function routeQualified(
  qualifiedName: string,
  separator: string,
  servers: Iterable<{ readonly name: string; readonly tools: readonly { name: string }[] }>,
): { server: string; tool: string } | undefined {
  const candidates = [...servers]
    .filter((s) => qualifiedName.startsWith(`${s.name}${separator}`))
    .sort((a, b) => b.name.length - a.name.length);
  const toolOf = (name: string) => qualifiedName.slice(name.length + separator.length);
  const chosen =
    candidates.find((s) => s.tools.some((t) => t.name === toolOf(s.name))) ?? candidates[0];
  return chosen === undefined ? undefined : { server: chosen.name, tool: toolOf(chosen.name) };
}

class Manager implements McpsManager {
  private readonly connections = new Map<string, ServerConnection>();
  private readonly metricsByServer = new Map<string, ServerMetrics>();
  private readonly bus: EventBus;
  private readonly clock: Clock;
  private readonly intake: EventIntake;
  private readonly pool: ManagerPool;
  /** `slow_handler_ms` by server name (looked up for every handled event). */
  private readonly slowHandlerMs = new Map<string, number>();
  private closing: Promise<void> | undefined;
  private readonly content: ServerContent;
  private readonly subscriptions: ResourceSubscriptions;
  /**
   * Closes the manager when `options.signal` aborts; removed by close(): a long-lived signal
   * must not keep closed managers (and their connections) reachable.
   */
  private readonly onAbort = () => void this.close();

  constructor(
    readonly config: McpsConfig,
    private readonly options: ConnectMcpsOptions,
    private readonly logger: Logger,
  ) {
    this.clock = options.clock ?? defaultClock;
    this.content = new ServerContent(
      config,
      (server) => this.connectionOf(server),
      () => this.connections.values(),
    );
    this.subscriptions = new ResourceSubscriptions(
      this.content,
      (event) => this.emitOwn(event),
      (server) => config.servers.find((s) => s.name === server)?.timeoutMs ?? MAX_TIMER_MS,
    );
    this.pool = managerPool(config);
    this.bus = new EventBus(
      {
        onDrop: (event) => this.metricsOf(event.server).eventsDropped++,
        onHandlerTime: (event, ms) => this.handlerTime(event, ms),
        onHandlerError: (event, error) =>
          this.logger.warn(
            { server: event.server, type: event.type, err: error },
            "event handler failed",
          ),
        onStartupDrop: (event) => this.metricsOf(event.server).startupDropped++,
      },
      this.clock,
    );
    // Events of servers that are ready early are kept until connectMcps resolves (see
    // releaseStartupEvents), so that subscribers created right after it miss none.
    const startupBufferSize = options.startupBufferSize ?? DEFAULT_STARTUP_BUFFER_SIZE;
    // `state` events are not held: servers() tells the current state, and a replayed
    // "connecting → ready" would read as a fresh change to a subscriber counting them.
    if (startupBufferSize > 0) this.bus.hold(startupBufferSize, (e) => e.type !== "state");
    if (options.onEvent !== undefined) this.bus.subscribe(options.onEvent);
    this.intake = new EventIntake(this.bus, (name) => this.metricsOf(name));
    for (const server of config.servers) {
      this.slowHandlerMs.set(server.name, server.slowHandlerMs);
      this.metricsByServer.set(server.name, new ServerMetrics(DEFAULT_LATENCY_SAMPLES, this.clock));
      if (server.enabled) this.connections.set(server.name, this.connect(server));
    }
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
  }

  async start(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.start()));
  }

  /**
   * The start-up rule: subscribers created before the next macrotask after `connectMcps`
   * resolved (the caller's `await connectMcps(…)` continuation runs first, as microtasks)
   * receive every event held since the manager was created; then holding stops.
   */
  releaseStartupEvents(): void {
    setTimeout(() => this.bus.release(), 0);
  }

  private connect(server: ServerConfig): ServerConnection {
    const metrics = this.metricsOf(server.name);
    const createTransport = this.options.createTransport ?? createClientTransport;
    const fetch = this.pool.fetchFor(server);
    const authProvider = providerFor(server, this.options.authProvider);
    return createServerConnection({
      server,
      logger: this.logger,
      // Every HTTP request of every server through the one pool (the config's `pool:` limits).
      createTransport: (options) => createTransport({ fetch, ...options }),
      fetch,
      emit: (event) =>
        this.intake.receive(server, event, this.connections.get(server.name)?.secretValues() ?? []),
      onReconnectAttempt: () => metrics.reconnects++,
      onSessionReady: (client) => void this.subscriptions.restore(server.name, client),
      onStreamReconnect: () => metrics.streamReconnects++,
      ...(this.options.handlers === undefined ? {} : { handlers: this.options.handlers }),
      ...(this.options.refreshToken === undefined
        ? {}
        : { refreshToken: this.options.refreshToken }),
      ...(authProvider === undefined ? {} : { authProvider }),
    });
  }

  private serverConfig(name: string): ServerConfig {
    return this.config.servers.find((s) => s.name === name) as ServerConfig;
  }

  /** An event the manager itself raises about a server, through the same intake. */
  private emitOwn(event: McpsEvent): void {
    const server = this.config.servers.find((s) => s.name === event.server);
    const secrets = this.connections.get(event.server)?.secretValues() ?? [];
    if (server !== undefined) this.intake.receive(server, event, secrets);
  }

  private metricsOf(name: string): ServerMetrics {
    let metrics = this.metricsByServer.get(name);
    if (metrics === undefined) {
      metrics = new ServerMetrics(DEFAULT_LATENCY_SAMPLES, this.clock);
      this.metricsByServer.set(name, metrics);
    }
    return metrics;
  }

  /** A handler finished an event: timed, and warned about past `slow_handler_ms`. */
  private handlerTime(event: McpsEvent, ms: number): void {
    const limit = this.slowHandlerMs.get(event.server) ?? 0;
    const slow = slowHandlerReport(event, ms, limit);
    this.metricsOf(event.server).recordHandler(ms, slow !== undefined);
    if (slow !== undefined) this.logger.warn(slow.fields, slow.message);
  }

  tools(): QualifiedTool[] {
    const out: QualifiedTool[] = [];
    for (const connection of this.connections.values()) {
      for (const tool of connection.tools) {
        const entry: QualifiedTool = {
          server: connection.name,
          name: tool.name,
          qualifiedName: `${connection.name}${this.config.toolSeparator}${tool.name}`,
          inputSchema: tool.inputSchema as Record<string, unknown>,
        };
        if (tool.description !== undefined) entry.description = tool.description;
        const title = tool.title ?? tool.annotations?.title;
        if (title !== undefined) entry.title = title;
        if (tool.annotations !== undefined) entry.annotations = { ...tool.annotations };
        if (tool.outputSchema !== undefined)
          entry.outputSchema = tool.outputSchema as Record<string, unknown>;
        out.push(entry);
      }
    }
    return out;
  }

  async call(
    server: string,
    tool: string,
    args: Record<string, unknown> = {},
    options: CallOptions = {},
  ) {
    const connection = this.connectionOf(server);
    const metrics = this.metricsOf(server);
    const started = performance.now();
    // A call's own secret headers are scrubbed from what it hands back, as configured ones are.
    const secrets = () => [
      ...connection.secretValues(),
      ...callHeaderSecrets(this.serverConfig(server), options.headers),
    ];
    try {
      const result = await connection.call(tool, args, options);
      metrics.recordCall(performance.now() - started, result.isError === true);
      return scrubErrorResult(result, secrets());
    } catch (error) {
      metrics.recordCall(performance.now() - started, true);
      throw scrubFailure(error, secrets());
    }
  }

  /** The enabled server's connection, or `CLIENT_UNKNOWN_SERVER`. */
  private connectionOf(server: string): ServerConnection {
    const connection = this.connections.get(server);
    if (connection !== undefined) return connection;
    const known = this.config.servers.find((s) => s.name === server);
    throw new McpSseError(
      CLIENT_UNKNOWN_SERVER,
      known === undefined
        ? `No server named "${server}" in ${this.config.source}; configured: ${this.config.servers.map((s) => s.name).join(", ") || "none"}.`
        : `Server "${server}" is disabled in ${this.config.source} (enabled: false).`,
      { details: { server } },
    );
  }

  async callQualified(
    qualifiedName: string,
    args: Record<string, unknown> = {},
    options: CallOptions = {},
  ) {
    const separator = this.config.toolSeparator;
    const route = routeQualified(qualifiedName, separator, this.connections.values());
    if (route !== undefined) return this.call(route.server, route.tool, args, options);
    throw new McpSseError(
      CLIENT_UNKNOWN_TOOL,
      `No tool "${qualifiedName}": expected <server>${separator}<tool> with a configured, enabled server.`,
      { details: { qualifiedName } },
    );
  }

  events(options: EventsOptions & { batch: BatchOptions }): AsyncIterableIterator<McpsEvent[]>;
  events(options?: EventsOptions): AsyncIterableIterator<McpsEvent>;
  events(options: EventsOptions = {}): AsyncIterableIterator<McpsEvent | McpsEvent[]> {
    return this.bus.iterate(options as SubscribeOptions & { batch: BatchOptions });
  }

  on(type: string, handler: EventHandler, options: SubscribeOptions = {}): () => void {
    return this.bus.subscribe(handler, type === "*" ? options : { ...options, type });
  }

  metrics(): { servers: Record<string, ServerMetricsSnapshot> } {
    const servers: Record<string, ServerMetricsSnapshot> = {};
    for (const server of this.config.servers) {
      const connection = this.connections.get(server.name);
      servers[server.name] = this.metricsOf(server.name).snapshot(
        connection?.state ?? "disabled",
        connection?.connectedSince,
      );
    }
    return { servers };
  }

  servers(): ServerStatus[] {
    return this.config.servers.map((server) => {
      const connection = this.connections.get(server.name);
      if (connection === undefined) return { name: server.name, state: "disabled", toolCount: 0 };
      const status: ServerStatus = {
        name: server.name,
        state: connection.state,
        toolCount: connection.tools.length,
      };
      if (connection.error !== undefined && connection.state !== "ready")
        status.error = describe(scrubFailure(connection.error, connection.secretValues()));
      if (connection.connectedSince !== undefined)
        status.connectedSince = new Date(connection.connectedSince).toISOString();
      return status;
    });
  }

  async notifyRootsChanged(server?: string): Promise<void> {
    if (this.options.handlers?.roots === undefined)
      throw new McpSseError(
        CLIENT_NO_ROOTS_HANDLER,
        "notifyRootsChanged() needs a roots handler: pass connectMcps(config, { handlers: { roots } }).",
        server === undefined ? {} : { details: { server } },
      );
    const targets =
      server === undefined ? [...this.connections.values()] : [this.connectionOf(server)];
    await Promise.all(targets.map((connection) => connection.notifyRootsChanged()));
  }

  async finishAuth(server: string, authorizationCode: string, iss?: string): Promise<void> {
    const connection = this.connectionOf(server);
    try {
      await connection.finishAuth(authorizationCode, iss);
    } catch (error) {
      throw scrubFailure(error, connection.secretValues());
    }
  }

  // Resources and prompts: routed like tools, in their own module.
  listResources: ServerContentApi["listResources"] = (...a) => this.content.listResources(...a);
  readResource: ServerContentApi["readResource"] = (...a) => this.content.readResource(...a);
  listPrompts: ServerContentApi["listPrompts"] = (...a) => this.content.listPrompts(...a);
  getPrompt: ServerContentApi["getPrompt"] = (...a) => this.content.getPrompt(...a);
  listResourceTemplates: ServerContentApi["listResourceTemplates"] = (...a) =>
    this.content.listResourceTemplates(...a);
  complete: ServerContentApi["complete"] = (...a) => this.content.complete(...a);
  subscribeResource: ResourceSubscriptionsApi["subscribeResource"] = (...a) =>
    this.subscriptions.subscribeResource(...a);
  unsubscribeResource: ResourceSubscriptionsApi["unsubscribeResource"] = (...a) =>
    this.subscriptions.unsubscribeResource(...a);
  resourceSubscriptions: ResourceSubscriptionsApi["resourceSubscriptions"] = () =>
    this.subscriptions.resourceSubscriptions();

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.options.signal?.removeEventListener("abort", this.onAbort);
      await Promise.all([...this.connections.values()].map((c) => c.close()));
      await this.intake.drain();
      this.bus.close();
      await this.pool.close();
    })();
    return this.closing;
  }
}
