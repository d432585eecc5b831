import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { z } from 'zod';
import type { Clock } from '../../services/clock.js';
import {
  FindingSchema,
  PrecheckReportSchema,
  UNREADABLE_REASONS,
  type PoeChecker,
  type PrecheckFacts,
  type PrecheckInput,
  type PrecheckReport,
} from '../../services/precheck.js';

/** The engine always has a worker to stop. */
export type PoeWorkerChecker = Required<PoeChecker>;
import { unreadableReading, type Reading } from './extraction.js';
import { ocrToolsAvailable } from './ocr.js';
import type { ExtractRequest, FileChunk } from './extractWorker.js';

// The PoE pre-check: a file is read and checked in a worker thread (extractWorker.ts), one file
// at a time, under a time limit and a heap limit; only the findings come back to this thread.
// Whatever the file does to the worker, the caller gets a report, never an error.

/** Stored with each report: a report from an older checker is re-run. Bump when findings change. */
export const CHECKER_VERSION = 'poe-precheck 1.0.0';

export interface PoeCheckerOptions {
  clock: Clock;
  /** Per file, reading and OCR together (60 s). */
  timeLimitMs?: number;
  /** Pages, slides or sheets read at most (200); beyond it the report says `truncated`. */
  maxUnits?: number;
  /** What the parts of one Office file may inflate to, together (64 MiB). */
  maxInflatedBytes?: number;
  /** 'auto': OCR scanned pages and images when tesseract and pdftoppm are installed. */
  ocr?: 'auto' | 'off';
  /** Scanned pages read by OCR at most per file (20). */
  maxOcrPages?: number;
  /** The worker's old-generation heap (512 MB): beyond it the file is too large. */
  maxHeapMb?: number;
}

const ReadingSchema = z.object({
  unitCount: z.number().int().nonnegative(),
  truncated: z.boolean(),
  ocr: z.boolean(),
  unreadable: z.enum(UNREADABLE_REASONS).optional(),
  findings: z.array(FindingSchema),
});

const WorkerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('done'), id: z.number(), reading: ReadingSchema }),
  z.object({ type: z.literal('child'), pid: z.number().int(), running: z.boolean() }),
  z.object({ type: z.literal('temp'), path: z.string(), exists: z.boolean() }),
]);

/** The worker's module beside this one: the .js file in the build, the .ts source under tsx. */
function startExtractWorker(resourceLimits: ResourceLimits): Worker {
  const here = fileURLToPath(import.meta.url);
  // No inherited flags: the parent's (--input-type, a loader, a debugger port) are not the thread's.
  if (!here.endsWith('.ts')) return new Worker(join(dirname(here), 'extractWorker.js'), { execArgv: [], resourceLimits });
  // A worker does not inherit tsx's loader hooks in time for its own first module (Node 20), so
  // under tsx a small bootstrap registers tsx in the thread, then imports the TypeScript source.
  // Resolved by hand: tests load this module as CommonJS, whose resolution would pick tsx's
  // CommonJS entry, and the thread needs the ES module one.
  const require = createRequire(import.meta.url);
  const tsxPackage = require.resolve('tsx/package.json');
  const tsxApi = (JSON.parse(readFileSync(tsxPackage, 'utf8')) as { exports: Record<string, { import: { default: string } }> }).exports['./esm/api']!;
  const tsx = pathToFileURL(join(dirname(tsxPackage), tsxApi.import.default)).href;
  const source = pathToFileURL(join(dirname(here), 'extractWorker.ts')).href;
  // pdfjs (3 MB of plain JavaScript) loads before tsx is registered: through tsx it takes seconds.
  const preload = ['pdfjs-dist/legacy/build/pdf.mjs', 'pdfjs-dist/legacy/build/pdf.worker.mjs'].map(
    (specifier) => pathToFileURL(require.resolve(specifier)).href,
  );
  const bootstrap = `Promise.all(${JSON.stringify(preload)}.map((url) => import(url))).then(() => import(${JSON.stringify(tsx)})).then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`;
  return new Worker(bootstrap, { eval: true, execArgv: [], resourceLimits });
}

/** Bytes handed over per message: copying a megabyte takes a few milliseconds of this thread. */
const CHUNK_BYTES = 1024 * 1024;

