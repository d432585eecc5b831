import { hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

// Durable writes (temporary file, fsync, rename, fsync of the folder) made by four worker threads
// with blocking calls, one message each way per write. Made from the event loop, the same write
// is eight asynchronous calls, and each costs the loop a round trip through libuv's pool: about
// 200 µs of the loop per write, against under 100 µs for the two messages (bench/README.md).
// The calls and their order are the same, so a crash at any instant still leaves the old or the
// new content; a write is acknowledged only when the thread has synced the folder.
// The threads also read whole files and take their digests: fs.readFile is four trips through
// the pool, and cost the loop 70 to 200 µs a claim file against 30 to 45 µs for the two messages
// (one file of 11 kB at a time, ten in flight).

export type DurableJob =
  | { kind: 'write'; path: string; temporary: string; mode: number; content: string | Uint8Array; digest?: boolean }
  | { kind: 'remove'; path: string }
  | { kind: 'sync-folder'; path: string }
  | RewriteJob;

/** Lines added at the end of a file, then synced; the folder too when the file is new. */
export interface AppendJob {
  kind: 'append';
  path: string;
  mode: number;
  content: string;
  syncFolder: boolean;
}

/** A new version of `path` made of the byte ranges given, each followed by a newline, written as `write` does. */
export interface RewriteJob {
  kind: 'rewrite';
  path: string;
  temporary: string;
  mode: number;
  ranges: Array<[offset: number, length: number]>;
}

/** A whole file as read by a thread, and the digest of its bytes (`fileDigest`). */
export interface ReadFile {
  text: string;
  digest: number;
}

/** As many as libuv's pool, which made these calls before: writes to different files overlap their fsyncs. */
const THREADS = 4;

/** Files larger than this come back from a thread as bytes, decoded on the event loop. */
const TEXT_ON_THREAD_LIMIT = 1024 * 1024;

// Plain JavaScript: the thread needs no TypeScript loader, under tsx or built alike.
const THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { dirname } = require('node:path');
const { hash } = require('node:crypto');
// fileDigest's rule, restated: the thread cannot import it.
function digestOf(bytes) {
  return hash('sha1', bytes, 'buffer').readUIntBE(0, 6);
}
function syncFolder(folder) {
  const descriptor = fs.openSync(folder, 'r');
  try { fs.fsyncSync(descriptor); } finally { fs.closeSync(descriptor); }
}
function writeAll(descriptor, bytes) {
  for (let offset = 0; offset < bytes.length; ) offset += fs.writeSync(descriptor, bytes, offset, bytes.length - offset);
}
function readAll(source, into, at, length, offset, path) {
  for (let read = 0; read < length; ) {
    const got = fs.readSync(source, into, at + read, length - read, offset + read);
    if (got === 0) throw new Error(path + ' ends before byte ' + (offset + length));
    read += got;
  }
}
// A new version of job.path: filled into a temporary file, synced, renamed over it, the folder synced.
function replace(job, fill) {
  const descriptor = fs.openSync(job.temporary, 'w', job.mode);
  try {
    fill(descriptor);
    fs.fsyncSync(descriptor);
  } finally {
    fs.closeSync(descriptor);
  }
  try {
    fs.renameSync(job.temporary, job.path);
  } catch (error) {
    try { fs.unlinkSync(job.temporary); } catch {}
    throw error;
  }
  syncFolder(dirname(job.path));
}
function write(job) {
  const bytes = typeof job.content === 'string' ? Buffer.from(job.content) : job.content;
  replace(job, (descriptor) => writeAll(descriptor, bytes));
  return job.digest ? digestOf(bytes) : undefined;
}
// A large file goes back as bytes, so its text is not made on this thread's small heap.
function read(job) {
  let bytes;
  try {
    bytes = fs.readFileSync(job.path);
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
  const digest = digestOf(bytes);
  return bytes.length > ${TEXT_ON_THREAD_LIMIT} ? { bytes, digest } : { text: bytes.toString('utf8'), digest };
}
function endsWithNewline(descriptor, size) {
  const last = Buffer.alloc(1);
  return fs.readSync(descriptor, last, 0, 1, size - 1) === 1 && last[0] === 0x0a;
}
// Where the lines start; a failed append is cut off again, so no part of it is read back later.
// Should the cut-off fail too, the file ends inside a line: the next append starts on a new line,
// so its own lines stay whole (the reader skips the broken one and the empty one).
function append(job) {
  let bytes = Buffer.from(job.content);
  const descriptor = fs.openSync(job.path, 'a+', job.mode);
  let start;
  try {
    start = fs.fstatSync(descriptor).size;
    if (start > 0 && !endsWithNewline(descriptor, start)) {
      bytes = Buffer.concat([Buffer.from([0x0a]), bytes]);
      start += 1;
    }
    try {
      writeAll(descriptor, bytes);
      fs.fsyncSync(descriptor);
    } catch (error) {
      try { fs.ftruncateSync(descriptor, start); } catch {}
      throw error;
    }
  } finally {
    fs.closeSync(descriptor);
  }
  if (job.syncFolder) syncFolder(dirname(job.path));
  return start;
}
// Copied through one buffer a megabyte at a time: the journal may be far larger than the thread's heap.
function rewrite(job) {
  const source = fs.openSync(job.path, 'r');
  try {
    replace(job, (descriptor) => {
      let chunk = Buffer.alloc(1024 * 1024);
      let filled = 0;
      for (const [offset, length] of job.ranges) {
        if (filled + length + 1 > chunk.length) {
          writeAll(descriptor, chunk.subarray(0, filled));
          filled = 0;
          if (length + 1 > chunk.length) chunk = Buffer.alloc(length + 1);
        }
        readAll(source, chunk, filled, length, offset, job.path);
        chunk[filled + length] = 0x0a;
        filled += length + 1;
      }
      writeAll(descriptor, chunk.subarray(0, filled));
    });
  } finally {
    fs.closeSync(source);
  }
}
function run(id, job) {
  try {
    let result;
    if (job.kind === 'write') result = write(job);
    else if (job.kind === 'read') result = read(job);
    else if (job.kind === 'append') result = append(job);
    else if (job.kind === 'rewrite') rewrite(job);
    else if (job.kind === 'remove') { fs.unlinkSync(job.path); syncFolder(dirname(job.path)); }
    else syncFolder(job.path);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: error.message, code: error.code, syscall: error.syscall, path: error.path } });
  }
}
// Jobs come in batches, in order; each is answered as soon as it is done.
parentPort.on('message', (jobs) => {
  for (const { id, job } of jobs) run(id, job);
});
`;

type ThreadJob = DurableJob | AppendJob | { kind: 'read'; path: string };

interface Waiting {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

class WriteThread {
  private readonly waiting = new Map<number, Waiting>();
  /**
   * Jobs given since the last message, sent together once the current callback and its promise
   * reactions are done: a message costs the loop 10 to 20 µs, and a batch little more than one.
   */
  private batch: Array<{ id: number; job: ThreadJob }> = [];
  private worker: Worker | undefined;

  get load(): number {
    return this.waiting.size;
  }

  run(id: number, job: ThreadJob): Promise<unknown> {
    const worker = this.started();
    return new Promise<unknown>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Holds the process open only while a write is in flight.
      if (this.waiting.size === 1) worker.ref();
      this.batch.push({ id, job });
      if (this.batch.length === 1) process.nextTick(() => this.send());
    });
  }

  private send(): void {
    // Jobs of a thread that died meanwhile were failed with it.
    const jobs = this.batch.filter(({ id }) => this.waiting.has(id));
    this.batch = [];
    if (jobs.length > 0) this.started().postMessage(jobs);
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    // Small limits: the thread keeps nothing but the job in hand.
    const worker = new Worker(THREAD_SOURCE, { eval: true, execArgv: [], resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 } });
    worker.unref();
    worker.on('message', (message: { id: number; result?: unknown; error?: { message: string; code?: string; syscall?: string; path?: string } }) => {
      const waiting = this.waiting.get(message.id);
      if (!waiting) return;
      this.waiting.delete(message.id);
      if (this.waiting.size === 0) worker.unref();
      if (message.error) waiting.reject(Object.assign(new Error(message.error.message), message.error));
      else waiting.resolve(message.result);
    });
    // A thread that dies fails what it held (nothing was acknowledged); the next write starts another.
    const fail = (error: Error): void => {
      if (this.worker === worker) this.worker = undefined;
      for (const waiting of this.waiting.values()) waiting.reject(error);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the durable write thread stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }
}

const threads = Array.from({ length: THREADS }, () => new WriteThread());
let lastId = 0;

/** Runs one durable file operation on the least busy write thread. */
export async function runDurably(job: DurableJob): Promise<void> {
  await runOnThread(job);
}

/** Writes as `runDurably` does; returns the digest of the bytes written (`fileDigest`). */
export async function writeDurablyWithDigest(job: Extract<DurableJob, { kind: 'write' }>): Promise<number> {
  return (await runOnThread({ ...job, digest: true })) as number;
}

/** A whole file and its digest, read on a thread; undefined when there is no such file. */
export async function readWithDigest(path: string): Promise<ReadFile | undefined> {
  const read = (await runOnThread({ kind: 'read', path })) as { text?: string; bytes?: Uint8Array; digest: number } | undefined;
  if (!read) return undefined;
  const text = read.text ?? Buffer.from(read.bytes!.buffer, read.bytes!.byteOffset, read.bytes!.byteLength).toString('utf8');
  return { text, digest: read.digest };
}

/** 48 bits of the SHA-1 of a file's bytes (a text's UTF-8): a number, so 100,000 files keep about 5 MB of them. */
export function fileDigest(content: string | Uint8Array): number {
  return hash('sha1', content, 'buffer').readUIntBE(0, 6);
}

/** Appends durably; returns the offset at which the content starts. */
export async function appendDurably(job: AppendJob): Promise<number> {
  return (await runOnThread(job)) as number;
}

function runOnThread(job: ThreadJob): Promise<unknown> {
  lastId += 1;
  const thread = threads.reduce((least, candidate) => (candidate.load < least.load ? candidate : least));
  return thread.run(lastId, job);
}
