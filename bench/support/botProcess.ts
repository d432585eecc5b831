import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { compiledTurnServer } from './compiledBots.js';
import type { LoopFigures } from './loopWatch.js';
import type { MemoryFigures, ServerMessage, ServerRequest } from './turnServer.js';

// The parent's handle on a bot running in its own process (turnServer.ts, compiled: compiledBots.ts).

export interface BotProcess {
  /** The messaging endpoint, http://127.0.0.1:<port>/api/messages. */
  url: string;
  pid: number;
  /** From fork until the bot listened (module loading and compiling included). */
  readyMs: number;
  /** The bot's own start, measured inside it once its modules were loaded (the product: startApp until it listens). */
  startMs: number;
  /** The bot process's resident set size, in bytes. */
  rss(): Promise<number>;
  /** RSS, and the V8 heap (live objects only when started with --expose-gc, see turnServer.ts). */
  memory(): Promise<MemoryFigures>;
  /** Starts watching the bot's event loop (loopWatch.ts). */
  watchLoop(): Promise<void>;
  /** How busy the loop was since watchLoop(). */
  loopFigures(): Promise<LoopFigures>;
  /** Statements the bot has sent to PostgreSQL since it started (statementCount.ts; 0 without STORE=postgres). */
  statementsSent(): Promise<number>;
  /** Alerts the product's outbox still has to deliver (always 0 for the echo bot). */
  pendingAlerts(): Promise<number>;
  /** Stops the bot the way bot/index.ts does on SIGTERM and waits for the process to end; resolves with the lines it logged. */
  stop(): Promise<number>;
  /** Freezes the process (SIGSTOP), so its background work (delivery) takes no CPU from another bot's run. */
  pause(): void;
  /** Lets a paused process run again (SIGCONT). */
  resume(): void;
}

export interface StartOptions {
  /** Extra node flags for the bot process, e.g. ['--cpu-prof', '--cpu-prof-dir=/tmp/x']. */
  nodeFlags?: readonly string[];
  /** Extra environment for the product (e.g. DELIVERY_GLOBAL_RATE), on top of the bench's own. */
  environment?: Record<string, string>;
}

export async function startBotProcess(kind: 'echo' | 'product', dataDir?: string, options: StartOptions = {}): Promise<BotProcess> {
  const server = compiledTurnServer();
  const forked = performance.now();
  const child: ChildProcess = fork(server, [kind, dataDir ?? '', JSON.stringify(options.environment ?? {})], {
    // Node alone, not the bench's own tsx loader. restify 11 reads process.binding('http_parser'):
    // its deprecation warning is noise here.
    execArgv: ['--no-deprecation', ...(options.nodeFlags ?? [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let nextId = 0;
  const waiting = new Map<number, (value: number | MemoryFigures | LoopFigures) => void>();

  const { url, startMs } = await new Promise<{ url: string; startMs: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} bot exited with ${code} before it was ready`)));
    child.on('message', (message: ServerMessage) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'failed') reject(new Error(`${kind} bot failed to start: ${message.message}`));
      else {
        waiting.get(message.id)?.(message.value);
        waiting.delete(message.id);
      }
    });
  });

  const request = (type: ServerRequest['type']): Promise<number | MemoryFigures | LoopFigures> =>
    new Promise((resolve) => {
      nextId += 1;
      waiting.set(nextId, resolve);
      child.send({ id: nextId, type } satisfies ServerRequest);
    });
  const ask = async (type: Exclude<ServerRequest['type'], 'memory' | 'loop-stop'>): Promise<number> => (await request(type)) as number;

  const readyMs = performance.now() - forked;
  return {
    url,
    pid: child.pid ?? 0,
    readyMs,
    startMs,
    rss: () => ask('rss'),
    memory: async () => (await request('memory')) as MemoryFigures,
    watchLoop: async () => void (await ask('loop-start')),
    loopFigures: async () => (await request('loop-stop')) as LoopFigures,
    statementsSent: () => ask('statements'),
    pendingAlerts: () => ask('pending'),
    pause: () => void child.kill('SIGSTOP'),
    resume: () => void child.kill('SIGCONT'),
    stop: async () => {
      // A paused process would never read the request to stop.
      child.kill('SIGCONT');
      const logged = await ask('stop');
      await exited;
      return logged;
    },
  };
}