/** The file to the thread in chunks, each a copy transferred, with a turn of the event loop between. */
async function sendBytes(worker: Worker, id: number, bytes: Uint8Array, stop: AbortSignal): Promise<void> {
  for (let offset = 0; offset < bytes.length && !stop.aborted; offset += CHUNK_BYTES) {
    const chunk = bytes.slice(offset, offset + CHUNK_BYTES);
    const message: FileChunk = { type: 'chunk', id, offset, bytes: chunk };
    worker.postMessage(message, [chunk.buffer]);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

class ClosedError extends Error {
  constructor() {
    super('the PoE checker is closed');
  }
}

export function createPoeChecker(options: PoeCheckerOptions): PoeWorkerChecker {
  const timeLimitMs = options.timeLimitMs ?? 60_000;
  const maxUnits = options.maxUnits ?? 200;
  const maxInflatedBytes = options.maxInflatedBytes ?? 64 * 1024 * 1024;
  const maxOcrPages = options.maxOcrPages ?? 20;
  const maxHeapMb = options.maxHeapMb ?? 512;
  const ocr = options.ocr === 'off' ? Promise.resolve(false) : ocrToolsAvailable();

  let worker: Worker | undefined;
  let closed = false;
  let nextId = 1;
  let queue: Promise<unknown> = Promise.resolve();
  /** Ends the check in flight, if any, with this outcome. */
  let abortCurrent: ((outcome: Reading | Error) => void) | undefined;
  const children = new Set<number>();
  const tempDirs = new Set<string>();

  const startWorker = (): Worker => {
    const started = startExtractWorker({ maxOldGenerationSizeMb: maxHeapMb, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 });
    started.unref();
    return started;
  };

  /** Stops a worker that misbehaved, with what it left behind: OCR processes and temp folders. */
  const discardWorker = () => {
    void worker?.terminate();
    worker = undefined;
    for (const pid of children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    children.clear();
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    tempDirs.clear();
  };

  const read = async (input: PrecheckInput, facts: PrecheckFacts): Promise<Reading> => {
    const useOcr = await ocr;
    if (closed) throw new ClosedError();
    worker ??= startWorker();
    const current = worker;
    const id = nextId++;
    const stopTimer = new AbortController();
    return new Promise<Reading>((resolve, reject) => {
      const finish = (outcome: Reading | Error) => {
        current.off('message', onMessage);
        current.off('error', onError);
        current.off('exit', onExit);
        current.unref();
        stopTimer.abort();
        abortCurrent = undefined;
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const onMessage = (raw: unknown) => {
        const parsed = WorkerMessageSchema.safeParse(raw);
        if (!parsed.success) return;
        const message = parsed.data;
        if (message.type === 'child') {
          if (message.running) children.add(message.pid);
          else children.delete(message.pid);
        } else if (message.type === 'temp') {
          if (message.exists) tempDirs.add(message.path);
          else tempDirs.delete(message.path);
        } else if (message.id === id) {
          const { unreadable, ...rest } = message.reading;
          finish({ ...rest, ...(unreadable ? { unreadable } : {}) });
        }
      };
      // Out of heap (resourceLimits) is a file too large to read; anything else, a broken one.
      const onError = (error: Error & { code?: string }) => {
        discardWorker();
        finish(unreadableReading(error.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'too-large' : 'broken'));
      };
      const onExit = () => {
        if (worker === current) worker = undefined;
        finish(unreadableReading('broken'));
      };
      abortCurrent = finish;
      current.on('message', onMessage);
      current.on('error', onError);
      current.on('exit', onExit);
      current.ref();
      void options.clock.sleep(timeLimitMs, stopTimer.signal).then(() => {
        if (stopTimer.signal.aborted) return;
        discardWorker();
        finish(unreadableReading('timed-out'));
      });
      const request: ExtractRequest = {
        type: 'file',
        id,
        name: input.name,
        contentType: input.contentType,
        size: input.bytes.length,
        options: { maxUnits, maxInflatedBytes, ocr: useOcr, maxOcrPages, toolTimeoutMs: timeLimitMs },
        facts,
      };
      current.postMessage(request);
      void sendBytes(current, id, input.bytes, stopTimer.signal);
    });
  };

  const checkNow = async (input: PrecheckInput, facts: PrecheckFacts): Promise<PrecheckReport> => {
    const reading = await read(input, facts);
    return PrecheckReportSchema.parse({
      checkerVersion: CHECKER_VERSION,
      checkedAt: options.clock.now().toISOString(),
      units: reading.unitCount,
      ...(reading.truncated ? { truncated: true } : {}),
      ...(reading.unreadable ? { unreadable: reading.unreadable } : {}),
      ocr: reading.ocr,
      findings: reading.findings,
    });
  };

  return {
    version: CHECKER_VERSION,
    check(input, facts) {
      if (closed) return Promise.reject(new ClosedError());
      // One file at a time: the worker is one thread, and the bot's turns share the machine.
      const result = queue.then(() => checkNow(input, facts));
      queue = result.catch(() => undefined);
      return result;
    },
    /** Stops the worker; checks still running or queued are rejected. */
    async close() {
      closed = true;
      abortCurrent?.(new ClosedError());
      discardWorker();
      await queue;
    },
  };
}
