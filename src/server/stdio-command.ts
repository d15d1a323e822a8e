import { McpSseError } from "../errors.js";

/**
 * Split a command line into program and arguments the way a POSIX shell splits words,
 * without running a shell (no expansion, no pipes, no `$VAR`): so `--stdio "<command>"`
 * can never inject shell syntax. Supported: whitespace separation, 'single quotes'
 * (literal), "double quotes" (backslash escapes only \\ \" \$ \`), and backslash escapes
 * outside quotes.
 */
export function parseCommandLine(commandLine: string): { command: string; args: string[] } {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: "'" | '"' | undefined;

  for (let i = 0; i < commandLine.length; i++) {
    const ch = commandLine[i] as string;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
      continue;
    }
    if (quote === '"') {
      if (ch === '"') quote = undefined;
      else if (ch === "\\" && /["\\$`]/.test(commandLine[i + 1] ?? "")) {
        current += commandLine[i + 1];
        i++;
      } else current += ch;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\") {
      const next = commandLine[i + 1];
      if (next === undefined) throw invalid(commandLine, "it ends with a lone backslash");
      current += next;
      inWord = true;
      i++;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) throw invalid(commandLine, `a ${quote} quote is not closed`);
  if (inWord) words.push(current);

  const [command, ...args] = words;
  if (command === undefined || command === "") throw invalid(commandLine, "it is empty");
  return { command, args };
}

function invalid(commandLine: string, why: string): McpSseError {
  // Only the program is named: the rest of an unparsable line may hold a secret argument.
  const program = /^\s*(\S*)/.exec(commandLine)?.[1] ?? "";
  return new McpSseError(
    "SERVER_STDIO_COMMAND_INVALID",
    `cannot parse the stdio command${program ? ` for ${JSON.stringify(program)}` : ""} (${commandLine.length} characters): ${why}. Quote arguments with '...' or "...".`,
    { details: { program } },
  );
}
