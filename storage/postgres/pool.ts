import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type pg from 'pg';
import { DomainError } from '../../services/errors.js';

// One pool per process. Every statement has a timeout, so a slow query or a database failing
// over cannot hang a turn; errors that mean "the database is not there right now" become
// `storage-unavailable`, which the user is told to retry in a moment.

export interface PostgresOptions {
  connectionString: string;
  /** Connections per instance. */
  poolSize?: number;
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Reported by the database for every connection (pg_stat_activity). */
  applicationName?: string;
  log?: (message: string) => void;
}

const requireHere = createRequire(import.meta.url);

/**
 * node-postgres, required when the first pool or client is made rather than imported: the files
 * engine, the embedded default, then never loads it (0.4 MB of heap for the process's life).
 */
export function postgresDriver(): typeof pg {
  return requireHere('pg') as typeof pg;
}

export function createPool(options: PostgresOptions): pg.Pool {
  const statementTimeout = options.statementTimeoutMs ?? 5000;
  const pool = new (postgresDriver().Pool)({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    statement_timeout: statementTimeout,
    // The client gives up a little after the server should have: a server that stopped answering.
    query_timeout: statementTimeout + 2000,
    idle_in_transaction_session_timeout: statementTimeout * 2,
    application_name: options.applicationName ?? 'cpor-claims-assistant',
  });
  // An idle connection dropped by a restart or failover: the pool replaces it on next use.
  pool.on('error', (error) => options.log?.(`postgres: idle connection lost: ${error.message}`));
  return pool;
}

// SQLSTATE classes and codes meaning the database is unreachable, restarting or failing over.
const UNAVAILABLE_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '57014',
  '25P03',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection ended unexpectedly|is not queryable/i;

export function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  return UNAVAILABLE_MESSAGES.test(error.message);
}

/** Deadlocks and serialization failures: the transaction did nothing and may simply run again. */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === '40P01' || code === '40001';
}

/** Rethrows a database error as what the product understands; domain errors pass through. */
export function translate(error: unknown): never {
  if (error instanceof DomainError) throw error;
  if (isUnavailable(error)) throw new DomainError('storage-unavailable', { cause: (error as Error).message.slice(0, 200) });
  throw error;
}

const statementNames = new Map<string, string>();

/**
 * A statement the server parses and plans once per connection instead of on every run (a named
 * prepared statement): for those of the turn and delivery paths, whose text is constant and whose
 * values change. Named after a digest of the text, so two different texts never share a name.
 */
export function prepared(text: string, values: unknown[] = []): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `s-${createHash('sha256').update(text).digest('base64url').slice(0, 22)}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}
