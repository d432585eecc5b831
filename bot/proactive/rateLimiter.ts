import type { Clock } from '../../services/clock.js';
import { windowWaitMs, type RateWindow, type SendLimiter, type SendSlot } from '../../services/sendLimits.js';

// Sliding-window rate limits (Teams: 7 per 1 s, 8 per 2 s, 60 per 30 s per conversation; a
// global rate per bot). A slot is counted from the moment it is granted until `release`, and
// then stays in the window stamped with its *completion* time. Teams counts a request when it
// arrives, which lies between the two, so stamping the later instant keeps the limit true on
// arrival times whatever the network latency: for any window holding k arrivals, the last one
// granted saw the other k-1 as in flight or completed inside its window, so k-1 < limit.
// With STORE=postgres the same windows are counted in the database across instances
// (storage/postgres/postgresSendLimiter.ts); this one counts in the process.

export type { RateWindow } from '../../services/sendLimits.js';

export const TEAMS_CONVERSATION_WINDOWS: readonly RateWindow[] = [
  { limit: 7, windowMs: 1000 },
  { limit: 8, windowMs: 2000 },
  { limit: 60, windowMs: 30_000 },
];

export interface RateSlot {
  /** Marks the request finished; the slot stays in the window from this instant. */
  release(): void;
}

interface Entry {
  /** Completion instant; undefined while in flight. */
  completedAt: number | undefined;
}

/** How long to wait while something is in flight and no completed entry can expire sooner. */
const IN_FLIGHT_RECHECK_MS = 1000;

export class SlidingWindowLimiter {
  private entries: Entry[] = [];
  private readonly longestWindowMs: number;
  private releaseWaiters: Array<() => void> = [];

  constructor(
    private readonly windows: readonly RateWindow[],
    private readonly clock: Clock,
  ) {
    if (windows.length === 0) throw new Error('a limiter needs at least one window');
    this.longestWindowMs = Math.max(...windows.map((window) => window.windowMs));
  }

  /** Waits for a slot in every window. Resolves undefined only when `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<RateSlot | undefined> {
    for (;;) {
      if (signal?.aborted) return undefined;
      const wait = this.waitMs(this.clock.now().getTime());
      if (wait === 0) return this.grant();
      await this.waitForChange(wait, signal);
    }
  }

  /** A slot now, or how long to wait before asking again (Infinity: only a release can help). */
  waitMs(now: number): number {
    this.prune(now);
    return windowWaitMs(this.entries, this.windows, now);
  }

  /** Entries in flight or inside the longest window (for tests and health). */
  size(): number {
    this.prune(this.clock.now().getTime());
    return this.entries.length;
  }

  private grant(): RateSlot {
    const entry: Entry = { completedAt: undefined };
    this.entries.push(entry);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        entry.completedAt = this.clock.now().getTime();
        const waiters = this.releaseWaiters;
        this.releaseWaiters = [];
        for (const wake of waiters) wake();
      },
    };
  }

  private async waitForChange(wait: number, signal: AbortSignal | undefined): Promise<void> {
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const sleeping = this.clock.sleep(Number.isFinite(wait) ? wait : IN_FLIGHT_RECHECK_MS, stop.signal);
    // Only a slot in flight can free room before the timer does; otherwise the timer alone decides.
    const inFlight = this.entries.some((entry) => entry.completedAt === undefined);
    const released = inFlight ? new Promise<void>((resolve) => this.releaseWaiters.push(resolve)) : sleeping;
    try {
      await Promise.race([sleeping, released]);
    } finally {
      stop.abort();
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private prune(now: number): void {
    if (this.entries.length === 0) return;
    this.entries = this.entries.filter((entry) => entry.completedAt === undefined || entry.completedAt > now - this.longestWindowMs);
  }
}

/** The send limits of one instance (files engine): a sliding-window limiter per key. */
export class InProcessSendLimiter implements SendLimiter {
  private readonly limiters = new Map<string, SlidingWindowLimiter>();

  constructor(private readonly clock: Clock) {}

  async acquire(key: string, windows: readonly RateWindow[], signal?: AbortSignal): Promise<SendSlot | undefined> {
    const slot = await this.limiterFor(key, windows).acquire(signal);
    return slot && { release: async () => slot.release() };
  }

  private limiterFor(key: string, windows: readonly RateWindow[]): SlidingWindowLimiter {
    let limiter = this.limiters.get(key);
    if (!limiter) {
      if (this.limiters.size > 1000) this.forgetQuietLimiters();
      limiter = new SlidingWindowLimiter(windows, this.clock);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  /** Limiters with nothing in flight or in a window hold nothing worth keeping. */
  private forgetQuietLimiters(): void {
    for (const [key, limiter] of this.limiters) if (limiter.size() === 0) this.limiters.delete(key);
  }
}
