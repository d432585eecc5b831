import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { copyForChange } from '../services/claims/claimCopy.js';
import type { ClaimDocument, Status } from '../services/model.js';
import { LowdbClaimRepository } from '../storage/files/lowdbClaimRepository.js';
import { claimId, makeAlert, makeClaimDocument, makeHistoryEntry, makeTimer } from '../test/support/claimFixtures.js';

// How the embedded store's start-up and update cost grow with the number of claims.
// For each size: fill a temporary DATA_DIR with that many claim files (written directly in the
// store's layout, DATA_DIR/claims/<id>.json plus sequence.json), time open(), then time
// sequential updates of random claims, each adding a history entry and a pending alert.
//
//   npx tsx bench/storeUpdate.ts            sizes 100, 1000, 10000
//   BENCH_FULL=1 npx tsx bench/storeUpdate.ts   and 100000

export interface StoreBenchRow {
  /** Claims in the store. */
  n: number;
  /** Time open() took to read every file and build the index. */
  loadMs: number;
  /** Updates actually timed (fewer than asked only if the time budget ran out). */
  updates: number;
  p50Ms: number;
  p99Ms: number;
  updatesPerSecond: number;
  /** Each run's figures, in order (the row's are their medians). */
  runs?: Pick<StoreBenchRow, 'loadMs' | 'p50Ms' | 'p99Ms' | 'updatesPerSecond'>[];
}

export interface StoreBenchOptions {
  /** Sequential updates per size; 300 unless given. */
  updates?: number;
  /** Stop the update loop of one size after this long; 60 s unless given. */
  updateBudgetMs?: number;
  /** Seed of the random choice of claims, so runs are comparable. */
  seed?: number;
  /**
   * Runs per size on the same filled folder (open, updates, close), 1 unless given; each figure
   * of the row is the median of the runs.
   */
  repeats?: number;
  /** Called once per size after the runs, before the folder is removed, e.g. to time ticks on it. */
  onFilled?: (dataDir: string, n: number) => Promise<void>;
  /** Told how long filling took and each run's row, for progress output. */
  progress?: (message: string) => void;
}

const STATUSES_CYCLE: readonly Status[] = ['Submitted', 'InReview', 'PartnerActionRequired', 'Approved', 'Draft'];
const FILL_CONCURRENCY = 128;
const YEAR_START = Date.parse('2026-01-01T00:00:00.000Z');

/** When the one timer of claim k (from 1) is due, in epoch ms; drafts (every fifth) have none. */
export function timerDueAt(sequence: number): number {
  return YEAR_START + sequence * 60_000;
}

/** Whether claim k (from 1) of a filled store has a timer. */
export function hasTimer(sequence: number): boolean {
  return STATUSES_CYCLE[sequence % STATUSES_CYCLE.length] !== 'Draft';
}

export async function runStoreBench(sizes: readonly number[], options: StoreBenchOptions = {}): Promise<StoreBenchRow[]> {
  const rows: StoreBenchRow[] = [];
  for (const n of sizes) rows.push(await benchOneSize(n, options));
  return rows;
}

