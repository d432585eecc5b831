import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { chunksOf } from '../services/chunks.js';
import { settleAll } from '../services/settleAll.js';
import type { Clock } from '../services/clock.js';
import { STATUSES, type ClaimDocument } from '../services/model.js';
import { LINK_SECRET_BLOB } from '../services/linkTokens.js';
import { FileBlobStore } from './files/fileBlobStore.js';
import { FileStorage } from './files/fileStateStorage.js';
import { LowdbClaimRepository } from './files/lowdbClaimRepository.js';
import { PostgresBlobStore } from './postgres/postgresBlobStore.js';
import { PostgresClaimRepository } from './postgres/postgresClaimRepository.js';
import { PostgresRosterStorage } from './postgres/postgresRosterStorage.js';
import { RosterFiles } from './files/rosterFiles.js';
import { translate } from './postgres/pool.js';

// Moving up: copies the claims of an embedded DATA_DIR into a PostgreSQL database that is empty
// or holds an earlier copy of the same claims, with the PoE files they name, the link signing
// secret (links already mailed keep working) and the bot state (dialogs in flight continue). Running it again copies what is missing and
// changes nothing else; a claim that differs in the database stops it (the database has been
// used since). Success is reported only after counts and a checksum per claim match.

export interface CopyReport {
  claims: number;
  copied: number;
  alreadyThere: number;
  /** The id counters the database continues from, per year. */
  counters: Record<string, number>;
  /** PoE files and the link secret, copied and verified byte for byte (SHA-256). */
  blobs: number;
  /** PoE files claims name that were not in DATA_DIR (their claims are copied all the same). */
  missingBlobs: string[];
  /** Bot state entries (dialog stacks, preferences) in the database after the copy. */
  stateEntries: number;
  /** The roster file: copied with its audit now, already the database's, or there was none. */
  roster: 'copied' | 'already there' | 'none';
}

export async function copyFilesToPostgres(options: {
  dataDir: string;
  pool: pg.Pool;
  clock: Clock;
  /** The roster and its audit (ROSTER_FILE, ROSTER_AUDIT_FILE); by default under DATA_DIR. */
  rosterFile?: string;
  auditFile?: string;
}): Promise<CopyReport> {
  const files = new LowdbClaimRepository({ dataDir: options.dataDir });
  await files.open();
  const database = new PostgresClaimRepository({ pool: options.pool, clock: options.clock });
  await database.open();
  try {
    const ids = (await files.idsInStatuses(STATUSES)).sort();
    const known = new Set(ids);
    const foreign = (await database.idsInStatuses(STATUSES)).filter((id) => !known.has(id));
    if (foreign.length > 0) {
      throw new Error(`the database is not empty: it holds ${foreign.length} claim(s) not in ${options.dataDir}, e.g. ${foreign[0]}`);
    }

    let copied = 0;
    // The PoE files the claims name, read on the way, and the link secret.
    const blobNames = [LINK_SECRET_BLOB];
    const checksums = new Map<string, string>();
    for (const slice of chunksOf(ids, connectionsOf(options.pool))) {
      const documents = (await Promise.all(slice.map((id) => files.get(id)))) as ClaimDocument[];
      // Asked for together: one statement, on one connection, before the inserts take theirs.
      const existing = await Promise.all(slice.map((id) => database.get(id)));
      const inserted = await settleAll(
        documents.map(async (document, index) => {
          const id = document.claim.id;
          blobNames.push(...document.claim.poe.map((file) => file.storagePath));
          const checksum = checksumOf(document);
          checksums.set(id, checksum);
          const stored = existing[index];
          if (!stored) {
            await database.insert(document);
            return true;
          }
          if (checksumOf(stored) !== checksum) {
            throw new Error(`${id} differs between ${options.dataDir} and the database, which has been used since the last copy`);
          }
          return false;
        }),
      );
      copied += inserted.filter(Boolean).length;
    }

    const counters = await countersOf(options.dataDir, ids);
    for (const [year, last] of Object.entries(counters)) {
      // Never lower: ids handed out by the database after an earlier copy stay unique.
      await options.pool.query(
        `INSERT INTO claim_counters (year, last_number) VALUES ($1, $2)
         ON CONFLICT (year) DO UPDATE SET last_number = GREATEST(claim_counters.last_number, excluded.last_number)`,
        [Number(year), last],
      );
    }

    const stored = await database.count();
    if (stored !== ids.length) throw new Error(`verification failed: ${ids.length} claims in ${options.dataDir}, ${stored} in the database`);
    // Reads asked for together go as one statement on one connection.
    for (const slice of chunksOf(ids, 200)) {
      const copies = await Promise.all(slice.map((id) => database.get(id)));
      slice.forEach((id, index) => {
        const copy = copies[index];
        if (!copy || checksumOf(copy) !== checksums.get(id)) throw new Error(`verification failed: ${id} differs after the copy`);
      });
    }
    const blobs = await copyBlobs(options.dataDir, options.pool, blobNames);
    const stateEntries = await copyBotState(options.dataDir, options.pool);
    const roster = await copyRoster(options);
    // As after any bulk load: the planner gets statistics and the rows their visibility marks now,
    // not from the first requests (each first read of a row would write its page again) nor from
    // an autovacuum running among them.
    if (copied > 0) await options.pool.query('VACUUM (ANALYZE) claims, claim_alerts').catch(translate);
    return { claims: ids.length, copied, alreadyThere: ids.length - copied, counters, ...blobs, stateEntries, roster };
  } finally {
    await files.close();
  }
}

