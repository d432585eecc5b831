import type pg from 'pg';
import type { ClaimRepository } from '../../services/claimRepository.js';
import { systemClock } from '../../services/clock.js';
import { LowdbClaimRepository } from '../../storage/files/lowdbClaimRepository.js';
import { createPool } from '../../storage/postgres/pool.js';
import { PostgresClaimRepository } from '../../storage/postgres/postgresClaimRepository.js';
import { tempDataDir, type TempDataDir } from '../support/claimFixtures.js';
import { testCluster, type PostgresCluster } from '../support/postgresCluster.js';

// The engines the contract suite runs against, each behind the same small lifecycle: a fresh,
// empty store per test, a second handle on the same data (a restart, or another instance).

export interface EngineUnderTest {
  name: 'files' | 'postgres';
  /** An empty store for one test. */
  fresh(): Promise<ClaimRepository>;
  /** Another repository on the same data: a restart (files) or another instance (postgres). */
  another(): Promise<ClaimRepository>;
  cleanup(): Promise<void>;
}

export function filesEngine(): EngineUnderTest {
  let dir: TempDataDir | undefined;
  const opened: LowdbClaimRepository[] = [];
  const open = async () => {
    const repository = new LowdbClaimRepository({ dataDir: dir!.path });
    await repository.open();
    opened.push(repository);
    return repository;
  };
  return {
    name: 'files',
    async fresh() {
      dir = await tempDataDir('cpor-contract-');
      return open();
    },
    another: async () => {
      // One process owns a DATA_DIR: the earlier handle is closed first, as at a restart.
      await Promise.all(opened.splice(0).map((repository) => repository.close()));
      return open();
    },
    async cleanup() {
      await Promise.all(opened.splice(0).map((repository) => repository.close()));
      await dir?.remove();
      dir = undefined;
    },
  };
}

/** Undefined when PostgreSQL is not installed (and CI is not set: then it throws). */
export async function postgresEngine(): Promise<(EngineUnderTest & { cluster: PostgresCluster; url: () => string }) | undefined> {
  const cluster = await testCluster();
  if (!cluster) return undefined;
  const url = await cluster.createDatabase('cpor_contract');
  const pools: pg.Pool[] = [];
  const open = async () => {
    const pool = createPool({ connectionString: url, poolSize: 12 });
    pools.push(pool);
    const repository = new PostgresClaimRepository({ pool, clock: systemClock });
    await repository.open();
    return repository;
  };
  return {
    name: 'postgres',
    cluster,
    url: () => url,
    async fresh() {
      const repository = await open();
      await pools[0]!.query('TRUNCATE claims, claim_alerts, claim_counters');
      return repository;
    },
    another: open,
    async cleanup() {
      await Promise.all(pools.splice(0).map((pool) => pool.end()));
    },
  };
}
