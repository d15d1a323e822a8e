import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { connectMcps } from "../../src/client/index.js";

const EVERYTHING = fileURLToPath(
  new URL("../../node_modules/.bin/mcp-server-everything", import.meta.url),
);

describe("a stdio server in the same tool set", () => {
  it("lists and calls the tools of mcp-server-everything (a child process)", async () => {
    const mcps = await connectMcps({
      mcps: [
        {
          name: "every",
          transport: "stdio",
          command: process.execPath,
          args: [EVERYTHING],
          timeout: 30,
        },
      ],
    });
    try {
      const status = mcps.servers()[0];
      assert.equal(status?.state, "ready", JSON.stringify(status));
      assert.ok(mcps.tools().some((t) => t.qualifiedName === "every__echo"));
      const result = await mcps.call("every", "echo", { message: "over stdio" });
      const text = (result.content[0] as { text?: string } | undefined)?.text ?? "";
      assert.match(text, /over stdio/);
    } finally {
      await mcps.close();
    }
    assert.equal(mcps.servers()[0]?.state, "closed");
  });
});
