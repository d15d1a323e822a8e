import { McpSseError } from "../../errors.js";
import type { CliIO } from "../io.js";

// Placeholder until the command lands; fails loudly rather than pretending.
export async function proxy(_argv: string[], _io: CliIO): Promise<number> {
  throw new McpSseError("CLI_NOT_IMPLEMENTED", "'proxy' is not implemented yet");
}
