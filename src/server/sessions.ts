import type { JSONRPCMessage, Transport } from "@modelcontextprotocol/server";
import { McpSseError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { ServerBackend, SessionRecord, SessionTransportKind } from "./backends/types.js";
import { HandshakeWatch } from "./handshake.js";
import type { ServerMetrics } from "./metrics.js";
import type { Principal, ServerLike } from "./types.js";

/** What the session manager needs from a session's transport. */
export interface SessionTransport extends Transport {
  readonly sessionId: string;
  hasOpenStream(): boolean;
  /** Write a final comment on every open stream and end them (graceful shutdown). */
  endStreams(comment: string): void;
}

export interface LocalSession<T extends SessionTransport = SessionTransport> {
  record: SessionRecord;
  server: ServerLike;
  transport: T;
  lastActivity: number;
  /** Closes the session if the client stalls its handshake (absent when disabled or done). */
  handshake?: HandshakeWatch | undefined;
}

export interface SessionManagerOptions {
  backend: ServerBackend;
  createServer: () => ServerLike | Promise<ServerLike>;
  maxSessions: number;
  idleTimeoutMs: number;
  /** `0` disables (see `DEFAULT_HANDSHAKE_TIMEOUT_MS`). */
  handshakeTimeoutMs: number;
  metrics: ServerMetrics;
  logger: Logger;
}

/**
 * Sessions living in this process: their server instance and transport. The backend holds
 * the records and event logs. Session ids are `crypto.randomUUID()` (122 random bits).
 */
export class SessionManager {
  readonly #local = new Map<string, LocalSession>();
  #opening = 0;
  /** Sessions being opened: shutdown waits for them (each closes itself once it sees `#closing`). */
  readonly #openings = new Set<Promise<unknown>>();
  #closing = false;
  #reaper: ReturnType<typeof setInterval> | undefined;
  readonly #o: SessionManagerOptions;

  constructor(options: SessionManagerOptions) {
    this.#o = options;
    if (options.idleTimeoutMs > 0) {
      const every = Math.max(1000, Math.min(options.idleTimeoutMs / 2, 60_000));
      this.#reaper = setInterval(() => void this.reapIdle(), every);
      this.#reaper.unref?.();
    }
  }

  get size(): number {
    return this.#local.size;
  }

  /** True when a new session would pass the cap. */
  hasRoom(): boolean {
    const max = this.#o.maxSessions;
    return max <= 0 || this.#local.size + this.#opening < max;
  }

  /**
   * Create a session: a fresh server from the factory, connected to the transport `make`
   * builds for the new id. Throws `SERVER_SESSION_LIMIT` when the cap is reached.
   */
  async open<T extends SessionTransport>(
    kind: SessionTransportKind,
    principal: Principal | null,
    make: (sessionId: string) => T,
  ): Promise<LocalSession<T>> {
    if (this.#closing) throw shuttingDown();
    if (!this.hasRoom()) {
      throw new McpSseError(
        "SERVER_SESSION_LIMIT",
        `Session limit (${this.#o.maxSessions}) reached; retry later`,
      );
    }
    this.#opening++;
    const opening = this.#open(kind, principal, make);
    this.#openings.add(opening);
    try {
      return await opening;
    } finally {
      this.#openings.delete(opening);
      this.#opening--;
    }
  }

  async #open<T extends SessionTransport>(
    kind: SessionTransportKind,
    principal: Principal | null,
    make: (sessionId: string) => T,
  ): Promise<LocalSession<T>> {
    const id = crypto.randomUUID();
    const record: SessionRecord = {
      id,
      transport: kind,
      principalId: principal?.id ?? null,
      createdAt: Date.now(),
      owner: this.#o.backend.replicaId,
    };
    const transport = make(id);
    const server = await this.#o.createServer();
    const session: LocalSession<T> = { record, server, transport, lastActivity: Date.now() };
    if (this.#closing) {
      // Shutdown began while the factory ran: this server never gets a session.
      await server.close();
      throw shuttingDown();
    }
    await this.#o.backend.createSession(record);
    this.#local.set(id, session);
    this.#o.metrics.sessions.inc({ transport: kind });
    try {
      await server.connect(transport);
    } catch (error) {
      await this.#forget(id);
      await server
        .close()
        .catch((closeError: unknown) =>
          this.#o.logger.warn(
            { sessionId: id, err: closeError },
            "closing a server that failed to connect failed",
          ),
        );
      if (this.#closing) throw shuttingDown();
      throw new McpSseError(
        "SERVER_CONNECT_FAILED",
        `MCP server failed to start a session: ${String((error as Error)?.message ?? error)}`,
        { cause: error },
      );
    }
    // The server (or we) may close the transport: forget the session then. Wrapped after
    // connect so the SDK's own onclose (set by connect) still runs.
    const sdkOnClose = transport.onclose;
    transport.onclose = () => {
      sdkOnClose?.();
      void this.#forget(id);
    };
    if (this.#closing || !this.#local.has(id)) {
      // Shutdown (or the session's own end) came while connecting: close what connect
      // started, so no server (or stdio child) outlives the session.
      if (this.#local.has(id)) await this.close(id, "shutdown");
      else await server.close();
      if (this.#closing) throw shuttingDown();
      throw new McpSseError(
        "SERVER_CONNECT_FAILED",
        "MCP server closed the session while it was starting",
      );
    }
    this.#o.logger.info({ sessionId: id, transport: kind }, "session opened");
    this.#armHandshakeTimer(session);
    return session;
  }

  /**
   * Abandoned connections (a `GET /sse` and nothing more, an `initialize` whose answer nobody
   * read) would otherwise hold a server for the whole idle timeout, open stream or not. The
   * watch sees the server's messages through `send`, wrapped after connect like `onclose`.
   */
  #armHandshakeTimer(session: LocalSession): void {
    const ms = this.#o.handshakeTimeoutMs;
    if (ms <= 0) return;
    const id = session.record.id;
    const watch = new HandshakeWatch(ms, () => {
      this.close(id, "handshake timeout").catch((error: unknown) =>
        this.#o.logger.warn({ sessionId: id, err: error }, "closing a pending session failed"),
      );
    });
    session.handshake = watch;
    const transport = session.transport;
    const send = transport.send;
    transport.send = (message, options) => {
      const current = session.handshake;
      // The watch is done (dropped by `noteClientMessages`): from now on sends go straight to
      // the transport, not through this closure for every message of the session's life.
      if (current === undefined) transport.send = send;
      else current.fromServer(message);
      return send.call(transport, message, options);
    };
  }

  /** Messages the client sent on `session` (see `HandshakeWatch`). */
  noteClientMessages(session: LocalSession, messages: readonly JSONRPCMessage[]): void {
    const watch = session.handshake;
    if (watch === undefined) return;
    watch.fromClient(messages);
    // A finished watch is never consulted again: an idle session need not hold it.
    if (watch.done) session.handshake = undefined; // not `delete`: keeps the object's shape
  }

  /**
   * The session `id` if it exists here, has that transport and belongs to `principal`. A
   * session opened by someone else answers exactly like an unknown one.
   */
  get(
    id: string,
    kind: SessionTransportKind,
    principal: Principal | null,
  ): LocalSession | undefined {
    const session = this.#local.get(id);
    if (!session || session.record.transport !== kind) return undefined;
    if (session.record.principalId !== (principal?.id ?? null)) return undefined;
    session.lastActivity = Date.now();
    return session;
  }

  /** The session `id` if it lives here, without checks (for messages between replicas). */
  peek(id: string): LocalSession | undefined {
    return this.#local.get(id);
  }

  /**
   * Close one session: its transport first (it refuses sends from then on, so nothing the
   * server says while stopping reaches the log), then its record and log, then its server.
   */
  async close(id: string, reason: string): Promise<void> {
    const session = this.#local.get(id);
    if (!session) return;
    this.#o.logger.info({ sessionId: id, reason }, "session closing");
    await session.transport.close();
    await this.#forget(id);
    await session.server.close();
  }

  /**
   * Close every session idle for `idleTimeoutMs`, all at once: closing one may take a while
   * (a stdio child's grace period), and one slow close must not keep the others open.
   */
  async reapIdle(now = Date.now()): Promise<number> {
    const limit = this.#o.idleTimeoutMs;
    const idle: LocalSession[] = [];
    for (const session of this.#local.values()) {
      if (session.transport.hasOpenStream()) session.lastActivity = now;
      else if (now - session.lastActivity >= limit) idle.push(session);
    }
    await Promise.all(
      idle.map((session) =>
        this.close(session.record.id, "idle").catch((error: unknown) =>
          this.#o.logger.warn(
            { sessionId: session.record.id, err: error },
            "closing idle session failed",
          ),
        ),
      ),
    );
    return idle.length;
  }

  /**
   * Graceful shutdown: refuse new sessions, tell every stream, close every session, and wait
   * for sessions still opening (each closes itself when it sees the shutdown).
   */
  async closeAll(comment: string): Promise<void> {
    this.#closing = true;
    if (this.#reaper) clearInterval(this.#reaper);
    const sessions = [...this.#local.values()];
    for (const s of sessions) s.transport.endStreams(comment);
    await Promise.allSettled([
      ...sessions.map((s) => this.close(s.record.id, "shutdown")),
      ...this.#openings,
    ]);
  }

  async #forget(id: string): Promise<void> {
    const session = this.#local.get(id);
    if (!session) return;
    session.handshake?.stop();
    this.#local.delete(id);
    this.#o.metrics.sessions.dec({ transport: session.record.transport });
    await this.#o.backend.deleteSession(id);
  }
}

function shuttingDown(): McpSseError {
  return new McpSseError("SERVER_SHUTTING_DOWN", "The server is shutting down; retry later");
}
