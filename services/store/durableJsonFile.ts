import { close, fsync, open, readFile as readFileWithCallback, write } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { promisify } from 'node:util';
import { dirname } from 'node:path';
import type { Adapter } from 'lowdb';
import { fileDigest, runDurably, writeDurablyWithDigest } from './durableWriteThreads.js';
import { PRIVATE_FILE_MODE } from './privateFiles.js';

// A lowdb adapter that writes a JSON file so that a crash at any instant leaves either the old
// or the new content: write a temporary file, fsync it, rename it over the target, fsync the
// folder. lowdb's own JSONFile renames but never fsyncs, so an acknowledged write could be lost.

let temporaryCounter = 0;

// Writes go to the write threads (durableWriteThreads.ts); a large one (a PoE file) is written
// from here with raw descriptors rather than fs/promises' FileHandle, which costs the event loop
// about twice the time per write.
// Reads here (lowdb's adapter) likewise use the callback readFile, which costs the event loop about
// a third less than fs/promises' (measured on a claim file); claim files themselves are read on
// the write threads (readWithDigest).
const readFile = promisify(readFileWithCallback);
const openDescriptor = promisify(open);
const writeDescriptor = promisify(write);
const syncDescriptor = promisify(fsync);
const closeDescriptor = promisify(close);

export class DurableJsonFile<T> implements Adapter<T> {
  constructor(
    private readonly path: string,
    private readonly parse: (value: unknown) => T = (value) => value as T,
  ) {}

  async read(): Promise<T | null> {
    const text = await readTextIfPresent(this.path);
    return text === undefined ? null : this.parse(parseJsonText(this.path, text));
  }

  async write(data: T): Promise<void> {
    await writeFileDurably(this.path, JSON.stringify(data));
  }
}

/** Beyond this, the bytes are written from the event loop rather than copied to a write thread. */
const THREAD_WRITE_LIMIT = 1024 * 1024;

/** A name beside `path` that no other write of this process or another one uses. */
export function temporaryPathFor(path: string): string {
  temporaryCounter += 1;
  return `${path}.${process.pid}.${temporaryCounter}.tmp`;
}

export async function writeFileDurably(path: string, content: string | Uint8Array): Promise<void> {
  const temporary = temporaryPathFor(path);
  // Private whatever the process umask: the scripts write the roster through here too.
  if (content.length <= THREAD_WRITE_LIMIT) return runDurably({ kind: 'write', path, temporary, mode: PRIVATE_FILE_MODE, content });
  const descriptor = await openDescriptor(temporary, 'w', PRIVATE_FILE_MODE);
  try {
    await writeAll(descriptor, typeof content === 'string' ? Buffer.from(content) : content);
    await syncDescriptor(descriptor);
  } finally {
    await closeDescriptor(descriptor);
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncFolder(dirname(path));
}

/** Writes as `writeFileDurably` does; returns the digest of the bytes written (`fileDigest`). */
export async function writeTextWithDigest(path: string, text: string): Promise<number> {
  if (text.length > THREAD_WRITE_LIMIT) {
    await writeFileDurably(path, text);
    return fileDigest(text);
  }
  return writeDurablyWithDigest({ kind: 'write', path, temporary: temporaryPathFor(path), mode: PRIVATE_FILE_MODE, content: text });
}

/** A write may take fewer bytes than asked (rarely, for a regular file): the rest follows. */
async function writeAll(descriptor: number, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length;) {
    const { bytesWritten } = await writeDescriptor(descriptor, bytes, offset, bytes.length - offset, null);
    offset += bytesWritten;
  }
}

/** A stored file's JSON, or an error that names the file. */
export function parseJsonText(path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** A file's text, or undefined when there is no such file (any other failure is thrown). */
export async function readTextIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function removeFileDurably(path: string): Promise<void> {
  return runDurably({ kind: 'remove', path });
}

export function syncFolder(folder: string): Promise<void> {
  return runDurably({ kind: 'sync-folder', path: folder });
}
