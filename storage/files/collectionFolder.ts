import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { CollectionDefinition, Tags } from '../../services/store/documentStore.js';

// The files engine's layout of one collection: DATA_DIR/<collection>/<sha256(key), first 40 hex>
// .json, each file an envelope (key, eTag, expiry, value). A file without an envelope is the
// previous version's (the document alone, under the same name). Read by the files engine at open,
// and by the postgres engine when it moves a DATA_DIR's documents into the database.

const EnvelopeSchema = z.object({
  envelope: z.literal(1),
  key: z.string(),
  eTag: z.string(),
  expiresAt: z.number().optional(),
  value: z.unknown(),
});

export interface Entry<T> {
  /** Unknown for a file of the previous layout whose document does not name its key. */
  key: string | undefined;
  value: T;
  eTag: string;
  expiresAt?: number;
  tags: Tags;
}

export function folderOf(dataDir: string, collection: string): string {
  return join(dataDir, ...collection.split('/'));
}

export function fileNameOf(key: string): string {
  return `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`;
}

export function envelopeOf<T>(entry: Entry<T> & { key: string }): unknown {
  return { envelope: 1, key: entry.key, eTag: entry.eTag, ...(entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}), value: entry.value };
}

/**
 * Every readable document of the folder, by file name. A file the schema (or JSON) rejects is
 * reported and skipped: one damaged document must not make the collection unreadable.
 */
export async function readCollectionFolder<T>(
  definition: CollectionDefinition<T>,
  folder: string,
  log: (message: string, error?: unknown) => void,
): Promise<Map<string, Entry<T>>> {
  const entries = new Map<string, Entry<T>>();
  let names: string[];
  try {
    names = (await readdir(folder)).filter((file) => file.endsWith('.json'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return entries;
    throw error;
  }
  for (const name of names) {
    try {
      entries.set(name, await readEntry(definition, join(folder, name)));
    } catch (error) {
      log(`document ${definition.name}/${name} is unreadable; skipped`, error);
    }
  }
  return entries;
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
