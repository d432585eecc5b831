import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { ClaimService } from '../services/claimService.js';
import { systemClock } from '../services/clock.js';
import { createPolicy } from '../services/policy.js';
import { openStorage } from '../storage/openStorage.js';
import { createPool } from '../storage/postgres/pool.js';
import { PostgresClaimRepository } from '../storage/postgres/postgresClaimRepository.js';
import { testCluster } from '../test/support/postgresCluster.js';
import { benchPartner, benchReviewer } from './support/benchActors.js';
import { startBotProcess, type BotProcess } from './support/botProcess.js';
import { startConnectorSink, type ConnectorSink } from './support/connectorSink.js';
import { median } from './support/load.js';
import { seededId, seededStage, seedPostgresClaims, verifySeeded, type SeededPostgresClaims } from './support/seedPostgresClaims.js';
import { withOneMoreChange } from './storeUpdate.js';
import { approveInvoke, ClaimSupply, expectNothing, expectTextReply, messageTurn, Scenario, type Settings } from './turns.js';

// The PostgreSQL engine at scale (issue 15), on the throw-away local cluster (fsync off): per
// size, a database filled straight in SQL (bench/support/seedPostgresClaims.ts), then
// - start-up: openStorage (pool, migrations, roster) in this process, and the product's whole
//   startApp in a child process until it listens (nothing is loaded into memory: flat in n);
// - tick(now) with nothing due: ClaimService.tick on the repository, p50/p99 of single ticks;
// - one claim update at a time on random claims (as bench/storeUpdate.ts and postgresStore.ts);
// and at the largest size, `approve` invokes (closed loop, concurrency 10) against one and then
// two product processes on that database, requests spread round-robin, beside the echo floor of
// the same run.
//
//   npx tsx bench/postgresScale.ts            sizes 100000, 1000000
//   BENCH_NO_1M=1 npx tsx bench/postgresScale.ts   100000 only

export interface PostgresScaleRow {
  n: number;
  fillMs: number;
  /** openStorage for STORE=postgres (pool, migrations, roster): median of the runs. */
  openMs: number;
  /** startApp in its own process until it listens, measured inside it: median of the runs. */
  startAppMs: number;
  /** The same from fork (loading the compiled modules included). */
  processReadyMs: number;
  tickP50Ms: number;
  tickP99Ms: number;
  p50Ms: number;
  p99Ms: number;
  updatesPerSecond: number;
}

export interface ApproveScaleResult {
  n: number;
  echo: number;
  oneInstance: number;
  twoInstances: number;
  /** Each closed-loop run, in order, for the notes. */
  runs: { echo: number[]; oneInstance: number[]; twoInstances: number[] };
  errors: { echo: number; oneInstance: number; twoInstances: number };
  /** Alerts the approvals left waiting for delivery when each phase ended. */
  backlog: { oneInstance: number; twoInstances: number };
  approved: number;
}

export interface PostgresScaleResult {
  rows: PostgresScaleRow[];
  approve?: ApproveScaleResult;
}

export interface PostgresScaleOptions {
  runs?: number;
  updates?: number;
  ticks?: number;
  /** Closed-loop settings of the approve runs. */
  runMs?: number;
  warmupMs?: number;
  /** Leave the approve runs out. */
  noApprove?: boolean;
  progress?: (message: string) => void;
}

export async function runPostgresScaleBench(sizes: readonly number[], options: PostgresScaleOptions = {}): Promise<PostgresScaleResult | undefined> {
  const cluster = await testCluster();
  if (!cluster) return undefined;
  const progress = options.progress ?? (() => undefined);
  const runs = options.runs ?? 3;
  const result: PostgresScaleResult = { rows: [] };
  for (const [index, n] of sizes.entries()) {
    const url = await cluster.createDatabase(`cpor_scale_${n}`);
    // Filling runs statements of a minute; the product's 5 s statement timeout is for its own queries.
    const admin = createPool({ connectionString: url, poolSize: 2, statementTimeoutMs: 900_000 });
    const pool = createPool({ connectionString: url, poolSize: 10 });
    try {
      const seeded = await seedPostgresClaims(admin, n, progress);
      progress(`postgres ${n}: filled in ${(seeded.fillMs / 1000).toFixed(0)} s; verifying`);
      await verifySeeded(admin, seeded);

      const opens: number[] = [];
      const starts: BotProcess[] = [];
      for (let run = 0; run < runs; run += 1) opens.push(await timeOpenStorage(url));
      for (let run = 0; run < runs; run += 1) starts.push(await startAndStop(url));
      progress(`postgres ${n}: openStorage ${median(opens).toFixed(0)} ms, startApp ${median(starts.map((bot) => bot.startMs)).toFixed(0)} ms`);

      const ticks = await timeTicks(pool, seeded, runs, options.ticks ?? 200);
      progress(`postgres ${n}: tick with nothing due p99 ${ticks.p99Ms.toFixed(3)} ms`);

      if (index === sizes.length - 1 && !options.noApprove) {
        result.approve = await approveRuns(url, admin, seeded, { runs, runMs: options.runMs ?? 5000, warmupMs: options.warmupMs ?? 3000 }, progress);
      }

      const updates = await timeUpdates(pool, seeded, runs, options.updates ?? 300);
      progress(`postgres ${n}: update p99 ${updates.p99Ms.toFixed(2)} ms`);
      result.rows.push({
        n,
        fillMs: seeded.fillMs,
        openMs: median(opens),
        startAppMs: median(starts.map((bot) => bot.startMs)),
        processReadyMs: median(starts.map((bot) => bot.readyMs)),
        tickP50Ms: ticks.p50Ms,
        tickP99Ms: ticks.p99Ms,
        ...updates,
      });
    } finally {
      await pool.end();
      await admin.end();
      // The database's gigabytes are dropped at once, not kept until the cluster goes.
      await dropDatabase(url);
    }
  }
  return result;
}

