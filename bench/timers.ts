import { performance } from 'node:perf_hooks';
import { ClaimService } from '../services/claimService.js';
import { createPolicy } from '../services/policy.js';
import { LowdbClaimRepository } from '../storage/files/lowdbClaimRepository.js';
import { median, percentile } from './support/load.js';
import { hasTimer, timerDueAt } from './storeUpdate.js';
import { systemClock } from '../services/clock.js';

// ClaimService.tick(now) on a store filled by storeUpdate.ts's fillStore (claim k's one timer is
// due at 2026-01-01 + k minutes; every fifth claim, a draft, has none).
//
// - Nothing due: `now` a day before the first timer; each run times `ticks` ticks one by one
//   (p50/p99 of one tick); the figures are medians over the runs.
// - 1% due: run r moves `now` so that the next 1% of the claims' timers have come due, and times
//   the one tick that fires them (each firing is a durable write of that claim's document).

export interface TickRow {
  n: number;
  /** Nothing due: one tick, p50 and p99, in ms. */
  idleP50Ms: number;
  idleP99Ms: number;
  /** 1% due: the tick that fires them, in ms, and the timers it fired (per run, median). */
  dueTickMs: number;
  dueFired: number;
  /** dueTickMs / dueFired. */
  msPerFiring: number;
  /** Each run's nothing-due p99 and 1%-due tick, in order. */
  idleP99Runs?: number[];
  dueTickRuns?: number[];
}

export interface TickBenchOptions {
  runs?: number;
  ticks?: number;
  progress?: (message: string) => void;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export async function runTickBench(dataDir: string, n: number, options: TickBenchOptions = {}): Promise<TickRow> {
  const runs = options.runs ?? 3;
  const ticks = options.ticks ?? 2000;
  const repository = new LowdbClaimRepository({ dataDir });
  await repository.open();
  try {
    const claims = new ClaimService({ repository, policy: createPolicy({}), clock: systemClock });
    const before = new Date(timerDueAt(1) - DAY_MS);

    const p50s: number[] = [];
    const p99s: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const times: number[] = [];
      for (let i = 0; i < ticks; i += 1) {
        const start = performance.now();
        const fired = await claims.tick(before);
        times.push(performance.now() - start);
        if (fired.length) throw new Error(`a tick before every timer fired ${fired.length}`);
      }
      times.sort((a, b) => a - b);
      p50s.push(percentile(times, 0.5));
      p99s.push(percentile(times, 0.99));
    }

    // The sequence number up to which 1%, 2%, 3% ... of the claims have a due timer.
    const perRun = Math.max(1, Math.round(n / 100));
    const boundaries: number[] = [];
    let withTimer = 0;
    for (let sequence = 1; sequence <= n && boundaries.length < runs; sequence += 1) {
      if (hasTimer(sequence)) withTimer += 1;
      if (withTimer === perRun * (boundaries.length + 1)) boundaries.push(sequence);
    }
    const dueTimes: number[] = [];
    const fired: number[] = [];
    for (const boundary of boundaries) {
      const start = performance.now();
      const firings = await claims.tick(new Date(timerDueAt(boundary)));
      dueTimes.push(performance.now() - start);
      fired.push(firings.length);
      options.progress?.(`ticks ${n}: ${firings.length} timers fired in ${dueTimes[dueTimes.length - 1]!.toFixed(0)} ms`);
    }
    const dueTickMs = median(dueTimes);
    const dueFired = median(fired);
    return {
      n,
      idleP50Ms: median(p50s),
      idleP99Ms: median(p99s),
      dueTickMs,
      dueFired,
      msPerFiring: dueTickMs / Math.max(1, dueFired),
      idleP99Runs: p99s,
      dueTickRuns: dueTimes,
    };
  } finally {
    await repository.close();
  }
}
