/**
 * The Redis every Redis test uses: a real `redis-server` started on a free loopback port, with
 * no persistence (`--save '' --appendonly no`), stopped by the test; optionally with a password
 * (`--requirepass`) or TLS only (`--tls-port`, Debian's build has TLS). When the binary is missing
 * (never in CI: .ci/run installs Debian's redis-server) the tests skip with `REDIS_SKIP`, a
 * printed reason.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";

function findRedisServer(): string | undefined {
  for (const path of ["/usr/bin/redis-server", "/usr/local/bin/redis-server"])
    if (existsSync(path)) return path;
  const which = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const found = which.stdout.trim();
  return which.status === 0 && found !== "" ? found : undefined;
}

const BINARY = findRedisServer();

/** `false` when redis-server is there; otherwise the reason every Redis test prints as skipped. */
export const REDIS_SKIP: string | false =
  BINARY === undefined
    ? "redis-server is not installed (apt-get install redis-server; .ci/run installs it)"
    : false;

/** Bound on redis-server becoming ready. */
const READY_TIMEOUT_MS = 10_000;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface TestRedisOptions {
  /** `--requirepass`: the URL carries it (`redis://:<password>@…`). */
  password?: string;
  /** TLS only (no plain port): the URL is `rediss://`; certificate, key and CA are PEM files. */
  tls?: { cert: string; key: string; ca: string };
}

export interface TestRedis {
  /** The URL to connect with (password included when there is one). */
  url: string;
  port: number;
  /** Kill it (SIGKILL: nothing is saved anyway) and wait for the exit. */
  stop(): Promise<void>;
  /** Start it again on the same port (empty: there is no persistence). */
  start(): Promise<void>;
  /** SIGSTOP: connections are still accepted (by the kernel) but nothing answers; `resume()` undoes it. */
  pause(): void;
  resume(): void;
}

/** Start a redis-server for one test file. Call only when `REDIS_SKIP` is false. */
export async function startRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  if (BINARY === undefined) throw new Error(String(REDIS_SKIP));
  const binary = BINARY;
  const port = await freePort();
  const { password, tls } = options;
  const args = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  args.push(
    ...(tls === undefined ? ["--port", String(port)] : ["--port", "0", "--tls-port", String(port)]),
  );
  if (tls !== undefined)
    args.push(
      ...["--tls-cert-file", tls.cert, "--tls-key-file", tls.key, "--tls-ca-cert-file", tls.ca],
      ...["--tls-auth-clients", "no"],
    );
  if (password !== undefined) args.push("--requirepass", password);
  let child: ChildProcess | undefined;
  const start = async () => {
    const proc = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`redis-server not ready within ${READY_TIMEOUT_MS} ms:\n${output}`));
      }, READY_TIMEOUT_MS);
      proc.stdout?.setEncoding("utf8").on("data", (text: string) => {
        output += text;
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`));
      });
    });
    proc.stdout?.resume();
    proc.stderr?.resume();
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGKILL");
    await exited;
  };
  await start();
  const auth = password === undefined ? "" : `:${encodeURIComponent(password)}@`;
  const scheme = tls === undefined ? "redis" : "rediss";
  const signal = (sig: NodeJS.Signals) => void child?.kill(sig);
  return {
    url: `${scheme}://${auth}127.0.0.1:${port}`,
    port,
    stop,
    start,
    pause: () => signal("SIGSTOP"),
    resume: () => signal("SIGCONT"),
  };
}