/** STORE=postgres openStorage, as startApp calls it, on a fresh pool; closed again after. */
async function timeOpenStorage(url: string): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cpor-bench-open-'));
  try {
    const started = performance.now();
    const storage = await openStorage(
      { engine: 'postgres', dataDir, rosterFile: join(dataDir, 'roster.jsonl'), auditFile: join(dataDir, 'roster-audit.jsonl'), databaseUrl: url },
      { clock: systemClock },
    );
    const openMs = performance.now() - started;
    await storage.close();
    return openMs;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The product as bot/index.ts starts it, in its own process, on the database; stopped once it listens. */
async function startAndStop(url: string): Promise<BotProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'cpor-bench-start-'));
  try {
    const bot = await startProduct(url, dataDir);
    await bot.stop();
    return bot;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

function startProduct(url: string, dataDir: string): Promise<BotProcess> {
  return startBotProcess('product', dataDir, { environment: { STORE: 'postgres', DATABASE_URL: url } });
}

async function timeTicks(pool: pg.Pool, seeded: SeededPostgresClaims, runs: number, ticks: number): Promise<{ p50Ms: number; p99Ms: number }> {
  const repository = new PostgresClaimRepository({ pool, clock: systemClock, migrate: false });
  const service = new ClaimService({ repository, policy: createPolicy({}), clock: systemClock });
  // A running instance's pool is connected and its statements planned: so is this one before timing.
  for (let i = 0; i < 20; i += 1) await service.tick(new Date());
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const samples: number[] = [];
    for (let i = 0; i < ticks; i += 1) {
      const now = new Date();
      const started = performance.now();
      const fired = await service.tick(now);
      samples.push(performance.now() - started);
      if (fired.length > 0 || now.getTime() >= seeded.earliestDueAt) throw new Error(`a tick fired ${fired.length} timers: something was due`);
    }
    samples.sort((a, b) => a - b);
    p50s.push(percentile(samples, 0.5));
    p99s.push(percentile(samples, 0.99));
  }
  return { p50Ms: median(p50s), p99Ms: median(p99s) };
}

async function timeUpdates(
  pool: pg.Pool,
  seeded: SeededPostgresClaims,
  runs: number,
  updates: number,
): Promise<{ p50Ms: number; p99Ms: number; updatesPerSecond: number }> {
  const repository = new PostgresClaimRepository({ pool, clock: systemClock, migrate: false });
  let seed = 20260302 + seeded.n;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  // As for ticks: connections opened before timing (each of the pool's, since updates take turns).
  await Promise.all(Array.from({ length: 10 }, () => pool.query('SELECT 1')));
  const p50s: number[] = [];
  const p99s: number[] = [];
  const rates: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const latencies: number[] = [];
    const loopStart = performance.now();
    for (let i = 0; i < updates; i += 1) {
      const id = seededId(seeded.year, 1 + Math.floor(random() * seeded.n));
      const started = performance.now();
      await repository.update(id, (current) => ({ next: withOneMoreChange(current), result: undefined }));
      latencies.push(performance.now() - started);
    }
    rates.push(latencies.length / ((performance.now() - loopStart) / 1000));
    latencies.sort((a, b) => a - b);
    p50s.push(percentile(latencies, 0.5));
    p99s.push(percentile(latencies, 0.99));
  }
  return { p50Ms: median(p50s), p99Ms: median(p99s), updatesPerSecond: median(rates) };
}

// ---- approve invokes on one and on two instances ----------------------------------------------

