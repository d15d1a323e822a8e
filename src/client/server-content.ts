/**
 * The servers' resources and prompts, routed by server name like tools: list them (and the
 * resource templates) across every ready MCP server (or one), read a resource, get a prompt,
 * complete an argument. Each request has the server's
 * `timeout` (or the caller's) and the caller's `signal`, and fails with a typed error whose
 * message has no secret (results are the server's data, returned as they are, as tool results
 * are). Event feeds have neither resources nor prompts.
 */
import type {
  Client,
  CompleteResult,
  GetPromptResult,
  ReadResourceResult,
  RequestOptions,
  ServerCapabilities,
} from "@modelcontextprotocol/client";
import { ProtocolError, SdkError, SdkErrorCode, UriTemplate } from "@modelcontextprotocol/client";
import type { McpsConfig } from "../config/types.js";
import { McpSseError } from "../errors.js";
import { MAX_TIMER_MS } from "../sse/backoff.js";
import {
  CLIENT_ABORTED,
  CLIENT_INVALID_OPTION,
  CLIENT_NOT_READY,
  CLIENT_TIMEOUT,
  connectionLost,
} from "./call-errors.js";
import { scrubFailure } from "./scrub-secrets.js";
import type { ServerConnection } from "./server-connection.js";

/** A resources or prompts request that the server answered with a JSON-RPC error. */
export const CLIENT_REQUEST_FAILED = "CLIENT_REQUEST_FAILED";
/** The server does not declare the capability a request needs (`resources.subscribe`, `completions`). */
export const CLIENT_NOT_SUPPORTED = "CLIENT_NOT_SUPPORTED";

export interface ContentRequestOptions {
  /** ms (> 0, at most `MAX_TIMER_MS`). Default: the server's `timeout` from the config. */
  timeout?: number;
  /** Aborting it cancels the request (`CLIENT_ABORTED`). */
  signal?: AbortSignal;
}

export interface QualifiedResource {
  server: string;
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

export interface QualifiedResourceTemplate {
  server: string;
  /** An RFC 6570 URI template (`docs://{topic}/readme`): expand it with `expandUriTemplate`. */
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

/** What `complete` completes: a prompt's argument or a resource template's variable. */
export type CompletionRef =
  | { type: "ref/prompt"; name: string }
  | { type: "ref/resource"; uri: string };

export interface CompleteOptions extends ContentRequestOptions {
  /** Values of the other arguments already chosen (the server may narrow on them). */
  context?: { arguments?: Record<string, string> };
}

/** The server's suggestions: at most 100 `values`, `total` and `hasMore` when it says so. */
export type Completion = CompleteResult["completion"];

/**
 * `template` expanded with `variables` (RFC 6570, by the SDK's `UriTemplate`): the URI to pass
 * to `readResource` or `subscribeResource`. A template the SDK cannot parse (unbalanced
 * braces, over its length limits) is `CLIENT_INVALID_OPTION`.
 */
export function expandUriTemplate(
  template: string,
  variables: Record<string, string | string[]>,
): string {
  try {
    return new UriTemplate(template).expand(variables);
  } catch (cause) {
    throw new McpSseError(
      CLIENT_INVALID_OPTION,
      `expandUriTemplate: "${template}" is not a URI template the SDK can expand: ${cause instanceof Error ? cause.message : String(cause)}`,
      { details: { option: "template" }, cause },
    );
  }
}

export interface QualifiedPrompt {
  server: string;
  name: string;
  /** `server` + separator + `name`, as for tools. */
  qualifiedName: string;
  title?: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}

type Send<T> = (client: Client, options: RequestOptions) => Promise<T>;

/** A capability a request needs beyond the server being ready (checked before sending). */
export interface Needs {
  /** As the error names it: `resources.subscribe`, `completions`. */
  name: string;
  has: (capabilities: ServerCapabilities | undefined) => boolean;
}

/** `resources/subscribe` and `resources/unsubscribe` need `resources.subscribe: true`. */
export const NEEDS_SUBSCRIBE: Needs = {
  name: "resources.subscribe",
  has: (c) => c?.resources?.subscribe === true,
};
const NEEDS_COMPLETIONS: Needs = { name: "completions", has: (c) => c?.completions !== undefined };

/** Drops the keys whose value is undefined (optional fields stay absent, not `undefined`). */
function defined<R>(value: Record<string, unknown>): R {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as R;
}

/** The manager's resources and prompts API (`McpsManager` has it). */
export interface ServerContentApi {
  /** Resources of `server`, or of every ready MCP server that declares resources. */
  listResources(server?: string, options?: ContentRequestOptions): Promise<QualifiedResource[]>;
  readResource(
    server: string,
    uri: string,
    options?: ContentRequestOptions,
  ): Promise<ReadResourceResult>;
  /** Resource templates of `server`, or of every ready MCP server that declares resources. */
  listResourceTemplates(
    server?: string,
    options?: ContentRequestOptions,
  ): Promise<QualifiedResourceTemplate[]>;
  /** Prompts of `server`, or of every ready MCP server that declares prompts. */
  listPrompts(server?: string, options?: ContentRequestOptions): Promise<QualifiedPrompt[]>;
  getPrompt(
    server: string,
    name: string,
    args?: Record<string, string>,
    options?: ContentRequestOptions,
  ): Promise<GetPromptResult>;
  /**
   * The server's suggestions for one argument of a prompt or a resource template
   * (`completion/complete`); `CLIENT_NOT_SUPPORTED` when it does not declare `completions`.
   */
  complete(
    server: string,
    ref: CompletionRef,
    argument: { name: string; value: string },
    options?: CompleteOptions,
  ): Promise<Completion>;
}

export class ServerContent implements ServerContentApi {
  constructor(
    private readonly config: McpsConfig,
    private readonly connectionOf: (server: string) => ServerConnection,
    private readonly connections: () => Iterable<ServerConnection>,
  ) {}

