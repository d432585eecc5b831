import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { checkBlobName, checkBlobSize, type BlobStore } from '../../services/store/blobStore.js';
import { removeFileDurably, syncFolder, writeFileDurably } from '../../services/store/durableJsonFile.js';
import { PRIVATE_FILE_MODE } from '../../services/store/privateFiles.js';

// Blobs as files under DATA_DIR, at their name's path (where earlier versions kept PoE files,
// mails and the link secret). Every write is durable: temporary file, fsync, then rename (put)
// or hard link (create: the link fails if the name is taken, atomically), fsync the folder.
// A folder made for a blob is synced into its parent too, and known from then on: each mail
// written into outbox-mail/ used to ask the file system to make the folder again.

export class FileBlobStore implements BlobStore {
  private readonly root: string;
  /** Folders made or found here: a write into one goes straight to its file. */
  private readonly folders = new Set<string>();

  constructor(dataDir: string) {
    this.root = resolve(dataDir);
  }

  async create(name: string, bytes: Uint8Array): Promise<boolean> {
    checkBlobSize(name, bytes);
    const path = this.pathOf(name);
    const temporary = join(dirname(path), `.${randomUUID()}.part`);
    const handle = await this.inFolderOf(path, () => open(temporary, 'wx', PRIVATE_FILE_MODE));
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temporary, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
    await syncFolder(dirname(path));
    return true;
  }

  async put(name: string, bytes: Uint8Array): Promise<void> {
    checkBlobSize(name, bytes);
    const path = this.pathOf(name);
    await this.inFolderOf(path, () => writeFileDurably(path, bytes));
  }

  async get(name: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(name));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async remove(name: string): Promise<void> {
    await removeFileDurably(this.pathOf(name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  locationOf(name: string): string {
    return this.pathOf(name);
  }

  /** Runs `write` once `path`'s folder exists; a folder removed since it was known is made again. */
  private async inFolderOf<T>(path: string, write: () => Promise<T>): Promise<T> {
    const folder = dirname(path);
    if (!this.folders.has(folder)) await this.makeFolder(folder);
    try {
      return await write();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      this.folders.delete(folder);
      await this.makeFolder(folder);
      return write();
    }
  }

  private async makeFolder(folder: string): Promise<void> {
    const outermost = await mkdir(folder, { recursive: true });
    // Each folder made is an entry in its parent, lost in a crash until the parent is synced.
    if (outermost !== undefined) {
      for (let made = folder; made.length >= outermost.length; made = dirname(made)) await syncFolder(dirname(made));
    }
    this.folders.add(folder);
  }

  private pathOf(name: string): string {
    const path = resolve(this.root, checkBlobName(name));
    if (!path.startsWith(this.root + sep)) throw new Error(`blob ${name} leaves DATA_DIR`);
    return path;
  }
}
