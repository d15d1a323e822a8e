import { McpSseError } from "../../errors.js";
import type { CliIO } from "../io.js";

// Placeholder until the command lands; fails loudly rather than pretending.
export async function tools(_argv: string[], _io: CliIO): Promise<number> {
  throw new McpSseError("CLI_NOT_IMPLEMENTED", "'tools' is not implemented yet");
}
