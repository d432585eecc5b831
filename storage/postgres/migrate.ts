import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Clock } from '../../services/clock.js';

// Versioned SQL migrations (migrations/NNNN_name.sql), applied in order at start, each in its own
// transaction, under a session advisory lock: instances starting together migrate once.

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** Any constant shared by every instance; "CPOR" in ASCII. */
const MIGRATION_LOCK = 0x43504f52;
const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function loadMigrations(): Promise<Migration[]> {
  const names = (await readdir(MIGRATIONS_DIR)).filter((name) => FILE_NAME.test(name)).sort();
  return Promise.all(
    names.map(async (name) => ({
      version: Number(FILE_NAME.exec(name)![1]),
      name,
      sql: await readFile(MIGRATIONS_DIR + name, 'utf8'),
    })),
  );
}

/** Applies the migrations not yet applied; returns the versions it applied. */
export async function migrate(pool: pg.Pool, clock: Clock): Promise<number[]> {
  const migrations = await loadMigrations();
  const client = await pool.connect();
  let failed: unknown;
  const onError = (error: Error) => {
    failed = error;
  };
  client.on('error', onError);
  try {
    // Another instance may hold the lock for as long as its migrations take.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      const applied = new Set(rows.map((row) => row.version));
      const done: number[] = [];
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
            migration.version,
            migration.name,
            clock.now().toISOString(),
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
        }
        done.push(migration.version);
      }
      return done;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      await client.query('RESET statement_timeout');
    }
  } catch (error) {
    failed = error;
    throw error;
  } finally {
    client.off('error', onError);
    // A connection that failed mid-way is dropped, never handed back still holding the lock.
    client.release(failed instanceof Error ? failed : undefined);
  }
}