async function approveRuns(
  url: string,
  admin: pg.Pool,
  seeded: SeededPostgresClaims,
  timing: { runs: number; runMs: number; warmupMs: number },
  progress: (message: string) => void,
): Promise<ApproveScaleResult> {
  const settings: Settings = { ...timing, concurrency: 10, ratePerSecond: 250 };
  // Every InReview claim, each approved at most once across both phases.
  const inReview: string[] = [];
  for (let sequence = 1; sequence <= seeded.n; sequence += 1) if (seededStage(sequence) === 'InReview') inReview.push(seededId(seeded.year, sequence));
  const supply = new ClaimSupply({ ids: inReview, version: seeded.versions.InReview! }, 0);
  const sink = await startConnectorSink();
  try {
    const echoBot = await startBotProcess('echo');
    let echo: Awaited<ReturnType<Scenario['throughput']>>;
    try {
      const scenario = new Scenario('echo', echoBot, sink, (slot) => messageTurn(sink, echoBot.url, benchPartner(slot), `a:bench-echo-${slot}`, 'hello'));
      await scenario.probe(expectTextReply('echo hello'));
      echo = await scenario.throughput(settings, progress);
    } finally {
      await echoBot.stop();
    }
    const one = await approvePhase(url, 1, sink, supply, seeded.versions.InReview!, settings, progress);
    // The first phase's alerts are not the second's work: marked sent, as delivered long ago.
    await settleAlerts(admin);
    const two = await approvePhase(url, 2, sink, supply, seeded.versions.InReview!, settings, progress);
    await settleAlerts(admin);
    return {
      n: seeded.n,
      echo: median(echo.throughputRuns),
      oneInstance: median(one.throughputRuns),
      twoInstances: median(two.throughputRuns),
      runs: { echo: echo.throughputRuns, oneInstance: one.throughputRuns, twoInstances: two.throughputRuns },
      errors: { echo: echo.errors, oneInstance: one.errors, twoInstances: two.errors },
      backlog: { oneInstance: one.backlog, twoInstances: two.backlog },
      approved: supply.used,
    };
  } finally {
    await sink.close();
  }
}

async function approvePhase(
  url: string,
  instances: number,
  sink: ConnectorSink,
  supply: ClaimSupply,
  version: number,
  settings: Settings,
  progress: (message: string) => void,
): Promise<{ throughputRuns: number[]; errors: number; backlog: number }> {
  const dataDirs = await Promise.all(Array.from({ length: instances }, () => mkdtemp(join(tmpdir(), 'cpor-bench-approve-'))));
  const bots: BotProcess[] = [];
  try {
    for (const dataDir of dataDirs) bots.push(await startProduct(url, dataDir));
    let turn = 0;
    // Round-robin, as a load balancer in front of the instances would spread them.
    const scenario = new Scenario('approve', bots[0]!, sink, (slot) =>
      approveInvoke(sink, bots[turn++ % bots.length]!.url, benchReviewer(slot), supply.next(), version),
    );
    await scenario.probe(expectNothing);
    progress(`postgres approve: ${instances} instance(s)`);
    const measured = await scenario.throughput(settings, progress);
    return { ...measured, backlog: await bots[0]!.pendingAlerts() };
  } finally {
    for (const bot of bots) await bot.stop();
    await Promise.all(dataDirs.map((dataDir) => rm(dataDir, { recursive: true, force: true })));
  }
}

/** Marks every pending alert sent (row, document and the claim's columns), with no instance running. */
async function settleAlerts(admin: pg.Pool): Promise<void> {
  await admin.query(`UPDATE claim_alerts SET state = 'sent',
      alert = alert || jsonb_build_object('state', 'sent', 'attempts', greatest((alert ->> 'attempts')::int, 1), 'sentAt', alert -> 'createdAt')
    WHERE state = 'pending'`);
  await admin.query('UPDATE claims SET pending_alerts = 0, pending_mark = NULL, oldest_pending_at = NULL WHERE oldest_pending_at IS NOT NULL');
}

/** As bench/storeUpdate.ts ranks it. */
function percentile(sortedValues: readonly number[], fraction: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sortedValues.length) - 1;
  return sortedValues[Math.min(sortedValues.length - 1, Math.max(0, rank))]!;
}

async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = createPool({ connectionString: url.replace(/\/[^/]+$/, '/postgres'), poolSize: 1, statementTimeoutMs: 600_000 });
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sizes = [100_000, ...(process.env.BENCH_NO_1M === '1' ? [] : [1_000_000])];
  const result = await runPostgresScaleBench(sizes, { progress: (message) => console.error(message) });
  if (!result) {
    console.error('PostgreSQL binaries not found (apt-get install postgresql, or PG_BIN_DIR)');
    process.exitCode = 1;
  } else {
    console.table(result.rows.map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, Number(value.toFixed(2))]))));
    if (result.approve) console.log(result.approve);
  }
}
