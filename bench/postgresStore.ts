import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../services/clock.js';
import { copyFilesToPostgres } from '../storage/copyFilesToPostgres.js';
import { createPool } from '../storage/postgres/pool.js';
import { PostgresClaimRepository } from '../storage/postgres/postgresClaimRepository.js';
import { claimId } from '../test/support/claimFixtures.js';
import { testCluster } from '../test/support/postgresCluster.js';
import { fillStore, withOneMoreChange } from './storeUpdate.js';

// The PostgreSQL engine on a throw-away local cluster (test/support/postgresCluster.ts, fsync
// off: these figures are the engine's own cost, not a durable server's): the same claims as the
// files bench (filled through the copy script), one update at a time, 20 updates at once spread
// over two instances (pools), and the two queries every tick and delivery pass start with.
//
//   npx tsx bench/postgresStore.ts          sizes 1000, 10000

export interface PostgresBenchRow {
  n: number;
  copyMs: number;
  p50Ms: number;
  p99Ms: number;
  updatesPerSecond: number;
  /** 20 concurrent updates of different claims from two pools: updates per second. */
  concurrentPerSecond: number;
  nextDueP99Ms: number;
  pendingAlertsP99Ms: number;
}

export async function runPostgresBench(
  sizes: readonly number[],
  options: { updates?: number; progress?: (message: string) => void } = {},
): Promise<PostgresBenchRow[] | undefined> {
  const cluster = await testCluster();
  if (!cluster) return undefined;
  const rows: PostgresBenchRow[] = [];
  for (const n of sizes) {
    const dataDir = await mkdtemp(join(tmpdir(), 'cpor-bench-pg-'));
    const url = await cluster.createDatabase('cpor_bench');
    const pools = [createPool({ connectionString: url, poolSize: 10 }), createPool({ connectionString: url, poolSize: 10 })];
    try {
      await fillStore(dataDir, n);
      const copyStart = performance.now();
      await copyFilesToPostgres({ dataDir, pool: pools[0]!, clock: systemClock });
      const copyMs = performance.now() - copyStart;
      const [first, second] = pools.map((pool) => new PostgresClaimRepository({ pool, clock: systemClock }));
      await first!.open();

      let seed = 20260302 + n;
      const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
      const pick = () => claimId(1 + Math.floor(random() * n));
      const latencies: number[] = [];
      const updates = options.updates ?? 300;
      const loopStart = performance.now();
      for (let i = 0; i < updates; i += 1) {
        const start = performance.now();
        await first!.update(pick(), (current) => ({ next: withOneMoreChange(current), result: undefined }));
        latencies.push(performance.now() - start);
      }
      const loopMs = performance.now() - loopStart;

      const concurrentStart = performance.now();
      let concurrent = 0;
      for (let round = 0; round < 10; round += 1) {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            (i % 2 ? first! : second!).update(pick(), (current) => ({ next: withOneMoreChange(current), result: undefined })),
          ),
        );
        concurrent += 20;
      }
      const concurrentMs = performance.now() - concurrentStart;

      const timed = async (work: () => Promise<unknown>) => {
        const samples: number[] = [];
        for (let i = 0; i < 200; i += 1) {
          const start = performance.now();
          await work();
          samples.push(performance.now() - start);
        }
        return percentile(
          samples.sort((a, b) => a - b),
          0.99,
        );
      };
      latencies.sort((a, b) => a - b);
      const row: PostgresBenchRow = {
        n,
        copyMs,
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
        updatesPerSecond: latencies.length / (loopMs / 1000),
        concurrentPerSecond: concurrent / (concurrentMs / 1000),
        nextDueP99Ms: await timed(() => first!.nextDue()),
        pendingAlertsP99Ms: await timed(() => first!.idsWithPendingAlerts(200)),
      };
      options.progress?.(`postgres ${n}: copy ${(copyMs / 1000).toFixed(1)} s, update p99 ${row.p99Ms.toFixed(2)} ms`);
      rows.push(row);
    } finally {
      await Promise.all(pools.map((pool) => pool.end()));
      await rm(dataDir, { recursive: true, force: true });
    }
  }
  return rows;
}

function percentile(sortedValues: readonly number[], fraction: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sortedValues.length) - 1;
  return sortedValues[Math.min(sortedValues.length - 1, Math.max(0, rank))]!;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const rows = await runPostgresBench([1000, 10_000], { progress: (message) => console.error(message) });
  if (!rows) {
    console.error('PostgreSQL binaries not found (apt-get install postgresql, or PG_BIN_DIR)');
    process.exitCode = 1;
  } else console.table(rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value.toFixed(2))]))));
}
