import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { Clock } from '../../services/clock.js';
import {
  assertCollectionName,
  DocumentConflictError,
  type CollectionDefinition,
  type DocumentCollection,
  type DocumentStore,
  type ListEntry,
  type PutOptions,
  type StoredDocument,
  type Tags,
} from '../../services/store/documentStore.js';
import { checkAppendedEntries } from '../checkedList.js';
import { moveDataDirDocuments } from './moveDataDirDocuments.js';
import { prepared, translate } from './pool.js';
import { ReadBatch } from './readBatch.js';

// Documents in PostgreSQL (`documents`, migration 0003), shared by every instance: nothing is
// cached in the process, every condition is checked by the statement that writes (`WHERE etag =
// $n`, `ON CONFLICT DO NOTHING`) and its row count says whether it held. Expiry compares with the
// Clock's time passed in, never the database's.

export class PostgresDocumentStore implements DocumentStore {
  /** Per collection: this instance's DATA_DIR documents moved into the database (once per process). */
  private readonly moved = new Map<string, Promise<void>>();

  constructor(
    private readonly options: {
      pool: pg.Pool;
      clock: Clock;
      /** This instance's DATA_DIR, whose documents are moved into the database when a collection opens. */
      dataDir?: string;
      log?: (message: string, error?: unknown) => void;
    },
  ) {}

  async collection<T>(definition: CollectionDefinition<T>): Promise<DocumentCollection<T>> {
    assertCollectionName(definition.name);
    const { pool, clock, dataDir } = this.options;
    const log = this.options.log ?? (() => undefined);
    if (dataDir !== undefined) {
      let moving = this.moved.get(definition.name);
      if (!moving) {
        moving = moveDataDirDocuments(definition, { pool, clock, dataDir, log });
        this.moved.set(definition.name, moving);
        moving.catch(() => this.moved.delete(definition.name));
      }
      await moving;
    }
    return new PostgresCollection(definition, pool, clock, log);
  }
}

interface Row {
  key: string;
  etag: string;
  body: unknown;
  expires_at: string | null;
}

class PostgresCollection<T> implements DocumentCollection<T> {
  /** Reads by key, batched with those asked for at the same time; each reader's own clock decides expiry. */
  private readonly rows: ReadBatch<Row>;
  /** Finds, by their tags as JSON, batched with those asked for at the same time (a delivery pass resolves many recipients at once). */
  private readonly finds: ReadBatch<Row[]>;

  constructor(
    private readonly definition: CollectionDefinition<T>,
    private readonly pool: pg.Pool,
    private readonly clock: Clock,
    private readonly log: (message: string, error?: unknown) => void,
  ) {
    this.rows = new ReadBatch(async (keys) => {
      const { rows } = await this.pool
        .query<Row>(prepared('SELECT key, etag, body, expires_at FROM documents WHERE collection = $1 AND key = ANY($2)', [this.definition.name, keys]))
        .catch(translate);
      return new Map(rows.map((row) => [row.key, row]));
    });
    this.finds = new ReadBatch((wanted) => this.findRows(wanted));
  }

  async get(key: string): Promise<StoredDocument<T> | undefined> {
    const now = this.now();
    const row = await this.rows.read(key);
    return row && (row.expires_at === null || Number(row.expires_at) > now) ? this.documentOf(row) : undefined;
  }

  async put(key: string, value: T, options: PutOptions = {}): Promise<string> {
    const parsed = this.definition.schema.parse(value);
    const eTag = randomUUID();
    const values = [this.definition.name, key, eTag, JSON.stringify(parsed), JSON.stringify(this.definition.tags?.(parsed) ?? {}), options.expiresAt ?? null];
    let rowCount: number | null;
    if (options.ifMatch !== undefined) {
      ({ rowCount } = await this.pool
        .query(
          prepared(
            `UPDATE documents SET etag = $3, body = $4::jsonb, tags = $5::jsonb, expires_at = $6
           WHERE collection = $1 AND key = $2 AND etag = $7 AND (expires_at IS NULL OR expires_at > $8)`,
            [...values, options.ifMatch, this.now()],
          ),
        )
        .catch(translate));
      if (rowCount !== 1) throw new DocumentConflictError(this.definition.name, key, 'changed');
    } else if (options.ifNoneMatch) {
      // An expired row is as good as absent: it is replaced, not a conflict.
      ({ rowCount } = await this.pool
        .query(
          prepared(
            `INSERT INTO documents (collection, key, etag, body, tags, expires_at) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)
           ON CONFLICT (collection, key) DO UPDATE SET etag = excluded.etag, body = excluded.body, tags = excluded.tags, expires_at = excluded.expires_at
           WHERE documents.expires_at IS NOT NULL AND documents.expires_at <= $7`,
            [...values, this.now()],
          ),
        )
        .catch(translate));
      if (rowCount !== 1) throw new DocumentConflictError(this.definition.name, key, 'exists');
    } else {
      await this.pool
        .query(
          prepared(
            `INSERT INTO documents (collection, key, etag, body, tags, expires_at) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)
           ON CONFLICT (collection, key) DO UPDATE SET etag = excluded.etag, body = excluded.body, tags = excluded.tags, expires_at = excluded.expires_at`,
            values,
          ),
        )
        .catch(translate);
    }
    return eTag;
  }

