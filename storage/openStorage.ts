import type { Storage } from 'botbuilder';
import type { ClaimRepository } from '../services/claimRepository.js';
import type { Clock } from '../services/clock.js';
import { isDomainError } from '../services/errors.js';
import type { SendLimiter } from '../services/sendLimits.js';
import { FileStorage } from './files/fileStateStorage.js';
import { LowdbClaimRepository } from './files/lowdbClaimRepository.js';
import { createPool } from './postgres/pool.js';
import { PostgresClaimRepository } from './postgres/postgresClaimRepository.js';
import { PostgresSendLimiter } from './postgres/postgresSendLimiter.js';
import { PostgresStateStorage } from './postgres/postgresStateStorage.js';

// Picks the engine from configuration: `files` (embedded under DATA_DIR, no set-up) or
// `postgres` (DATABASE_URL; several instances may share the database).

export const STORE_ENGINES = ['files', 'postgres'] as const;
export type StoreEngine = (typeof STORE_ENGINES)[number];

export interface StorageSettings {
  engine: StoreEngine;
  dataDir: string;
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
    return { engine: 'files', claims, botState: new FileStorage(settings.dataDir), close: () => claims.close() };
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
  return {
    engine: 'postgres',
    claims,
    botState: new PostgresStateStorage(pool),
    sendLimiter: new PostgresSendLimiter({ pool, clock: context.clock, ...(context.log ? { log: context.log } : {}) }),
    close: async () => {
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
