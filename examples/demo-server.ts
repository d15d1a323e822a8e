/**
 * For the examples: the URL of a running `mcp-sse serve --demo`. With `DEMO_URL` set, that
 * server is used; otherwise one is started as a child process on a free port of 127.0.0.1 (the
 * real CLI, as `npx mcp-sse serve --demo --port 0` would run it) and stopped by `stop()`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
/** How long the demo server may take to start before the example gives up. */
const START_TIMEOUT_MS = 20_000;

export interface DemoServer {
  url: string;
  stop(): Promise<void>;
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(
      () => reject(new Error("the demo server did not start")),
      START_TIMEOUT_MS,
    );
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      const match = /serving demo on (\S+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo server exited (${code})`));
    });
  });
}

export async function demoServer(): Promise<DemoServer> {
  const given = process.env["DEMO_URL"];
  if (given !== undefined && given !== "") return { url: given, stop: async () => undefined };
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      CLI,
      "serve",
      "--demo",
      "--host",
      "127.0.0.1",
      "--port",
      "0",
      "--log-level",
      "warn",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await waitForUrl(child);
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
