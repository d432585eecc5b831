import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type pg from 'pg';
import type { Clock } from '../../services/clock.js';
import type { CollectionDefinition } from '../../services/store/documentStore.js';
import { removeFileDurably } from '../../services/store/durableJsonFile.js';
import { fileNameOf, folderOf, readCollectionFolder } from '../files/collectionFolder.js';
import { translate } from './pool.js';

// An instance moving to STORE=postgres still has, under its DATA_DIR, what the files engine (or
// the version before the document store) kept there: conversation references, card copies, the
// delivery journal, used consent tokens. When a collection is first opened, those documents are
// inserted where the database has none under the key (what is there wins: another instance may
// have written it since), then their files are removed, so a document deleted later in the
// database is never brought back by the next start. Documents that do not name their key (card
// copies of the previous version) cannot be moved; they stay and are reported.

export async function moveDataDirDocuments<T>(
  definition: CollectionDefinition<T>,
  options: { pool: pg.Pool; clock: Clock; dataDir: string; log: (message: string, error?: unknown) => void },
): Promise<void> {
  const folder = folderOf(options.dataDir, definition.name);
  const { entries, superseded, journal } = await readCollectionFolder(definition, folder, options.log);
  const legacy = await definition.legacy?.read(options.dataDir, (problem) => options.log(`${definition.name}: ${problem}`));
  if (entries.size === 0 && !legacy && !journal.exists) return;

  const documents: Array<{ key: string; value: T; expiresAt?: number }> = [];
  // The journal last: until it goes, it still names what it deleted.
  const moved: string[] = [...(legacy?.paths ?? []), ...superseded];
  let keyless = 0;
  for (const [name, entry] of entries) {
    if (entry.key === undefined) {
      keyless += 1;
      continue;
    }
    documents.push({ key: entry.key, value: entry.value, ...(entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {}) });
    if (!entry.lines) moved.push(join(folder, name));
  }
  if (journal.exists) moved.push(journal.path);
  // Files of the folder come first: they are newer than the previous version's layout.
  for (const document of legacy?.documents ?? []) {
    if (!entries.has(fileNameOf(document.key))) documents.push({ ...document, value: definition.schema.parse(document.value) });
  }

  const now = options.clock.now().getTime();
  let inserted = 0;
  for (const document of documents) {
    if (document.expiresAt !== undefined && document.expiresAt <= now) continue;
    const { rowCount } = await options.pool
      .query(
        `INSERT INTO documents (collection, key, etag, body, tags, expires_at) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)
         ON CONFLICT (collection, key) DO NOTHING`,
        [
          definition.name,
          document.key,
          randomUUID(),
          JSON.stringify(document.value),
          JSON.stringify(definition.tags?.(document.value) ?? {}),
          document.expiresAt ?? null,
        ],
      )
      .catch(translate);
    inserted += rowCount ?? 0;
  }
  for (const path of moved) {
    await removeFileDurably(path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  options.log(
    `${definition.name}: moved ${inserted} documents from ${options.dataDir} into the database` +
      (keyless > 0 ? `; ${keyless} files that do not name their key stay in ${folder}` : ''),
  );
}
