import { performance } from 'node:perf_hooks';
import { memoryUsage } from 'node:process';
import type { RunningApp } from '../../bot/app.js';
import { LoopWatch, type LoopFigures } from './loopWatch.js';

// The bot under test, in its own process (forked by botProcess.ts), so the load generator and
// the stand-in connector do not share its event loop and its RSS is its own.
//
//   turnServer.ts echo                 the floor (bench/echoBot.ts)
//   turnServer.ts product <DATA_DIR> [<extra environment as JSON>]
//                                      the product, as bot/index.ts starts it (startApp), with a
//                                      stand-in directory and no app id (local mode)
//
// Talks to the parent over IPC: sends { type: 'ready', url } once listening; answers
// { type: 'rss' }, { type: 'memory' } (RSS and the V8 heap, after a full collection when the
// process runs with --expose-gc) and { type: 'pending' } (alerts waiting for delivery);
// { type: 'loop-start' } and { type: 'loop-stop' } watch the event loop between them (loopWatch.ts);
// { type: 'statements' } answers how many statements it has sent to PostgreSQL (statementCount.ts);
// { type: 'stop' } stops.

export type ServerRequest = { id: number; type: 'rss' | 'memory' | 'pending' | 'loop-start' | 'loop-stop' | 'statements' | 'stop' };

/** process.memoryUsage() of the bot, in bytes. */
export interface MemoryFigures {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  /** Memory outside the V8 heap held by JavaScript objects (Buffers, ArrayBuffers) included. */
  external: number;
}

export type ServerMessage =
  | { type: 'ready'; url: string; startMs: number }
  | { type: 'reply'; id: number; value: number }
  | { type: 'memory'; id: number; value: MemoryFigures }
  | { type: 'loop'; id: number; value: LoopFigures }
  | { type: 'failed'; message: string };

const send = (message: ServerMessage): void => {
  process.send?.(message);
};

interface Running {
  url: string;
  /** Statements sent to PostgreSQL so far (statementCount.ts); none for the floor. */
  statements(): number;
  /** How long starting took once this module was loaded: for the product, startApp until it listens. */
  startMs: number;
  pending(): Promise<number>;
  stop(): Promise<void>;
}

let logged = 0;
const log = (message: string, error?: unknown): void => {
  logged += 1;
  // The first few are worth seeing; a flood would only slow the bot being measured.
  if (logged <= 5) console.error(`[bench bot] ${message}`, error instanceof Error ? error.message : (error ?? ''));
};

// Each kind loads only its own modules: the floor is the echo bot alone, not the echo bot beside
// the product's code (its source, compiled functions and module state are the product's costs).
async function start(kind: string, dataDir: string | undefined, extra: Record<string, string>): Promise<Running> {
  if (kind === 'echo') {
    const { startEchoBot } = await import('../echoBot.js');
    const started = performance.now();
    const echo = await startEchoBot();
    return { url: echo.url, startMs: performance.now() - started, statements: () => 0, pending: async () => 0, stop: echo.close };
  }
  if (kind !== 'product' || !dataDir) throw new Error('usage: turnServer.ts echo | product <DATA_DIR>');
  const [{ startApp }, { loadConfig }, { benchDirectory }, { freePort }] = await Promise.all([
    import('../../bot/app.js'),
    import('../../bot/config.js'),
    import('./benchActors.js'),
    import('../../test/support/freePort.js'),
  ]);
  // Counted on PostgreSQL only: the counter loads node-postgres, which the files engine does not.
  let statementsSent = (): number => 0;
  if (extra.STORE === 'postgres') {
    const counter = await import('./statementCount.js');
    counter.countStatements();
    statementsSent = counter.statementsSent;
  }
  // The configuration wants a real port number: take one the system says is free.
  const port = await freePort();
  const environment: NodeJS.ProcessEnv = { NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ...extra };
  const started = performance.now();
  const app: RunningApp = await startApp({ config: loadConfig(environment), environment, directory: benchDirectory, log });
  return {
    url: `${app.url}/api/messages`,
    startMs: performance.now() - started,
    statements: statementsSent,
    // From the index (its count of each claim's pending alerts), not by reading each claim with
    // alerts, nor their whole summaries: the bench asks between runs, and what the question made
    // in the bot's process (documents read; on the files engine, a summary object per claim) was
    // collected at the start of the next run, up to 114 ms of it, which its p99 measured.
    pending: async () => {
      const alerts = await app.repository.pendingAlertsOf(await app.repository.idsWithPendingAlerts());
      return [...alerts.values()].reduce((sum, claim) => sum + claim.pendingAlerts, 0);
    },
    stop: app.stop,
  };
}

/**
 * RSS as the process holds it; the heap after a full collection when the process runs with
 * --expose-gc, since heapUsed otherwise counts garbage not yet collected (a sawtooth, not a trend).
 */
function memoryNow(): MemoryFigures {
  const rss = memoryUsage.rss();
  (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, heapTotal, external } = memoryUsage();
  return { rss, heapUsed, heapTotal, external };
}

const loop = new LoopWatch();

try {
  const running = await start(process.argv[2] ?? '', process.argv[3] || undefined, JSON.parse(process.argv[4] ?? '{}') as Record<string, string>);
  process.on('message', (message: ServerRequest) => {
    void (async () => {
      if (message.type === 'rss') send({ type: 'reply', id: message.id, value: memoryUsage.rss() });
      else if (message.type === 'memory') send({ type: 'memory', id: message.id, value: memoryNow() });
      else if (message.type === 'pending') send({ type: 'reply', id: message.id, value: await running.pending() });
      else if (message.type === 'loop-start') {
        loop.start();
        send({ type: 'reply', id: message.id, value: 0 });
      } else if (message.type === 'loop-stop') send({ type: 'loop', id: message.id, value: loop.stop() });
      else if (message.type === 'statements') send({ type: 'reply', id: message.id, value: running.statements() });
      else {
        await running.stop();
        if (logged > 5) console.error(`[bench bot] ${logged - 5} more log lines not shown`);
        send({ type: 'reply', id: message.id, value: logged });
        process.disconnect();
      }
    })();
  });
  send({ type: 'ready', url: running.url, startMs: running.startMs });
} catch (error) {
  send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.exitCode = 1;
  process.disconnect();
}