/**
 * Claims copied at once: each waits on round trips (and the database on its commit's flush), so
 * one at a time left both processes idle, 2.2 ms a claim. No more than the pool's connections, so
 * none waits in the pool's queue, where its connect timeout would fail the copy.
 */
function connectionsOf(pool: pg.Pool): number {
  return Math.max(1, pool.options.max ?? 1);
}

/** Files copied at once: each is held twice (its bytes and the copy read back), up to 32 MB. */
const FILES_IN_FLIGHT = 4;

/** Copies the named blobs that exist, never overwriting; verifies each copy's SHA-256. */
async function copyBlobs(dataDir: string, pool: pg.Pool, names: readonly string[]): Promise<{ blobs: number; missingBlobs: string[] }> {
  const source = new FileBlobStore(dataDir);
  const target = new PostgresBlobStore(pool);
  const missingBlobs: string[] = [];
  let blobs = 0;
  const copyOne = async (name: string): Promise<boolean> => {
    const bytes = await source.get(name);
    if (!bytes) return false;
    await target.create(name, bytes);
    const copy = await target.get(name);
    if (!copy || sha256(copy) !== sha256(bytes)) throw new Error(`verification failed: ${name} differs between ${dataDir} and the database`);
    return true;
  };
  for (const slice of chunksOf([...new Set(names)], Math.min(FILES_IN_FLIGHT, connectionsOf(pool)))) {
    const found = await settleAll(slice.map(copyOne));
    slice.forEach((name, index) => {
      if (found[index]) blobs += 1;
      // The secret is made at the bot's first start; a DATA_DIR that never ran one has none.
      else if (name !== LINK_SECRET_BLOB) missingBlobs.push(name);
    });
  }
  return { blobs, missingBlobs };
}

/** Copies bot state entries the database lacks (a dialog in flight continues after the move). */
async function copyBotState(dataDir: string, pool: pg.Pool): Promise<number> {
  const entries = await new FileStorage(dataDir).entries();
  for (const { key, item } of entries) {
    await pool.query('INSERT INTO bot_state (key, etag, item) VALUES ($1, 1, $2) ON CONFLICT (key) DO NOTHING', [key, item]).catch(translate);
  }
  const { rows } = await pool
    .query<{ count: string }>('SELECT count(*) AS count FROM bot_state WHERE key = ANY($1)', [entries.map((entry) => entry.key)])
    .catch(translate);
  if (Number(rows[0]!.count) !== entries.length)
    throw new Error(`verification failed: ${entries.length} bot state entries in ${dataDir}, ${rows[0]!.count} copied`);
  return entries.length;
}

/** The roster file and its audit become the database's unless it has a roster already. */
async function copyRoster(options: { dataDir: string; pool: pg.Pool; clock: Clock; rosterFile?: string; auditFile?: string }): Promise<CopyReport['roster']> {
  const files = new RosterFiles(options.rosterFile ?? join(options.dataDir, 'roster.jsonl'), options.auditFile ?? join(options.dataDir, 'roster-audit.jsonl'));
  if (!(await files.read()).trim()) return 'none';
  const database = new PostgresRosterStorage({ pool: options.pool, clock: options.clock });
  return (await database.seedFrom(files)) ? 'copied' : 'already there';
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of the document with object keys sorted: jsonb does not keep the files' key order. */
export function checksumOf(document: ClaimDocument): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Per year, the highest of the stored counter and the ids on disk (the files engine's own rule). */
async function countersOf(dataDir: string, ids: readonly string[]): Promise<Record<string, number>> {
  let stored: Record<string, number> = {};
  try {
    stored = JSON.parse(await readFile(join(dataDir, 'sequence.json'), 'utf8')) as Record<string, number>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const counters: Record<string, number> = {};
  for (const [year, last] of Object.entries(stored)) if (/^\d{4}$/.test(year) && Number.isInteger(last)) counters[year] = last;
  for (const id of ids) {
    const [, year = '', number = '0'] = id.split('-');
    counters[year] = Math.max(counters[year] ?? 0, Number(number));
  }
  return counters;
}