  async delete(key: string, options: { ifMatch?: string } = {}): Promise<boolean> {
    if (options.ifMatch === undefined) {
      const { rows } = await this.pool
        .query<{ live: boolean }>(
          prepared('DELETE FROM documents WHERE collection = $1 AND key = $2 RETURNING (expires_at IS NULL OR expires_at > $3) AS live', [
            this.definition.name,
            key,
            this.now(),
          ]),
        )
        .catch(translate);
      return rows[0]?.live === true;
    }
    const { rowCount } = await this.pool
      .query(
        prepared('DELETE FROM documents WHERE collection = $1 AND key = $2 AND etag = $3 AND (expires_at IS NULL OR expires_at > $4)', [
          this.definition.name,
          key,
          options.ifMatch,
          this.now(),
        ]),
      )
      .catch(translate);
    if (rowCount !== 1) throw new DocumentConflictError(this.definition.name, key, 'changed');
    return true;
  }

  async find(tags: Tags): Promise<Array<StoredDocument<T>>> {
    const rows = (await this.finds.read(JSON.stringify(tags))) ?? [];
    return rows.map((row) => this.documentOf(row)).filter((document): document is StoredDocument<T> => document !== undefined);
  }

  /** The live rows of each tag set (JSON), ordered by key: one statement however many sets. */
  private async findRows(wanted: string[]): Promise<Map<string, Row[]>> {
    if (wanted.length === 1) {
      const { rows } = await this.pool
        .query<Row>(
          prepared(
            `SELECT key, etag, body, expires_at FROM documents
           WHERE collection = $1 AND tags @> $2::jsonb AND (expires_at IS NULL OR expires_at > $3)
           ORDER BY key COLLATE "C"`,
            [this.definition.name, wanted[0], this.now()],
          ),
        )
        .catch(translate);
      return new Map([[wanted[0]!, rows]]);
    }
    // Each set through the tags index on its own (a lateral join), its rows told by its position.
    const { rows } = await this.pool
      .query<Row & { wanted: number }>(
        prepared(
          `SELECT q.position::int - 1 AS wanted, d.key, d.etag, d.body, d.expires_at
         FROM unnest($2::jsonb[]) WITH ORDINALITY AS q(tags, position)
         JOIN LATERAL (
           SELECT key, etag, body, expires_at FROM documents
           WHERE collection = $1 AND tags @> q.tags AND (expires_at IS NULL OR expires_at > $3)
         ) d ON true
         ORDER BY d.key COLLATE "C"`,
          [this.definition.name, wanted, this.now()],
        ),
      )
      .catch(translate);
    const found = new Map<string, Row[]>(wanted.map((tags) => [tags, []]));
    for (const { wanted: position, ...row } of rows) found.get(wanted[position]!)!.push(row);
    return found;
  }

  async sweepExpired(): Promise<number> {
    const { rowCount } = await this.pool
      .query(prepared('DELETE FROM documents WHERE collection = $1 AND expires_at IS NOT NULL AND expires_at <= $2', [this.definition.name, this.now()]))
      .catch(translate);
    return rowCount ?? 0;
  }

  async append(key: string, entries: Array<ListEntry<T>>, keep: number): Promise<string> {
    const added = checkAppendedEntries(this.definition, entries, keep).slice(-keep);
    const eTag = randomUUID();
    // An expired row is as good as absent: the list starts again, without an expiry.
    await this.pool
      .query(
        prepared(
          `INSERT INTO documents (collection, key, etag, body, tags, expires_at) VALUES ($1, $2, $3, $4::jsonb, '{}'::jsonb, NULL)
         ON CONFLICT (collection, key) DO UPDATE SET
           etag = excluded.etag,
           body = CASE
             WHEN documents.expires_at IS NOT NULL AND documents.expires_at <= $6 THEN excluded.body
             WHEN jsonb_array_length(documents.body) + jsonb_array_length(excluded.body) <= $5 THEN documents.body || excluded.body
             ELSE (SELECT jsonb_agg(entry ORDER BY position) FROM jsonb_array_elements(documents.body || excluded.body) WITH ORDINALITY AS kept(entry, position)
                   WHERE position > jsonb_array_length(documents.body) + jsonb_array_length(excluded.body) - $5)
           END,
           expires_at = CASE WHEN documents.expires_at IS NOT NULL AND documents.expires_at <= $6 THEN NULL ELSE documents.expires_at END`,
          [this.definition.name, key, eTag, JSON.stringify(added), keep, this.now()],
        ),
      )
      .catch(translate);
    return eTag;
  }

  private now(): number {
    return this.clock.now().getTime();
  }

  /** The row's document, or undefined (reported) when the schema rejects what is stored. */
  private documentOf(row: Row): StoredDocument<T> | undefined {
    const parsed = this.definition.schema.safeParse(row.body);
    if (!parsed.success) {
      this.log(`document ${this.definition.name}/${row.key} is unreadable; skipped`, parsed.error);
      return undefined;
    }
    return { key: row.key, value: parsed.data, eTag: row.etag, ...(row.expires_at !== null ? { expiresAt: Number(row.expires_at) } : {}) };
  }
}
