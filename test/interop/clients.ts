/**
 * Real MCP clients for the interop tests, behind one small shape: SDK v1
 * (`@modelcontextprotocol/sdk`, legacy SSE and Streamable HTTP) and SDK v2
 * (`@modelcontextprotocol/client`, Streamable HTTP and legacy SSE). Each records the
 * logging notifications it receives. Not a test file: imported by the *.test.ts next to it.
 */
import {
  Client as ClientV2,
  SSEClientTransport as SSEClientTransportV2,
  StreamableHTTPClientTransport as StreamableV2,
} from "@modelcontextprotocol/client";
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport as SSEClientTransportV1 } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport as StreamableV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { LoggingMessageNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

export type ClientKind = "v1-sse" | "v1-streamable" | "v2-streamable" | "v2-sse";
export const CLIENT_KINDS: readonly ClientKind[] = [
  "v1-sse",
  "v1-streamable",
  "v2-streamable",
  "v2-sse",
];

/** Per request: no interop call may hang a test. */
export const REQUEST_TIMEOUT_MS = 15_000;

export interface LogMessage {
  level: string;
  logger?: string | undefined;
  data: unknown;
}

export interface InteropClient {
  kind: ClientKind;
  logs: LogMessage[];
  toolNames(): Promise<string[]>;
  /** Text of the first content item. */
  callText(name: string, args: Record<string, unknown>): Promise<string>;
  setLoggingLevel(level: "debug" | "info" | "warning"): Promise<void>;
  /** Close the client; for Streamable HTTP, end the session first (DELETE). */
  close(): Promise<void>;
}

function firstText(result: unknown): string {
  const items = ((result as { content?: unknown }).content ?? []) as Array<{
    type: string;
    text?: string;
  }>;
  return items.find((c) => c.type === "text")?.text ?? "";
}

/** `base` is the server URL from `serve()` (its origin); paths are the mcp-sse defaults. */
export async function connectClient(kind: ClientKind, base: string): Promise<InteropClient> {
  const sse = new URL("/sse", base);
  const mcp = new URL("/mcp", base);
  const logs: LogMessage[] = [];
  const options = { timeout: REQUEST_TIMEOUT_MS };

  if (kind === "v1-sse" || kind === "v1-streamable") {
    const client = new ClientV1({ name: `interop-${kind}`, version: "1.0.0" });
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params as LogMessage);
    });
    const transport = kind === "v1-sse" ? new SSEClientTransportV1(sse) : new StreamableV1(mcp);
    await client.connect(transport, options);
    return {
      kind,
      logs,
      toolNames: async () => (await client.listTools(undefined, options)).tools.map((t) => t.name),
      callText: async (name, args) =>
        firstText(await client.callTool({ name, arguments: args }, undefined, options)),
      setLoggingLevel: async (level) => {
        await client.setLoggingLevel(level, options);
      },
      close: async () => {
        if (transport instanceof StreamableV1) await transport.terminateSession();
        await client.close();
      },
    };
  }

  const client = new ClientV2({ name: `interop-${kind}`, version: "1.0.0" });
  client.setNotificationHandler("notifications/message", (n) => {
    logs.push(n.params as LogMessage);
  });
  const transport = kind === "v2-sse" ? new SSEClientTransportV2(sse) : new StreamableV2(mcp);
  await client.connect(transport, options);
  return {
    kind,
    logs,
    toolNames: async () => (await client.listTools(undefined, options)).tools.map((t) => t.name),
    callText: async (name, args) =>
      firstText(await client.callTool({ name, arguments: args }, options)),
    setLoggingLevel: async (level) => {
      await client.setLoggingLevel(level, options);
    },
    close: async () => {
      if (transport instanceof StreamableV2) await transport.terminateSession();
      await client.close();
    },
  };
}
