import type { TimerFiring } from '../../services/claimService.js';
import type { Clock } from '../../services/clock.js';

// Calls the claim service's tick(now) once at start-up (timers that fell due while the bot was
// down fire now: catch-up) and then every interval. One tick at a time: a timer that fires while
// a tick is still running is skipped, not queued. Real timers, so tests use sinon's fake ones.

export interface TickSource {
  tick(now: Date): Promise<TimerFiring[]>;
}

export interface SchedulerHealth {
  running: boolean;
  intervalSeconds: number;
  lastTickAt: string | undefined;
  lastFired: number;
  firedTotal: number;
  skipped: number;
  lastError: string | undefined;
}

export interface TickSchedulerOptions {
  claims: TickSource;
  intervalMs: number;
  clock: Clock;
  /** Called after a tick that fired timers (their alerts are in the outbox): kick delivery. */
  onFired?: (firings: TimerFiring[]) => void;
  log?: (message: string, error?: unknown) => void;
}

export class TickScheduler {
  private timer: ReturnType<typeof setInterval> | undefined;
  private inFlight: Promise<void> | undefined;
  private lastTickAt: string | undefined;
  private lastFired = 0;
  private firedTotal = 0;
  private skipped = 0;
  private lastError: string | undefined;

  constructor(private readonly options: TickSchedulerOptions) {
    if (!(options.intervalMs > 0)) throw new Error('the tick interval must be positive');
  }

  /** Runs the catch-up tick, then ticks every interval. Resolves after the catch-up tick. */
  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tickNow(), this.options.intervalMs);
    this.timer.unref?.();
    await this.tickNow();
  }

  /** Stops the interval and waits for a tick in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /** One tick now, unless one is running (then it resolves when that one ends). */
  tickNow(): Promise<void> {
    if (this.inFlight) {
      this.skipped += 1;
      return this.inFlight;
    }
    this.inFlight = this.runTick().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** Resolves when no tick is running. */
  async whenIdle(): Promise<void> {
    await this.inFlight;
  }

  health(): SchedulerHealth {
    return {
      running: this.timer !== undefined,
      intervalSeconds: this.options.intervalMs / 1000,
      lastTickAt: this.lastTickAt,
      lastFired: this.lastFired,
      firedTotal: this.firedTotal,
      skipped: this.skipped,
      lastError: this.lastError,
    };
  }

  private async runTick(): Promise<void> {
    const now = this.options.clock.now();
    try {
      const firings = await this.options.claims.tick(now);
      this.lastTickAt = now.toISOString();
      this.lastFired = firings.length;
      this.firedTotal += firings.length;
      this.lastError = undefined;
      if (firings.length > 0) this.options.onFired?.(firings);
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : String(error);
      this.options.log?.('scheduled tick failed', error);
    }
  }
}
