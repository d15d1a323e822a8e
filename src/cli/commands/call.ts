import { McpSseError } from "../../errors.js";
import type { CliIO } from "../io.js";

// Placeholder until the command lands; fails loudly rather than pretending.
export async function call(_argv: string[], _io: CliIO): Promise<number> {
  throw new McpSseError("CLI_NOT_IMPLEMENTED", "'call' is not implemented yet");
}
