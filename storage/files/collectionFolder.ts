import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CollectionDefinition, Tags } from '../../services/store/documentStore.js';
import { RecentlyUsed } from '../../services/store/recentlyUsed.js';
import type { JournalPlace } from './collectionJournal.js';

// The files engine's layout of one collection, DATA_DIR/<collection>/:
// - journal.jsonl: one line per document written (an envelope: key, eTag, expiry, value),
//   deleted (key and `deleted`), or appended to (key, eTag, the entries added to the list, how many
//   to keep, and `fresh` when it started the list again), in the order they were written. A write
//   or a deletion replaces what the lines before it said of the key; an append adds to it.
// - <sha256(key), first 40 hex>.json: a document written before the journal, one envelope per
//   file. A file without an envelope is older still (the document alone, under the same name).
//   The journal wins over a file: once it holds a key, the key's file is removed.
// Read by the files engine at open, and by the postgres engine when it moves a DATA_DIR's
// documents into the database.

const EnvelopeSchema = z.object({
  envelope: z.literal(1),
  key: z.string(),
  eTag: z.string(),
  expiresAt: z.number().optional(),
  value: z.unknown(),
});

const DeletionSchema = z.object({ envelope: z.literal(1), key: z.string(), deleted: z.literal(true) });

const AppendSchema = z.object({
  envelope: z.literal(1),
  key: z.string(),
  eTag: z.string(),
  append: z.array(z.unknown()),
  keep: z.number().int().min(1),
  fresh: z.literal(true).optional(),
});

export const JOURNAL_FILE = 'journal.jsonl';

export interface Entry<T> {
  /** Unknown for a file of the previous layout whose document does not name its key. */
  key: string | undefined;
  value: T;
  eTag: string;
  expiresAt?: number;
  tags: Tags;
  /**
   * The journal lines it is read from, in order: the line that wrote it (unless the list has since
   * dropped all of that line's entries), then the appends to it. Absent for a document in a file
   * of its own.
   */
  lines?: HeldLine[];
}

/** A journal line a document is read from; for a list, how many of its entries are still kept. */
export interface HeldLine {
  place: JournalPlace;
  /** The list entries the line holds (1 for a document that is no list). */
  entries: number;
  /** How many of its first entries the list no longer keeps. */
  dropped: number;
}

/** The line that writes a whole document: nothing of it dropped. */
export function wholeLine(place: JournalPlace, value: unknown): HeldLine {
  return { place, entries: Array.isArray(value) ? value.length : 1, dropped: 0 };
}

/**
 * The lines a list is read from once a line adding `added` entries follows them, the list keeping
 * its last `keep`: lines whose entries are all dropped are no longer read.
 */
export function linesAfterAppend(lines: readonly HeldLine[], place: JournalPlace, added: number, keep: number): HeldLine[] {
  const next = [...lines, { place, entries: added, dropped: 0 }];
  let excess = next.reduce((total, line) => total + line.entries - line.dropped, 0) - keep;
  while (excess > 0) {
    const first = next[0]!;
    const kept = first.entries - first.dropped;
    if (kept > excess) {
      next[0] = { ...first, dropped: first.dropped + excess };
      break;
    }
    next.shift();
    excess -= kept;
  }
  return next;
}

/** `list` with `added` at its end, keeping its last `keep` entries. */
export function appendedList(list: readonly unknown[], added: readonly unknown[], keep: number): unknown[] {
  const joined = [...list, ...added];
  return joined.slice(Math.max(0, joined.length - keep));
}

/** An append line of `key`; `fresh` when it starts the list again (it was absent or expired). */
export function appendLineOf(key: string, eTag: string, entries: unknown[], keep: number, fresh: boolean): string {
  return JSON.stringify({ envelope: 1, key, eTag, append: entries, keep, ...(fresh ? { fresh: true } : {}) });
}

/**
 * A journal-held document's value from the texts of its lines, in order: the whole value of a
 * single line that wrote it, or the list its lines make, without the entries each has dropped.
 */
export function valueOfLines<T>(definition: CollectionDefinition<T>, texts: readonly string[], lines: readonly HeldLine[]): T {
  const values = texts.map((text) => valueOfLine(definition, text));
  if (lines.length === 1 && lines[0]!.dropped === 0) return values[0]!;
  const list: unknown[] = [];
  values.forEach((entries, index) => {
    if (!Array.isArray(entries)) throw new Error(`${definition.name}: a line read as part of a list holds no list`);
    list.push(...entries.slice(lines[index]!.dropped));
  });
  return list as T;
}

/** What one line of a write or an append holds: the document, or the entries it adds. */
function valueOfLine<T>(definition: CollectionDefinition<T>, text: string): T {
  const raw = JSON.parse(text) as unknown;
  const append = AppendSchema.safeParse(raw);
  return definition.schema.parse(append.success ? append.data.append : EnvelopeSchema.parse(raw).value);
}

export interface CollectionContent<T> {
  /** Every readable document, by the name of the file that holds or held its key. */
  entries: Map<string, Entry<T>>;
  /** Files whose key the journal holds (it wins): to be removed. */
  superseded: string[];
  journal: { path: string; exists: boolean; size: number; tornBytes: number };
}

export function folderOf(dataDir: string, collection: string): string {
  return join(dataDir, ...collection.split('/'));
}

/** Names worked out lately: each read and write of a document asks for its key's, more than once. */
const namesOfKeys = new RecentlyUsed<string>(4096);

