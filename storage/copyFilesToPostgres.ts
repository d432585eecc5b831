import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import type { Clock } from '../services/clock.js';
import { STATUSES, type ClaimDocument } from '../services/model.js';
import { LowdbClaimRepository } from './files/lowdbClaimRepository.js';
import { PostgresClaimRepository } from './postgres/postgresClaimRepository.js';

// Moving up: copies the claims of an embedded DATA_DIR into a PostgreSQL database that is empty
// or holds an earlier copy of the same claims. Running it again copies what is missing and
// changes nothing else; a claim that differs in the database stops it (the database has been
// used since). Success is reported only after counts and a checksum per claim match.

export interface CopyReport {
  claims: number;
  copied: number;
  alreadyThere: number;
  /** The id counters the database continues from, per year. */
  counters: Record<string, number>;
}

export async function copyFilesToPostgres(options: { dataDir: string; pool: pg.Pool; clock: Clock }): Promise<CopyReport> {
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
    const checksums = new Map<string, string>();
    for (const id of ids) {
      const document = (await files.get(id))!;
      checksums.set(id, checksumOf(document));
      const existing = await database.get(id);
      if (!existing) {
        await database.insert(document);
        copied += 1;
      } else if (checksumOf(existing) !== checksums.get(id)) {
        throw new Error(`${id} differs between ${options.dataDir} and the database, which has been used since the last copy`);
      }
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
    for (const id of ids) {
      const copy = await database.get(id);
      if (!copy || checksumOf(copy) !== checksums.get(id)) throw new Error(`verification failed: ${id} differs after the copy`);
    }
    return { claims: ids.length, copied, alreadyThere: ids.length - copied, counters };
  } finally {
    await files.close();
  }
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
