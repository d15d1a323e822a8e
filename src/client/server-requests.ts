/**
 * Requests a server sends to the client (the MCP "client features"): elicitation
 * (`elicitation/create`), sampling (`sampling/createMessage`) and roots (`roots/list`).
 * `connectMcps({ handlers })` routes each to the user's handler with the server's name; the
 * client declares exactly the capabilities of the handlers given, so a server never asks for
 * something nobody answers (MCP spec, lifecycle: capability negotiation).
 */
import type {
  Client,
  ClientCapabilities,
  CreateMessageRequest,
  CreateMessageResult,
  ElicitRequest,
  ElicitResult,
  Root,
} from "@modelcontextprotocol/client";
import type { Logger } from "../logger.js";
import { describe } from "./call-errors.js";

/** `notifyRootsChanged()` was called but `connectMcps` got no `handlers.roots`. */
export const CLIENT_NO_ROOTS_HANDLER = "CLIENT_NO_ROOTS_HANDLER";

/** What a handler learns besides the request itself. */
export interface ServerRequestContext {
  /** Name (from the config) of the server that sent the request. */
  server: string;
  /**
   * Aborted when the server cancels the request (e.g. its own request timeout ran out) or the
   * connection closes; an answer given after that is dropped, so stop waiting for the user.
   */
  signal: AbortSignal;
}

/**
 * Answers to requests servers send to the client. Each handler given declares its client
 * capability in `initialize`; a handler that throws sends the server a JSON-RPC error (the
 * thrown `message`, and its numeric `code` when it has one, else -32603) — never a crash.
 * A handler that never settles is bounded by the server's own request timeout.
 */
export interface ServerRequestHandlers {
  /**
   * `elicitation/create`, form mode only (declares `elicitation: { form: { applyDefaults:
   * true } }`): return `{ action: "accept", content }`, `{ action: "decline" }` or
   * `{ action: "cancel" }`. Fields of the requested schema that `content` leaves out and that
   * have a `default` are filled in by the SDK before the answer is sent (SEP-1034).
   */
  elicitation?: (
    request: ElicitRequest,
    context: ServerRequestContext,
  ) => Promise<ElicitResult> | ElicitResult;
  /**
   * `sampling/createMessage` (declares `sampling: {}`, so servers send no tool-using
   * sampling): ask your LLM and return `{ model, role: "assistant", content }`.
   */
  sampling?: (
    request: CreateMessageRequest,
    context: ServerRequestContext,
  ) => Promise<CreateMessageResult> | CreateMessageResult;
  /**
   * `roots/list` (declares `roots: { listChanged: true }`): the roots this server may work in.
   * Call `mcps.notifyRootsChanged()` when they change; servers then list them again.
   */
  roots?: (context: ServerRequestContext) => Promise<Root[]> | Root[];
}

/** Exactly the client capabilities the given handlers answer (none without handlers). */
export function clientCapabilities(
  handlers: ServerRequestHandlers | undefined,
): ClientCapabilities {
  const capabilities: ClientCapabilities = {};
  if (handlers?.elicitation !== undefined)
    capabilities.elicitation = { form: { applyDefaults: true } };
  if (handlers?.sampling !== undefined) capabilities.sampling = {};
  if (handlers?.roots !== undefined) capabilities.roots = { listChanged: true };
  return capabilities;
}

/**
 * Register the handlers on a (not yet connected) Client created with
 * `clientCapabilities(handlers)`. The SDK validates elicitation and sampling requests and
 * results around them, applies elicitation defaults, and turns a rejection into a JSON-RPC
 * error response; here a failure is only logged, with the server's name.
 */
export function installServerRequestHandlers(
  client: Client,
  handlers: ServerRequestHandlers | undefined,
  server: string,
  log: Logger,
): void {
  const failed = (method: string, error: unknown): never => {
    const { code, message } = describe(error);
    log.warn({ method, code, message }, "server request handler failed");
    throw error;
  };
  const { elicitation, sampling, roots } = handlers ?? {};
  if (elicitation !== undefined)
    client.setRequestHandler("elicitation/create", async (request, ctx) => {
      try {
        return await elicitation(request, { server, signal: ctx.mcpReq.signal });
      } catch (error) {
        return failed(request.method, error);
      }
    });
  if (sampling !== undefined)
    client.setRequestHandler("sampling/createMessage", async (request, ctx) => {
      try {
        return await sampling(request, { server, signal: ctx.mcpReq.signal });
      } catch (error) {
        return failed(request.method, error);
      }
    });
  if (roots !== undefined)
    client.setRequestHandler("roots/list", async (request, ctx) => {
      try {
        return { roots: await roots({ server, signal: ctx.mcpReq.signal }) };
      } catch (error) {
        return failed(request.method, error);
      }
    });
}
