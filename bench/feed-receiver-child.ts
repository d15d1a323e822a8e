/**
 * One receiver of the feed bench (started by `feed-receivers.ts`): holds a share of the
 * subscribers, each a raw `node:http` GET on the feed read with our SSE parser, and notes for
 * every event when it arrived (wall clock: `performance.timeOrigin + performance.now()`, the
 * same clock the host stamps the event with, on the same machine). Answers commands over
 * the IPC channel (`serialization: "advanced"`, so latencies travel as a `Float64Array`).
 * Not a bench module.
 *
 *   argv: <feed URL>
 */
import { type ClientRequest, request } from "node:http";
import { createParser } from "../src/sse/index.js";
import { serveCommands } from "./ipc.js";

export type ReceiverCommand =
  | { op: "connect"; count: number }
  | { op: "progress"; round: number }
  | { op: "take"; round: number; events: number }
  | { op: "close" };

/** What `take` answers: every latency of the round, and whether every subscriber got them all. */
export interface RoundTake {
  latencies: Float64Array;
  /** Subscribers whose events of the round were not exactly 0, 1, … events-1, in order. */
  wrong: number;
  /** Connections that failed or ended since they were opened. */
  broken: number;
  /** This process's CPU time so far (user + system), ms. */
  cpuMs: number;
}

interface Tick {
  round: number;
  i: number;
  t: number;
}

const url = new URL(process.argv[2] ?? "");
/** Per round: how many events arrived (all subscribers), and their latencies (ms). */
const rounds = new Map<number, { received: number; latencies: number[] }>();
const subscribers: Subscriber[] = [];
let broken = 0;

class Subscriber {
  /** The index the next event of `round` must carry; -1: an event out of order or repeated. */
  next = 0;
  round = Number.NaN;
  readonly req: ClientRequest;

  constructor(onOpen: (error?: Error) => void) {
    const parser = createParser({ onEvent: (event) => this.#onEvent(event.data) });
    this.req = request(url, { agent: false, headers: { accept: "text/event-stream" } });
    this.req.on("error", (error) => {
      broken += 1;
      onOpen(error);
    });
    this.req.on("response", (res) => {
      if (res.statusCode !== 200) {
        onOpen(new Error(`feed answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.on("data", (chunk: Buffer) => parser.feed(chunk));
      res.on("end", () => {
        broken += 1;
      });
      onOpen();
    });
    this.req.end();
  }

  #onEvent(data: string): void {
    const now = performance.timeOrigin + performance.now();
    const tick = JSON.parse(data) as Tick;
    if (tick.round !== this.round) {
      this.round = tick.round;
      this.next = 0;
    }
    this.next = tick.i === this.next && this.next >= 0 ? this.next + 1 : -1;
    let stats = rounds.get(tick.round);
    if (stats === undefined) {
      stats = { received: 0, latencies: [] };
      rounds.set(tick.round, stats);
    }
    stats.received += 1;
    stats.latencies.push(now - tick.t);
  }
}

/** Open `count` more subscribers at once; resolves when every one has its 200 answer. */
function connect(count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let open = 0;
    for (let n = 0; n < count; n++)
      subscribers.push(
        new Subscriber((error) => {
          if (error) reject(error);
          else if (++open === count) resolve(subscribers.length);
        }),
      );
  });
}

function take(round: number, events: number): RoundTake {
  const stats = rounds.get(round);
  rounds.delete(round);
  const wrong = subscribers.filter((s) => s.round !== round || s.next !== events).length;
  const cpu = process.cpuUsage();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { latencies: Float64Array.from(stats?.latencies ?? []), wrong, broken, cpuMs };
}

async function handle(command: ReceiverCommand): Promise<unknown> {
  switch (command.op) {
    case "connect":
      return connect(command.count);
    case "progress":
      return rounds.get(command.round)?.received ?? 0;
    case "take":
      return take(command.round, command.events);
    case "close":
      for (const s of subscribers) s.req.destroy();
      setImmediate(() => process.exit(0));
      return null;
  }
}

serveCommands<ReceiverCommand>(handle, true);
