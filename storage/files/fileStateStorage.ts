import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Storage, StoreItems } from 'botbuilder';
import { removeFileDurably, writeFileDurably } from '../../services/store/durableJsonFile.js';
import { KeyedMutex } from '../../services/store/keyedMutex.js';

// Bot state (dialog stacks, user preferences) on the embedded store, so a half-finished dialog
// continues after a restart. One durable file per key; eTags give optimistic concurrency as
// botbuilder expects: a write whose eTag is stale is refused, `*` or none overwrites.

interface StoredItem {
  key: string;
  eTag: string;
  item: Record<string, unknown>;
}

export class FileStorage implements Storage {
  private readonly folder: string;
  private readonly locks = new KeyedMutex();
  private ready: Promise<unknown> | undefined;

  constructor(dataDir: string) {
    this.folder = join(dataDir, 'state');
  }

  async read(keys: string[]): Promise<StoreItems> {
    await this.ensureFolder();
    const items: StoreItems = {};
    for (const key of keys) {
      const stored = await this.load(key);
      if (stored) items[key] = { ...stored.item, eTag: stored.eTag };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    await this.ensureFolder();
    await Promise.all(
      Object.entries(changes).map(([key, change]) =>
        this.locks.run(key, async () => {
          const { eTag: expected, ...item } = (change ?? {}) as Record<string, unknown> & { eTag?: string };
          const stored = await this.load(key);
          if (stored && expected && expected !== '*' && expected !== stored.eTag) {
            throw new Error(`Storage: the eTag of "${key}" changed (another turn wrote it first)`);
          }
          const eTag = String(Number(stored?.eTag ?? 0) + 1);
          const record: StoredItem = { key, eTag, item };
          await writeFileDurably(this.pathOf(key), JSON.stringify(record));
        }),
      ),
    );
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map((key) =>
        this.locks.run(key, async () => {
          await removeFileDurably(this.pathOf(key)).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          });
        }),
      ),
    );
  }

  /** Every stored item with its key (the copy to PostgreSQL reads them all). */
  async entries(): Promise<Array<{ key: string; item: Record<string, unknown> }>> {
    await this.ensureFolder();
    const names = (await readdir(this.folder)).filter((name) => /^[0-9a-f]{64}\.json$/.test(name));
    const stored = await Promise.all(names.map(async (name) => JSON.parse(await readFile(join(this.folder, name), 'utf8')) as StoredItem));
    return stored.map(({ key, item }) => ({ key, item }));
  }

  private async load(key: string): Promise<StoredItem | undefined> {
    try {
      return JSON.parse(await readFile(this.pathOf(key), 'utf8')) as StoredItem;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Keys hold channel and user ids with characters no file name should: hash them. */
  private pathOf(key: string): string {
    return join(this.folder, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  private ensureFolder(): Promise<unknown> {
    this.ready ??= mkdir(this.folder, { recursive: true });
    return this.ready;
  }
}