  async listResources(
    server?: string,
    options: ContentRequestOptions = {},
  ): Promise<QualifiedResource[]> {
    const lists = await this.fromServers(server, "resources", "resources/list", options, (c, o) =>
      c.listResources(undefined, o).then((r) => r.resources),
    );
    return lists.flatMap(([name, resources]) =>
      resources.map((r) =>
        defined<QualifiedResource>({
          server: name,
          uri: r.uri,
          name: r.name,
          title: r.title,
          description: r.description,
          mimeType: r.mimeType,
        }),
      ),
    );
  }

  async listResourceTemplates(
    server?: string,
    options: ContentRequestOptions = {},
  ): Promise<QualifiedResourceTemplate[]> {
    const lists = await this.fromServers(
      server,
      "resources",
      "resources/templates/list",
      options,
      // No cursor: the SDK walks every page (as for resources/list).
      (c, o) => c.listResourceTemplates(undefined, o).then((r) => r.resourceTemplates),
    );
    return lists.flatMap(([name, templates]) =>
      templates.map((t) =>
        defined<QualifiedResourceTemplate>({
          server: name,
          uriTemplate: t.uriTemplate,
          name: t.name,
          title: t.title,
          description: t.description,
          mimeType: t.mimeType,
        }),
      ),
    );
  }

  async listPrompts(
    server?: string,
    options: ContentRequestOptions = {},
  ): Promise<QualifiedPrompt[]> {
    const lists = await this.fromServers(server, "prompts", "prompts/list", options, (c, o) =>
      c.listPrompts(undefined, o).then((r) => r.prompts),
    );
    return lists.flatMap(([name, prompts]) =>
      prompts.map((p) =>
        defined<QualifiedPrompt>({
          server: name,
          name: p.name,
          qualifiedName: `${name}${this.config.toolSeparator}${p.name}`,
          title: p.title,
          description: p.description,
          arguments: p.arguments,
        }),
      ),
    );
  }

  // async: an unknown server is a rejection, as for every other failure.
  async readResource(
    server: string,
    uri: string,
    options: ContentRequestOptions = {},
  ): Promise<ReadResourceResult> {
    return this.request(this.connectionOf(server), `resources/read ${uri}`, options, (c, o) =>
      c.readResource({ uri }, o),
    );
  }

  async getPrompt(
    server: string,
    name: string,
    args: Record<string, string> = {},
    options: ContentRequestOptions = {},
  ): Promise<GetPromptResult> {
    return this.request(this.connectionOf(server), `prompts/get ${name}`, options, (c, o) =>
      c.getPrompt({ name, arguments: args }, o),
    );
  }

  async complete(
    server: string,
    ref: CompletionRef,
    argument: { name: string; value: string },
    options: CompleteOptions = {},
  ): Promise<Completion> {
    const of = ref.type === "ref/prompt" ? `prompt ${ref.name}` : `template ${ref.uri}`;
    const { context } = options;
    const result = await this.request(
      this.connectionOf(server),
      `completion/complete ${of} ${argument.name}`,
      options,
      (c, o) => c.complete({ ref, argument, ...(context === undefined ? {} : { context }) }, o),
      NEEDS_COMPLETIONS,
    );
    return result.completion;
  }

