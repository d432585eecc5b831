import type { Storage } from 'botbuilder';
import type { ClaimRepository } from '../services/claimRepository.js';
import type { Clock } from '../services/clock.js';
import { isDomainError } from '../services/errors.js';
import type { RosterStorage } from '../services/directory/rosterStorage.js';
import type { BlobStore } from '../services/store/blobStore.js';
import { FileBlobStore } from './files/fileBlobStore.js';
import { RosterFiles } from './files/rosterFiles.js';
import type { DocumentStore } from '../services/store/documentStore.js';
import { FileDocumentStore } from './files/fileDocumentStore.js';
import type { SendLimiter } from '../services/sendLimits.js';
import { FileStorage } from './files/fileStateStorage.js';
import { LowdbClaimRepository } from './files/lowdbClaimRepository.js';
import { migrate } from './postgres/migrate.js';
import { createPool } from './postgres/pool.js';
import { PostgresBlobStore } from './postgres/postgresBlobStore.js';
import { PostgresRosterStorage } from './postgres/postgresRosterStorage.js';
import { PostgresClaimRepository } from './postgres/postgresClaimRepository.js';
import { PostgresDocumentStore } from './postgres/postgresDocumentStore.js';
import { PostgresSendLimiter } from './postgres/postgresSendLimiter.js';
import { PostgresStateStorage } from './postgres/postgresStateStorage.js';

// Picks the engine from configuration: `files` (embedded under DATA_DIR, no set-up) or
// `postgres` (DATABASE_URL; several instances may share the database).

export const STORE_ENGINES = ['files', 'postgres'] as const;
export type StoreEngine = (typeof STORE_ENGINES)[number];

export interface StorageSettings {
  engine: StoreEngine;
  dataDir: string;
  /** The files engine's roster and its audit trail (ROSTER_FILE, ROSTER_AUDIT_FILE). */
  rosterFile: string;
  auditFile: string;
  databaseUrl?: string;
  poolSize?: number;
  statementTimeoutMs?: number;
  /** How long start-up waits for an unreachable database before giving up (0: no wait). */
  startupWaitMs?: number;
}

export interface OpenedStorage {
  engine: StoreEngine;
  claims: ClaimRepository;
  /** botbuilder's Storage with eTags: dialog stacks and user preferences. */
  botState: Storage;
  /** PoE files, consent mails of a local run, the link signing secret. */
  blobs: BlobStore;
  /** The roster and its audit trail (with PostgreSQL, every instance hears each change). */
  roster: RosterStorage;
  /** Keyed documents with eTags: conversation references, card copies, delivery journal, used consent tokens. */
  documents: DocumentStore;
  /**
   * Teams' send limits counted across every instance (postgres). Absent for files, whose one
   * instance counts them in its own process.
   */
  sendLimiter?: SendLimiter;
  /** Closes the repository, then the connections. */
  close(): Promise<void>;
}

export async function openStorage(
  settings: StorageSettings,
  context: { clock: Clock; log?: (message: string, error?: unknown) => void },
): Promise<OpenedStorage> {
  if (settings.engine === 'files') {
    const claims = new LowdbClaimRepository({ dataDir: settings.dataDir });
    await claims.open();
    return {
      engine: 'files',
      claims,
      botState: new FileStorage(settings.dataDir),
      blobs: new FileBlobStore(settings.dataDir),
      roster: new RosterFiles(settings.rosterFile, settings.auditFile),
      documents: new FileDocumentStore({ dataDir: settings.dataDir, clock: context.clock, ...(context.log ? { log: context.log } : {}) }),
      close: () => claims.close(),
    };
  }
  if (!settings.databaseUrl) throw new Error('STORE=postgres needs DATABASE_URL');
  const pool = createPool({
    connectionString: settings.databaseUrl,
    ...(settings.poolSize ? { poolSize: settings.poolSize } : {}),
    ...(settings.statementTimeoutMs ? { statementTimeoutMs: settings.statementTimeoutMs } : {}),
    ...(context.log ? { log: context.log } : {}),
  });
  const claims = new PostgresClaimRepository({ pool, clock: context.clock });
  try {
    await openWhenReachable(claims, settings.startupWaitMs ?? 0, context);
  } catch (error) {
    await pool.end();
    throw error;
  }
  const roster = new PostgresRosterStorage({
    pool,
    connectionString: settings.databaseUrl,
    clock: context.clock,
    ...(context.log ? { log: context.log } : {}),
  });
  try {
    if (await roster.seedFrom(new RosterFiles(settings.rosterFile, settings.auditFile))) {
      context.log?.(`postgres: the roster in ${settings.rosterFile} is now the database's; the file is no longer read`);
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    engine: 'postgres',
    claims,
    botState: new PostgresStateStorage(pool),
    blobs: new PostgresBlobStore(pool),
    roster,
    documents: new PostgresDocumentStore({ pool, clock: context.clock, dataDir: settings.dataDir, ...(context.log ? { log: context.log } : {}) }),
    sendLimiter: new PostgresSendLimiter({ pool, clock: context.clock, ...(context.log ? { log: context.log } : {}) }),
    close: async () => {
      await roster.close();
      await claims.close();
      await pool.end();
    },
  };
}

/**
 * Opens (migrates) the repository, waiting with growing pauses while the database is unreachable
 * (an instance starting during a failover), up to `waitMs` of the clock's time.
 */
async function openWhenReachable(claims: PostgresClaimRepository, waitMs: number, context: { clock: Clock; log?: (message: string) => void }): Promise<void> {
  const giveUpAt = context.clock.now().getTime() + waitMs;
  for (let pause = 500; ; pause = Math.min(pause * 2, 5000)) {
    try {
      await claims.open();
      return;
    } catch (error) {
      const left = giveUpAt - context.clock.now().getTime();
      if (!isDomainError(error, 'storage-unavailable') || left <= 0) throw error;
      context.log?.(`postgres: not reachable at start (${String(error.params.cause ?? '')}); trying again`);
      await context.clock.sleep(Math.min(pause, left));
    }
  }
}

/**
 * The roster alone, for the operator's CLI while the bot may be running: nothing else of the
 * store is opened (opening the files engine's claims tidies their folder, which is the bot's).
 */
export async function openRosterStorage(
  settings: Pick<StorageSettings, 'engine' | 'rosterFile' | 'auditFile' | 'databaseUrl'>,
  context: { clock: Clock },
): Promise<RosterStorage> {
  if (settings.engine === 'files') return new RosterFiles(settings.rosterFile, settings.auditFile);
  if (!settings.databaseUrl) throw new Error('STORE=postgres needs DATABASE_URL');
  const pool = createPool({ connectionString: settings.databaseUrl, poolSize: 2 });
  try {
    await migrate(pool, context.clock);
  } catch (error) {
    await pool.end();
    throw error;
  }
  // No connection string: the CLI makes one change and exits, it listens to no one.
  const roster = new PostgresRosterStorage({ pool, clock: context.clock });
  return {
    location: roster.location,
    read: () => roster.read(),
    change: (change) => roster.change(change),
    auditTrail: (onSkipped) => roster.auditTrail(onSkipped),
    watch: (listener) => roster.watch(listener),
    close: async () => {
      await roster.close();
      await pool.end();
    },
  };
}
