/** How `mcp-sse call` prints a tool result without `--json`: text as text, the rest summarized. */
import type { CallToolResult } from "@modelcontextprotocol/client";

function describeBlock(block: CallToolResult["content"][number]): string {
  switch (block.type) {
    case "text":
      return block.text;
    case "image":
    case "audio":
      return `[${block.type} ${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes]`;
    case "resource_link":
      return `[resource ${block.uri}]`;
    case "resource": {
      const r = block.resource;
      return "text" in r && typeof r.text === "string" ? r.text : `[resource ${r.uri}]`;
    }
    default:
      return JSON.stringify(block);
  }
}

/** The readable form of a result: every content block on its own line(s). */
export function formatCallResult(result: CallToolResult): string {
  const parts = (result.content ?? []).map(describeBlock);
  if (parts.length === 0 && result.structuredContent !== undefined)
    parts.push(JSON.stringify(result.structuredContent, null, 2));
  const text = parts.join("\n");
  return text.endsWith("\n") || text === "" ? text : `${text}\n`;
}