export function fileNameOf(key: string): string {
  let name = namesOfKeys.get(key);
  if (name === undefined) {
    name = `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`;
    namesOfKeys.set(key, name);
  }
  return name;
}

export function envelopeOf<T>(entry: Entry<T> & { key: string }): unknown {
  return { envelope: 1, key: entry.key, eTag: entry.eTag, ...(entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}), value: entry.value };
}

/**
 * Every readable document of the folder: the files, then the journal over them. A file or line
 * the schema (or JSON) rejects is reported and skipped: one damaged document must not make the
 * collection unreadable. A last line without its newline is an append a crash cut short, never
 * acknowledged: it is left out, and `tornBytes` says how much to cut off.
 */
export async function readCollectionFolder<T>(
  definition: CollectionDefinition<T>,
  folder: string,
  log: (message: string, error?: unknown) => void,
): Promise<CollectionContent<T>> {
  const entries = new Map<string, Entry<T>>();
  const journalPath = join(folder, JOURNAL_FILE);
  const content: CollectionContent<T> = { entries, superseded: [], journal: { path: journalPath, exists: false, size: 0, tornBytes: 0 } };
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return content;
    throw error;
  }
  for (const name of names.filter((file) => file.endsWith('.json'))) {
    try {
      entries.set(name, await readEntry(definition, join(folder, name)));
    } catch (error) {
      log(`document ${definition.name}/${name} is unreadable; skipped`, error);
    }
  }
  if (!names.includes(JOURNAL_FILE)) return content;
  const files = new Set(entries.keys());
  const journal = await readFile(journalPath);
  let start = 0;
  for (let end = journal.indexOf(0x0a); end !== -1; start = end + 1, end = journal.indexOf(0x0a, start)) {
    if (end === start) continue;
    let line: { name: string; entry?: Entry<T> };
    try {
      line = journalLineOf(definition, journal.toString('utf8', start, end), { offset: start, length: end - start }, entries);
    } catch (error) {
      log(`${definition.name}/${JOURNAL_FILE}: the line at byte ${start} is unreadable; skipped`, error);
      continue;
    }
    if (line.entry) entries.set(line.name, line.entry);
    else entries.delete(line.name);
    if (files.delete(line.name)) content.superseded.push(join(folder, line.name));
  }
  content.journal = { path: journalPath, exists: true, size: start, tornBytes: journal.length - start };
  if (start < journal.length) log(`${definition.name}/${JOURNAL_FILE}: its last ${journal.length - start} bytes are an append cut short; left out`);
  return content;
}

/** One journal line: the document as it is after it (`before`: the lines read so far), none when it deletes the key. */
function journalLineOf<T>(
  definition: CollectionDefinition<T>,
  text: string,
  at: JournalPlace,
  before: ReadonlyMap<string, Entry<T>>,
): { name: string; entry?: Entry<T> } {
  const raw: unknown = JSON.parse(text);
  const deletion = DeletionSchema.safeParse(raw);
  if (deletion.success) return { name: fileNameOf(deletion.data.key) };
  const append = AppendSchema.safeParse(raw);
  if (append.success) {
    const { key, eTag, keep, fresh } = append.data;
    const name = fileNameOf(key);
    const added = definition.schema.parse(append.data.append) as unknown[];
    // Appends only follow journal lines: without them (all dropped, or skipped), the list starts here.
    const previous = fresh ? undefined : before.get(name);
    const base = previous?.lines ? previous : undefined;
    const value = appendedList((base?.value as unknown[] | undefined) ?? [], added, keep) as T;
    return {
      name,
      entry: {
        key,
        value,
        eTag,
        ...(base?.expiresAt !== undefined ? { expiresAt: base.expiresAt } : {}),
        tags: {},
        lines: linesAfterAppend(base?.lines ?? [], at, added.length, keep),
      },
    };
  }
  const { key, eTag, expiresAt, value } = EnvelopeSchema.parse(raw);
  const checked = definition.schema.parse(value);
  return {
    name: fileNameOf(key),
    entry: {
      key,
      value: checked,
      eTag,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      tags: definition.tags?.(checked) ?? {},
      lines: [wholeLine(at, checked)],
    },
  };
}

/** The journal line that deletes `key`. */
export function deletionLineOf(key: string): string {
  return JSON.stringify({ envelope: 1, key, deleted: true });
}

/** One document's file; throws when it is missing, not JSON or refused by the schema. */
export async function readEntry<T>(definition: CollectionDefinition<T>, path: string): Promise<Entry<T>> {
  return entryOf(definition, await readFile(path, 'utf8'));
}

/** One document from its file's text; throws when it is not JSON or refused by the schema. */
export function entryOf<T>(definition: CollectionDefinition<T>, text: string): Entry<T> {
  const raw: unknown = JSON.parse(text);
  const envelope = EnvelopeSchema.safeParse(raw);
  if (envelope.success) {
    const value = definition.schema.parse(envelope.data.value);
    const { key, eTag, expiresAt } = envelope.data;
    return { key, value, eTag, ...(expiresAt !== undefined ? { expiresAt } : {}), tags: definition.tags?.(value) ?? {} };
  }
  // The previous version's file: the document alone. Its eTag is its content's hash, the same
  // after a restart until it is written again.
  const value = definition.schema.parse(raw);
  const eTag = `v0-${createHash('sha256').update(text).digest('hex').slice(0, 20)}`;
  return { key: definition.keyOf?.(value), value, eTag, tags: definition.tags?.(value) ?? {} };
}
