import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Every file under `root` (which must exist) whose path runs through a folder named `folder`:
 * an assertion that none is kept cannot pass by looking in the wrong place.
 */
export async function storedFilesIn(root: string, folder: string): Promise<string[]> {
  await stat(root);
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => path.slice(root.length).split(/[\\/]/).includes(folder));
}
