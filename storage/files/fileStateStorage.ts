import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Storage, StoreItems } from 'botbuilder';
import { removeFileDurably, writeFileDurably } from '../../services/store/durableJsonFile.js';
import { KeyedMutex } from '../../services/store/keyedMutex.js';
import { RecentlyUsed } from '../../services/store/recentlyUsed.js';

// Bot state (dialog stacks, user preferences) on the embedded store, so a half-finished dialog
// continues after a restart. One durable file per key; eTags give optimistic concurrency as
// botbuilder expects: a write whose eTag is stale is refused, `*` or none overwrites. Every turn
// reads its conversation's and its user's state, so the texts last read or written are kept:
// one process owns a DATA_DIR, and reads and writes of a key take its lock, so a kept text is
// the file's. Each read parses its own copy, which botbuilder then changes. A key without a file
// is kept as such too: most turns read a conversation state that was never written, and a failed
// open is an error built, stack and all, on every turn.

/** The kept texts' total length; the least recently used leave first. */
const KEPT_TEXT_BYTES = 1024 * 1024;

interface StoredItem {
  key: string;
  eTag: string;
  item: Record<string, unknown>;
}

export class FileStorage implements Storage {
  private readonly folder: string;
  private readonly locks = new KeyedMutex();
  /** The file's text, or null when there is no file. */
  private readonly kept = new RecentlyUsed<string | null>(KEPT_TEXT_BYTES);
  private ready: Promise<unknown> | undefined;

  constructor(dataDir: string) {
    this.folder = join(dataDir, 'state');
  }

  async read(keys: string[]): Promise<StoreItems> {
    await this.ensureFolder();
    const items: StoreItems = {};
    for (const key of keys) {
      const stored = await this.locks.run(key, () => this.load(key));
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
          const text = JSON.stringify({ key, eTag, item } satisfies StoredItem);
          try {
            await writeFileDurably(this.pathOf(key), text);
          } catch (error) {
            // The file may hold either text now (a failed folder sync comes after the rename): read it again.
            this.kept.delete(key);
            throw error;
          }
          this.kept.set(key, text, text.length);
        }),
      ),
    );
  }

  async delete(keys: string[]): Promise<void> {
    await Promise.all(
      keys.map((key) =>
        this.locks.run(key, async () => {
          this.kept.delete(key);
          await removeFileDurably(this.pathOf(key)).catch((error: NodeJS.ErrnoException) => {
            if (error.code !== 'ENOENT') throw error;
          });
          this.kept.set(key, null, key.length);
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

  /** Under the key's lock. */
  private async load(key: string): Promise<StoredItem | undefined> {
    let text = this.kept.get(key);
    if (text === null) return undefined;
    if (text === undefined) {
      try {
        text = await readFile(this.pathOf(key), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        this.kept.set(key, null, key.length);
        return undefined;
      }
    }
    this.kept.set(key, text, text.length);
    return JSON.parse(text) as StoredItem;
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
