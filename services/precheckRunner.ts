import type { ClaimChangeListener, PrecheckOutcome, PrecheckWork } from './claimService.js';
import { WAKE, type Clock } from './clock.js';
import type { Claim } from './model.js';
import type { PoeChecker, PrecheckReport } from './precheck.js';
import type { BlobStore } from './store/blobStore.js';

// Runs the PoE pre-check off the request path: a claim changed here is looked at at once, and
// every claim still open is looked at again at start and every sweep, so files another instance
// took in, or that were waiting when a process stopped, are found from the stored claims alone.
// One file at a time; the report is recorded idempotently, so two instances checking the same
// file (each sweeps every claim) keep one report and send one checklist.

/** What the runner needs of the claim service. */
export interface PrecheckClaims {
  onChange(listener: ClaimChangeListener): () => void;
  precheckCandidates(checkerVersion: string): Promise<string[]>;
  precheckWork(claimId: string, checkerVersion: string): Promise<PrecheckWork | undefined>;
  needsPrecheck(claim: Readonly<Claim>, checkerVersion: string): boolean;
  recordPrecheck(claimId: string, fileId: string, report: PrecheckReport, factsDigest: string): Promise<PrecheckOutcome>;
}

export interface PrecheckRunnerOptions {
  claims: PrecheckClaims;
  blobs: BlobStore;
  checker: PoeChecker;
  clock: Clock;
  /** How often every open claim is looked at again (the start-up sweep runs at once). */
  sweepIntervalMs: number;
  log?: (message: string, error?: unknown) => void;
}

export interface PrecheckHealth {
  running: boolean;
  checkerVersion: string;
  queued: number;
  checked: number;
  recorded: number;
  failed: number;
  lastSweepAt: string | undefined;
  lastError: string | undefined;
}

export class PrecheckRunner {
  /** Claims to look at, in the order they were asked for. */
  private readonly queue = new Set<string>();
  private nextSweepAt = Number.NEGATIVE_INFINITY;
  private wake = new AbortController();
  private loop: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  /** The claim a report is being recorded for: its own change is not a reason to look again. */
  private recording: string | undefined;
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;
  private readonly counts = { checked: 0, recorded: 0, failed: 0 };
  private lastSweepAt: string | undefined;
  private lastError: string | undefined;

  constructor(private readonly options: PrecheckRunnerOptions) {
    if (!(options.sweepIntervalMs > 0)) throw new Error('the pre-check sweep interval must be positive');
  }

  start(): void {
    if (this.loop) return;
    this.stopped = false;
    // A new file or edited details: look at the claim now rather than at the next sweep. Most
    // changes (a decision, a comment) leave every file current: those cost no read of the store.
    this.unsubscribe = this.options.claims.onChange((claim) => {
      if (claim.id !== this.recording && this.options.claims.needsPrecheck(claim, this.options.checker.version)) this.enqueue(claim.id);
    });
    this.loop = this.run();
  }

  /** Stops after the file being checked, if any. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.wake.abort(WAKE);
    await this.loop;
    this.loop = undefined;
  }

  enqueue(claimId: string): void {
    this.queue.add(claimId);
    if (this.loop && !this.stopped) this.busy();
    this.wake.abort(WAKE);
  }

  /** Resolves once the queue is empty and no file is being checked (for tests and a graceful wait). */
  whenIdle(): Promise<void> {
    if (!this.loop || (this.queue.size === 0 && !this.idle)) return Promise.resolve();
    return this.idle?.promise ?? Promise.resolve();
  }

  health(): PrecheckHealth {
    return {
      running: this.loop !== undefined && !this.stopped,
      checkerVersion: this.options.checker.version,
      queued: this.queue.size,
      ...this.counts,
      lastSweepAt: this.lastSweepAt,
      lastError: this.lastError,
    };
  }

  private async run(): Promise<void> {
    const { clock } = this.options;
    while (!this.stopped) {
      this.busy();
      try {
        if (clock.now().getTime() >= this.nextSweepAt) await this.sweep();
        for (let [claimId] = this.queue; claimId !== undefined && !this.stopped; [claimId] = this.queue) {
          this.queue.delete(claimId);
          await this.checkClaim(claimId);
        }
      } catch (error) {
        // The store went away mid-sweep: the next sweep finds the same files again.
        this.fail('the pre-check pass failed', error);
      }
      if (this.stopped) break;
      this.settled();
      if (this.queue.size > 0) continue;
      this.wake = new AbortController();
      await clock.sleep(Math.max(0, this.nextSweepAt - clock.now().getTime()), this.wake.signal);
    }
    this.settled();
  }

  private async sweep(): Promise<void> {
    const { claims, checker, clock, sweepIntervalMs } = this.options;
    const now = clock.now();
    this.nextSweepAt = now.getTime() + sweepIntervalMs;
    for (const claimId of (await claims.precheckCandidates(checker.version)).sort()) this.queue.add(claimId);
    this.lastSweepAt = now.toISOString();
  }

  private async checkClaim(claimId: string): Promise<void> {
    const { claims, blobs, checker } = this.options;
    const work = await claims.precheckWork(claimId, checker.version);
    if (!work) return;
    for (const file of work.files) {
      if (this.stopped) return;
      try {
        const bytes = await blobs.get(file.storagePath);
        // Bytes not there (yet): the claim is looked at again at the next sweep.
        if (!bytes) throw new Error(`${claimId}: no bytes stored for ${file.storagePath}`);
        const report = await checker.check({ name: file.name, contentType: file.contentType, bytes }, work.facts);
        this.counts.checked += 1;
        this.recording = claimId;
        const outcome = await claims.recordPrecheck(claimId, file.id, report, work.factsDigest).finally(() => (this.recording = undefined));
        if (outcome === 'recorded') this.counts.recorded += 1;
        // The details changed while the file was read: read the claim again, with the new facts.
        if (outcome === 'stale') {
          this.queue.add(claimId);
          return;
        }
      } catch (error) {
        // One file's failure is its own: the others are still checked; it is retried at the next sweep.
        this.fail(`pre-checking ${file.name} of ${claimId}`, error);
      }
    }
  }

  private busy(): void {
    if (this.idle) return;
    let resolve!: () => void;
    const promise = new Promise<void>((done) => (resolve = done));
    this.idle = { promise, resolve };
  }

  private settled(): void {
    if (this.queue.size > 0) return;
    this.idle?.resolve();
    this.idle = undefined;
  }

  private fail(message: string, error: unknown): void {
    this.counts.failed += 1;
    this.lastError = error instanceof Error ? error.message : String(error);
    this.options.log?.(message, error);
  }
}