  /** `resources/subscribe` or `resources/unsubscribe` of `uri` (see resource-subscriptions.ts). */
  async subscription(server: string, uri: string, on: boolean, options: ContentRequestOptions) {
    const method = on ? "resources/subscribe" : "resources/unsubscribe";
    await this.request(
      this.connectionOf(server),
      `${method} ${uri}`,
      options,
      (c, o) => (on ? c.subscribeResource({ uri }, o) : c.unsubscribeResource({ uri }, o)),
      NEEDS_SUBSCRIBE,
    );
  }

  /**
   * `send` to `server`, or to every ready MCP server that declares `capability` (in config
   * order). A server that fails fails the whole list: a partial list would read as complete.
   */
  private async fromServers<T>(
    server: string | undefined,
    capability: "resources" | "prompts",
    what: string,
    options: ContentRequestOptions,
    send: Send<T>,
  ): Promise<[string, T][]> {
    const targets =
      server === undefined
        ? [...this.connections()].filter(
            (c) => c.readyClient()?.getServerCapabilities()?.[capability] !== undefined,
          )
        : [this.connectionOf(server)];
    return Promise.all(
      targets.map(async (c) => [c.name, await this.request(c, what, options, send)] as [string, T]),
    );
  }

  private async request<T>(
    connection: ServerConnection,
    what: string,
    options: ContentRequestOptions,
    send: Send<T>,
    needs?: Needs,
  ): Promise<T> {
    const server = connection.name;
    const { timeout, signal } = options;
    if (timeout !== undefined && !(timeout > 0 && timeout <= MAX_TIMER_MS))
      throw new McpSseError(
        CLIENT_INVALID_OPTION,
        `${what} on server "${server}": timeout must be ms > 0 and <= ${MAX_TIMER_MS}.`,
        { details: { server, option: "timeout" } },
      );
    const client = connection.readyClient();
    if (client === undefined)
      throw new McpSseError(
        CLIENT_NOT_READY,
        `Server "${server}" is ${connection.state}, not a ready MCP server; ${what} needs one (check servers() or retry later).`,
        { details: { server, state: connection.state } },
      );
    if (needs !== undefined && !needs.has(client.getServerCapabilities()))
      throw new McpSseError(
        CLIENT_NOT_SUPPORTED,
        `${what} on server "${server}": the server does not declare the "${needs.name}" capability.`,
        { details: { server, request: what, capability: needs.name } },
      );
    const timeoutMs =
      timeout ?? this.config.servers.find((s) => s.name === server)?.timeoutMs ?? MAX_TIMER_MS;
    try {
      return await send(client, {
        timeout: timeoutMs,
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      throw scrubFailure(
        requestError(error, { server, what, timeoutMs, signal }),
        connection.secretValues(),
      );
    }
  }
}

/** What a resources/prompts request failed with, as the one typed error a caller matches on. */
function requestError(
  error: unknown,
  ctx: { server: string; what: string; timeoutMs: number; signal: AbortSignal | undefined },
): McpSseError {
  const where = `${ctx.what} on server "${ctx.server}"`;
  const details = { server: ctx.server, request: ctx.what };
  if (error instanceof ProtocolError)
    return new McpSseError(
      CLIENT_REQUEST_FAILED,
      `${where} failed with JSON-RPC error ${error.code}: ${error.message}`,
      { details: { ...details, rpcCode: error.code }, cause: error },
    );
  // The SDK reports a caller's abort as a timeout: say which it was.
  if (ctx.signal?.aborted === true)
    return new McpSseError(CLIENT_ABORTED, `${where} was cancelled by the caller's signal.`, {
      details,
      cause: error,
    });
  if (error instanceof SdkError && error.code === SdkErrorCode.RequestTimeout)
    return new McpSseError(
      CLIENT_TIMEOUT,
      `${where} did not answer within ${ctx.timeoutMs} ms; raise 'timeout' in the config or pass { timeout }.`,
      { details: { ...details, timeoutMs: ctx.timeoutMs }, cause: error },
    );
  if (error instanceof SdkError) return connectionLost({ server: ctx.server }, error);
  const message = error instanceof Error ? error.message : String(error);
  return new McpSseError(CLIENT_REQUEST_FAILED, `${where} failed: ${message}`, {
    details,
    cause: error,
  });
}