async function benchOneSize(n: number, options: StoreBenchOptions): Promise<StoreBenchRow> {
  const repeats = Math.max(1, options.repeats ?? 1);
  const dataDir = await mkdtemp(join(tmpdir(), 'cpor-bench-store-'));
  try {
    const fillStart = performance.now();
    await fillStore(dataDir, n);
    options.progress?.(`store ${n}: filled in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`);
    const runs: StoreBenchRow[] = [];
    for (let run = 0; run < repeats; run += 1) {
      runs.push(await runOnce(dataDir, n, run, options));
      const last = runs[runs.length - 1]!;
      options.progress?.(`store ${n}: run ${run + 1}/${repeats} load ${last.loadMs.toFixed(0)} ms, p99 ${last.p99Ms.toFixed(2)} ms`);
    }
    await options.onFilled?.(dataDir, n);
    const middle = (pick: (row: StoreBenchRow) => number) => medianOf(runs.map(pick));
    return {
      n,
      loadMs: middle((row) => row.loadMs),
      updates: middle((row) => row.updates),
      p50Ms: middle((row) => row.p50Ms),
      p99Ms: middle((row) => row.p99Ms),
      updatesPerSecond: middle((row) => row.updatesPerSecond),
      runs: runs.map(({ loadMs, p50Ms, p99Ms, updatesPerSecond }) => ({ loadMs, p50Ms, p99Ms, updatesPerSecond })),
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function runOnce(dataDir: string, n: number, run: number, options: StoreBenchOptions): Promise<StoreBenchRow> {
  const updates = options.updates ?? 300;
  const budgetMs = options.updateBudgetMs ?? 60_000;
  const random = mulberry32((options.seed ?? 20260302 + n) + run * 7919);
  const repo = new LowdbClaimRepository({ dataDir });
  const loadStart = performance.now();
  await repo.open();
  const loadMs = performance.now() - loadStart;
  const loaded = await repo.count();
  if (loaded !== n) throw new Error(`loaded ${loaded} claims, expected ${n}`);

  const latencies: number[] = [];
  const loopStart = performance.now();
  for (let i = 0; i < updates && performance.now() - loopStart < budgetMs; i += 1) {
    const id = claimId(1 + Math.floor(random() * n));
    const start = performance.now();
    await repo.update(id, (current) => ({ next: withOneMoreChange(current), result: undefined }));
    latencies.push(performance.now() - start);
  }
  const loopMs = performance.now() - loopStart;
  await repo.close();

  latencies.sort((a, b) => a - b);
  return {
    n,
    loadMs,
    updates: latencies.length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    updatesPerSecond: latencies.length / (loopMs / 1000),
  };
}

function medianOf(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * What a typical service change does to a document: new version, one history entry, one alert.
 * Stored documents are frozen and shared, so it works on a copy, as the service's changes do.
 */
export function withOneMoreChange(stored: ClaimDocument): ClaimDocument {
  const current: ClaimDocument = { claim: copyForChange(stored.claim), outbox: [...stored.outbox] };
  const claim = current.claim;
  claim.version += 1;
  claim.updatedAt = new Date().toISOString();
  claim.history.push(makeHistoryEntry(claim.history.length + 1, { at: claim.updatedAt, action: 'comment', changes: [{ field: 'comments', to: 1 }] }));
  current.outbox.push(
    makeAlert(claim, {
      id: `alert-${claim.id}-${claim.version}`,
      dedupeKey: `${claim.id}:${claim.version}:new-comment:partner`,
      kind: 'new-comment',
      to: 'partner',
      createdAt: claim.updatedAt,
    }),
  );
  return current;
}

/**
 * Writes n schema-valid claims straight into the store's layout. Claim k (from 1) is in status
 * Submitted, InReview, PartnerActionRequired, Approved or Draft in turn; every one but the drafts
 * has one timer, due at 2026-01-01T00:00Z plus k minutes (see `timerDueAt`).
 */
export async function fillStore(dataDir: string, n: number): Promise<void> {
  const claimsDir = join(dataDir, 'claims');
  await mkdir(claimsDir, { recursive: true });
  const template = makeClaimDocument({ id: claimId(1), history: [makeHistoryEntry(1, { action: 'create' })] });
  const tenants = Array.from({ length: 64 }, (_, i) => `6f1d2c3b-4a5e-4f60-8a7b-${String(i).padStart(12, '0')}`);

  const documentText = (sequence: number): string => {
    const document = structuredClone(template);
    const claim = document.claim;
    claim.id = claimId(sequence);
    claim.partnerTenantId = tenants[sequence % tenants.length]!;
    claim.status = STATUSES_CYCLE[sequence % STATUSES_CYCLE.length]!;
    claim.details.customerTenantId = `d4c3b2a1-9f8e-4d7c-b6a5-${String(sequence).padStart(12, '0')}`;
    if (claim.status === 'Draft') delete claim.submittedAt;
    else claim.timers = [makeTimer(new Date(timerDueAt(sequence)).toISOString())];
    if (sequence % 10 === 0) document.outbox.push(makeAlert(claim));
    return JSON.stringify(document);
  };

  let next = 1;
  const worker = async (): Promise<void> => {
    while (next <= n) {
      const sequence = next;
      next += 1;
      await writeFile(join(claimsDir, `${claimId(sequence)}.json`), documentText(sequence));
    }
  };
  await Promise.all(Array.from({ length: Math.min(FILL_CONCURRENCY, n) }, worker));
  await writeFile(join(dataDir, 'sequence.json'), JSON.stringify({ 2026: n }));
}

function percentile(sortedValues: readonly number[], fraction: number): number {
  if (sortedValues.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sortedValues.length) - 1;
  return sortedValues[Math.min(sortedValues.length - 1, Math.max(0, rank))]!;
}

/** A small seeded generator, so every run picks the same claims. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function formatStoreBenchTable(rows: readonly StoreBenchRow[]): string {
  const header = ['N', 'load ms', 'updates', 'p50 ms', 'p99 ms', 'updates/s'];
  const lines = rows.map((row) => [
    String(row.n),
    row.loadMs.toFixed(1),
    String(row.updates),
    row.p50Ms.toFixed(2),
    row.p99Ms.toFixed(2),
    row.updatesPerSecond.toFixed(0),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: readonly string[]) => cells.map((cell, column) => cell.padStart(widths[column]!)).join('  ');
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...lines.map(format)].join('\n');
}

const executedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;

if (executedDirectly) {
  const sizes = [100, 1000, 10_000, ...(process.env.BENCH_FULL === '1' ? [100_000] : [])];
  const rows = await runStoreBench(sizes);
  console.log(formatStoreBenchTable(rows));
}
