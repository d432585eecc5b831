import { chmod, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

// Everything under DATA_DIR (claims, PoE, roster, bot state, conversation references, mail) is
// for the bot's own user only: files 0600, folders 0700.

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_FOLDER_MODE = 0o700;

/**
 * Makes the process create private files and folders from now on (umask 077: it covers every
 * writer, whichever module it lives in) and tightens what an earlier version or an operator left
 * readable: DATA_DIR's own entries (a hand-written roster.jsonl) at every start, the whole tree
 * when DATA_DIR itself is not yet 0700 (everything below it since was created under the umask).
 */
export async function keepDataPrivate(dataDir: string): Promise<void> {
  process.umask(0o077);
  const tightened = ((await lstat(dataDir)).mode & 0o777) === PRIVATE_FOLDER_MODE;
  await tighten(dataDir, !tightened);
}

async function tighten(folder: string, deep: boolean): Promise<void> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    // Links are left alone: their targets are not ours to change.
    if (entry.isDirectory()) await (deep ? tighten(path, true) : chmod(path, PRIVATE_FOLDER_MODE));
    else if (entry.isFile()) await chmod(path, PRIVATE_FILE_MODE);
  }
  // The folder last, so a crash half-way leaves it open to a second walk at the next start.
  await chmod(folder, PRIVATE_FOLDER_MODE);
}
