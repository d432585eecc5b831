import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CollectionDefinition, Tags } from '../../services/store/documentStore.js';
import { RecentlyUsed } from '../../services/store/recentlyUsed.js';
import type { JournalPlace } from './collectionJournal.js';

// The files engine's layout of one collection, DATA_DIR/<collection>/:
// - journal.jsonl: one line per document written (an envelope: key, eTag, expiry, value) or
//   deleted (key and `deleted`), in the order they were written; the last line of a key wins.
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

export const JOURNAL_FILE = 'journal.jsonl';

export interface Entry<T> {
  /** Unknown for a file of the previous layout whose document does not name its key. */
  key: string | undefined;
  value: T;
  eTag: string;
  expiresAt?: number;
  tags: Tags;
  /** Where the journal holds it; absent for a document in a file of its own. */
  at?: JournalPlace;
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
      line = journalLineOf(definition, journal.toString('utf8', start, end), { offset: start, length: end - start });
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

/** One journal line: the document it writes, or none when it deletes the key. */
function journalLineOf<T>(definition: CollectionDefinition<T>, text: string, at: JournalPlace): { name: string; entry?: Entry<T> } {
  const raw: unknown = JSON.parse(text);
  const deletion = DeletionSchema.safeParse(raw);
  if (deletion.success) return { name: fileNameOf(deletion.data.key) };
  const { key, eTag, expiresAt, value } = EnvelopeSchema.parse(raw);
  const checked = definition.schema.parse(value);
  return {
    name: fileNameOf(key),
    entry: { key, value: checked, eTag, ...(expiresAt !== undefined ? { expiresAt } : {}), tags: definition.tags?.(checked) ?? {}, at },
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
