import { randomUUID } from 'node:crypto';
import { mkdir, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../services/clock.js';
import {
  assertCollectionName,
  DocumentConflictError,
  tagsMatch,
  type CollectionDefinition,
  type DocumentCollection,
  type DocumentStore,
  type ListEntry,
  type PutOptions,
  type StoredDocument,
  type Tags,
} from '../../services/store/documentStore.js';
import { deepFreeze } from '../../services/store/deepFreeze.js';
import { removeFileDurably } from '../../services/store/durableJsonFile.js';
import { KeyedMutex } from '../../services/store/keyedMutex.js';
import { RecentlyUsed } from '../../services/store/recentlyUsed.js';
import { SharedLock } from '../../services/store/sharedLock.js';
import { checkAppendedEntries, checkSharingEntries } from '../checkedList.js';
import {
  appendedList,
  appendLineOf,
  deletionLineOf,
  entryOf,
  envelopeOf,
  fileNameOf,
  folderOf,
  linesAfterAppend,
  readCollectionFolder,
  valueOfLines,
  wholeLine,
  type Entry,
  type HeldLine,
} from './collectionFolder.js';
import { CollectionJournal } from './collectionJournal.js';

// Documents on the embedded store: each write is a line of the collection's journal,
// DATA_DIR/<collection>/journal.jsonl, holding the key, eTag, expiry and value; documents written
// before the journal stay in files of their own until written again (collectionFolder.ts). One
// process owns a DATA_DIR, so the whole collection is indexed once in memory (key, eTag, expiry,
// tags, place) and writes to one key are serialized in the process. A line or file the schema
// rejects is reported and skipped; the rest of the collection still loads. An append to a list is a
// line of its own with the entries added, so the list is read from its lines together. Once the
// journal is more than twice the lines still read, it is rewritten with those alone.
//
// Values stay in memory only for collections with tags, whose `find` is how they are read
// (conversations, delegations). A collection without tags is read by key (card copies, the
// delivery journal, used consent tokens) and gains documents with every alert and card sent, so
// its values are read from their files when asked for: in memory it costs its index and the
// values read or written lately (a claim's card copies are read and written on every card sent).

/** What a collection keeps of a document in memory: the value only when it has tags. */
type Held<T> = Omit<Entry<T>, 'value'> & { value?: T };

/** What the values kept of a collection without tags may weigh together (their files' lengths). */
const RECENT_VALUE_BYTES = 2 * 1024 * 1024;

/** A journal smaller than this is not rewritten, however much of it is superseded. */
const JOURNAL_REWRITE_BYTES = 4 * 1024 * 1024;

/** The tags of every document of a collection without tags: one object for them all. */
const NO_TAGS: Tags = Object.freeze({});

export interface FileDocumentStoreOptions {
  dataDir: string;
  clock: Clock;
  log?: (message: string, error?: unknown) => void;
  /** The journal size from which it is rewritten once mostly superseded (smaller in tests). */
  journalRewriteBytes?: number;
}

export class FileDocumentStore implements DocumentStore {
  private readonly collections = new Map<string, Promise<DocumentCollection<unknown>>>();

  constructor(private readonly options: FileDocumentStoreOptions) {}

  collection<T>(definition: CollectionDefinition<T>): Promise<DocumentCollection<T>> {
    assertCollectionName(definition.name);
    let opened = this.collections.get(definition.name);
    if (!opened) {
      opened = FileCollection.open(definition, this.options) as Promise<DocumentCollection<unknown>>;
      this.collections.set(definition.name, opened);
      // A collection that failed to open may be tried again.
      opened.catch(() => this.collections.delete(definition.name));
    }
    return opened as Promise<DocumentCollection<T>>;
  }
}

class FileCollection<T> implements DocumentCollection<T> {
  /** By file name: a file of the previous layout may only be known by the hash of its key. */
  private readonly entries = new Map<string, Held<T>>();
  private readonly locks = new KeyedMutex();
  /** Shared by every read and write; the journal's rewrite, which moves their lines, takes it alone. */
  private readonly gate = new SharedLock();
  private readonly keepsValues: boolean;
  /** Without tags: values read or written lately, frozen, by file name with the eTag they had. */
  private readonly recentValues = new RecentlyUsed<{ eTag: string; value: T }>(RECENT_VALUE_BYTES);
  /** The bytes of the journal's lines still read. */
  private liveBytes = 0;
  private rewriting = false;

  private constructor(
    private readonly definition: CollectionDefinition<T>,
    private readonly folder: string,
    private readonly journal: CollectionJournal,
    private readonly options: FileDocumentStoreOptions,
    private readonly log: (message: string, error?: unknown) => void,
  ) {
    this.keepsValues = definition.tags !== undefined;
  }

  static async open<T>(definition: CollectionDefinition<T>, options: FileDocumentStoreOptions): Promise<FileCollection<T>> {
    const folder = folderOf(options.dataDir, definition.name);
    await mkdir(folder, { recursive: true });
    const log = options.log ?? (() => undefined);
    const content = await readCollectionFolder(definition, folder, log);
    // Cut off before anything is appended after it: the next line must start a line.
    if (content.journal.tornBytes > 0) await truncate(content.journal.path, content.journal.size);
    const journal = new CollectionJournal(content.journal.path, content.journal.size, content.journal.exists);
    const collection = new FileCollection(definition, folder, journal, options, log);
    for (const [name, entry] of content.entries) collection.hold(name, entry);
    // The journal holds their keys: a file left would come back once the journal is rewritten.
    for (const path of content.superseded) await removeFileDurably(path).catch(ignoreMissing);
    await collection.importLegacy(options.dataDir);
    return collection;
  }

  async get(key: string): Promise<StoredDocument<T> | undefined> {
    if (this.keepsValues) {
      const entry = this.live(key);
      return entry && documentOf(key, entry as Entry<T>);
    }
    return this.readLive(key);
  }

  async put(key: string, value: T, options: PutOptions = {}): Promise<string> {
    // Checked before the write, as the postgres engine's database does. Kept frozen: readers
    // share it rather than each getting a copy.
    const parsed = deepFreeze(checkSharingEntries(this.definition.schema, value, this.keptValue(key)));
    const eTag = await this.gate.shared(() =>
      this.locks.run(key, async () => {
        const current = this.live(key);
        if (options.ifNoneMatch && current) throw new DocumentConflictError(this.definition.name, key, 'exists');
        if (options.ifMatch !== undefined && current?.eTag !== options.ifMatch) throw new DocumentConflictError(this.definition.name, key, 'changed');
        const entry: Entry<T> & { key: string } = {
          key,
          value: parsed,
          eTag: randomUUID(),
          ...(options.expiresAt !== undefined ? { expiresAt: options.expiresAt } : {}),
          tags: this.definition.tags?.(parsed) ?? {},
        };
        await this.write(entry);
        return entry.eTag;
      }),
    );
    await this.rewriteJournalIfSuperseded();
    return eTag;
  }

  async delete(key: string, options: { ifMatch?: string } = {}): Promise<boolean> {
    return this.gate.shared(() =>
      this.locks.run(key, async () => {
        const current = this.live(key);
        if (options.ifMatch !== undefined && current?.eTag !== options.ifMatch) throw new DocumentConflictError(this.definition.name, key, 'changed');
        const name = fileNameOf(key);
        if (!this.entries.has(name)) return false;
        await this.remove(key, name);
        return current !== undefined;
      }),
    );
  }

  async find(wanted: Tags): Promise<Array<StoredDocument<T>>> {
    const now = this.options.clock.now().getTime();
    const found: Array<StoredDocument<T>> = [];
    for (const entry of [...this.entries.values()]) {
      if (entry.key === undefined || isExpired(entry, now) || !tagsMatch(entry.tags, wanted)) continue;
      if (this.keepsValues) found.push(documentOf(entry.key, entry as Entry<T>));
      else {
        const document = await this.readLive(entry.key);
        if (document) found.push(document);
      }
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async sweepExpired(): Promise<number> {
    const now = this.options.clock.now().getTime();
    let swept = 0;
    for (const entry of [...this.entries.values()]) {
      const key = entry.key;
      if (key === undefined || !isExpired(entry, now)) continue;
      const removed = await this.gate.shared(() =>
        this.locks.run(key, async () => {
          const latest = this.entries.get(fileNameOf(key));
          if (!latest || !isExpired(latest, now)) return false;
          await this.remove(key, fileNameOf(key));
          return true;
        }),
      );
      if (removed) swept += 1;
    }
    return swept;
  }

  async append(key: string, entries: Array<ListEntry<T>>, keep: number): Promise<string> {
    const added = deepFreeze(checkAppendedEntries(this.definition, entries, keep));
    const eTag = await this.gate.shared(() =>
      this.locks.run(key, async () => {
        const name = fileNameOf(key);
        const current = this.live(key);
        if (current && !current.lines) {
          // A document in a file of its own is written whole into the journal, with the entries.
          const stored = await this.readDocument(key, current);
          const value = deepFreeze(appendedList((stored?.value as unknown[] | undefined) ?? [], added, keep) as T);
          const entry = { key, value, eTag: randomUUID(), ...(current.expiresAt !== undefined ? { expiresAt: current.expiresAt } : {}), tags: NO_TAGS };
          await this.write(entry);
          return entry.eTag;
        }
        const next = randomUUID();
        const line = appendLineOf(key, next, added, keep, current === undefined);
        const recent = current && this.recentValues.get(name);
        this.recentValues.delete(name);
        const at = await this.journal.append(line);
        const lines = linesAfterAppend(current?.lines ?? [], at, added.length, keep);
        this.hold(name, { key, eTag: next, ...(current?.expiresAt !== undefined ? { expiresAt: current.expiresAt } : {}), tags: NO_TAGS, lines });
        // The list just read or written stays known: its entries are the same frozen objects.
        if (recent && recent.eTag === current.eTag) {
          this.recentValues.set(name, { eTag: next, value: deepFreeze(appendedList(recent.value as unknown[], added, keep)) as T }, bytesOf(lines));
        }
        return next;
      }),
    );
    await this.rewriteJournalIfSuperseded();
    return eTag;
  }

  // ---- files ----------------------------------------------------------------------------

  /** The value kept in memory for `key`, if any: checked when it was stored. */
  private keptValue(key: string): T | undefined {
    const name = fileNameOf(key);
    return this.keepsValues ? this.entries.get(name)?.value : this.recentValues.get(name)?.value;
  }

  private live(key: string): Held<T> | undefined {
    const entry = this.entries.get(fileNameOf(key));
    if (!entry || (entry.key !== undefined && entry.key !== key) || isExpired(entry, this.options.clock.now().getTime())) return undefined;
    return entry;
  }

  private async write(entry: Entry<T> & { key: string }): Promise<void> {
    const name = fileNameOf(entry.key);
    const line = JSON.stringify(envelopeOf(entry));
    this.recentValues.delete(name);
    const at = await this.journal.append(line);
    const previous = this.entries.get(name);
    this.hold(name, { ...entry, lines: [wholeLine(at, entry.value)] });
    // Written before the journal: its file would come back once the journal is rewritten. Opening
    // the collection removes it too, should this fail.
    if (previous && !previous.lines) await this.removeOwnFile(name).catch((error) => this.log(`${this.definition.name}/${name} could not be removed`, error));
    if (!this.keepsValues) this.recentValues.set(name, { eTag: entry.eTag, value: entry.value }, line.length);
  }

  /** Indexes a document (its value too when the collection has tags), replacing what the name held. */
  private hold(name: string, entry: Held<T>): void {
    this.release(name);
    // Kept values are shared with readers, frozen (a value just put already is).
    const held: Held<T> = this.keepsValues
      ? { ...entry, value: deepFreeze(entry.value) }
      : {
          key: entry.key,
          eTag: entry.eTag,
          ...(entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}),
          tags: NO_TAGS,
          ...(entry.lines ? { lines: entry.lines } : {}),
        };
    this.entries.set(name, held);
    if (entry.lines) this.liveBytes += bytesOf(entry.lines);
  }

  private release(name: string): void {
    const previous = this.entries.get(name);
    if (previous?.lines) this.liveBytes -= bytesOf(previous.lines);
    this.entries.delete(name);
  }

  /** A live document's value, under the key's lock so the read is the version the index names. */
  private readLive(key: string): Promise<StoredDocument<T> | undefined> {
    return this.gate.shared(() =>
      this.locks.run(key, async () => {
        const entry = this.live(key);
        return entry && this.readDocument(key, entry);
      }),
    );
  }

  /** The value from its file (a collection without tags); the index said the document is live. */
  private async readDocument(key: string, entry: Held<T>): Promise<StoredDocument<T> | undefined> {
    const name = fileNameOf(key);
    const expiry = entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {};
    const recent = this.recentValues.get(name);
    if (recent?.eTag === entry.eTag) return { key, value: recent.value, eTag: entry.eTag, ...expiry };
    let value: T;
    try {
      if (entry.lines) {
        const texts = await this.journal.read(entry.lines.map((line) => line.place));
        value = deepFreeze(valueOfLines(this.definition, texts, entry.lines));
        this.recentValues.set(name, { eTag: entry.eTag, value }, bytesOf(entry.lines));
      } else {
        const text = await readFile(join(this.folder, name), 'utf8');
        value = deepFreeze(entryOf(this.definition, text).value);
        this.recentValues.set(name, { eTag: entry.eTag, value }, text.length);
      }
    } catch (error) {
      // Written by this process and checked by the schema before: only a hand on the folder gets here.
      this.log(`document ${this.definition.name}/${name} is unreadable; read as absent`, error);
      return undefined;
    }
    // The value is the file's; eTag and expiry are the index's, which this process wrote with it.
    return { key, value, eTag: entry.eTag, ...expiry };
  }

  /** Deletes a document: a journal line, or its own file for one written before the journal. */
  private async remove(key: string, name: string): Promise<void> {
    this.recentValues.delete(name);
    if (this.entries.get(name)?.lines) await this.journal.append(deletionLineOf(key));
    else await this.removeOwnFile(name);
    this.release(name);
  }

  private async removeOwnFile(name: string): Promise<void> {
    await removeFileDurably(join(this.folder, name)).catch(ignoreMissing);
  }

  /**
   * Rewrites the journal with only its lines still read, once they are less than half of it.
   * Reads and writes wait meanwhile: every line moves.
   */
  private async rewriteJournalIfSuperseded(): Promise<void> {
    const threshold = this.options.journalRewriteBytes ?? JOURNAL_REWRITE_BYTES;
    if (this.rewriting || this.journal.bytes < threshold || this.journal.bytes < 2 * this.liveBytes) return;
    this.rewriting = true;
    try {
      await this.gate.exclusive(async () => {
        const inJournal = [...this.entries.values()].flatMap((entry) => entry.lines ?? []);
        inJournal.sort((a, b) => a.place.offset - b.place.offset);
        const moved = await this.journal.rewrite(inJournal.map((line) => line.place));
        inJournal.forEach((line, index) => (line.place = moved[index]!));
      });
    } catch (error) {
      // The journal as it was still holds every line: reads and writes go on with it.
      this.log(`${this.definition.name}: the journal could not be rewritten`, error);
    } finally {
      this.rewriting = false;
    }
  }

  /** Moves what the previous version kept in its own layout into documents, then removes it. */
  private async importLegacy(dataDir: string): Promise<void> {
    const legacy = await this.definition.legacy?.read(dataDir, (problem) => this.log(`${this.definition.name}: ${problem}`));
    if (!legacy) return;
    const now = this.options.clock.now().getTime();
    let imported = 0;
    for (const document of legacy.documents) {
      // Already moved by an import a crash interrupted before the old files were removed.
      if (this.entries.has(fileNameOf(document.key))) continue;
      if (document.expiresAt !== undefined && document.expiresAt <= now) continue;
      const value = deepFreeze(this.definition.schema.parse(document.value));
      await this.write({
        key: document.key,
        value,
        eTag: randomUUID(),
        ...(document.expiresAt !== undefined ? { expiresAt: document.expiresAt } : {}),
        tags: this.definition.tags?.(value) ?? {},
      });
      imported += 1;
    }
    for (const path of legacy.paths) await removeFileDurably(path).catch(ignoreMissing);
    this.log(`${this.definition.name}: imported ${imported} documents from the previous layout`);
  }
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}

/** The journal bytes a document's lines take, newlines included. */
function bytesOf(lines: readonly HeldLine[]): number {
  return lines.reduce((total, line) => total + line.place.length + 1, 0);
}

function isExpired(entry: { expiresAt?: number }, now: number): boolean {
  return entry.expiresAt !== undefined && entry.expiresAt <= now;
}

/** The cached value itself, frozen: a caller cannot change it for the others. */
function documentOf<T>(key: string, entry: Entry<T>): StoredDocument<T> {
  return { key, value: entry.value, eTag: entry.eTag, ...(entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}) };
}
