import { WAKE, type Clock } from '../../services/clock.js';
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

interface Waiter {
  resolve(slot: RateSlot | undefined): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Waiters are served first come, first served, by one pump: a release or the one timer (set for
 * the instant the oldest entry leaves its window) grants as many slots as now fit. Hundreds of
 * lanes can wait on the bot's rate at once; waking each of them on every release (and arming a
 * timer and an abort signal each) cost more CPU than the sends themselves.
 */
export class SlidingWindowLimiter {
  private entries: Entry[] = [];
  private readonly longestWindowMs: number;
  private readonly waiters: Waiter[] = [];
  /** The one pending timer, and the instant it is for. */
  private timer: { at: number; cancel: AbortController } | undefined;

  constructor(
    private readonly windows: readonly RateWindow[],
    private readonly clock: Clock,
  ) {
    if (windows.length === 0) throw new Error('a limiter needs at least one window');
    this.longestWindowMs = Math.max(...windows.map((window) => window.windowMs));
  }

  /** Waits for a slot in every window, in arrival order. Resolves undefined only when `signal` aborts first. */
  acquire(signal?: AbortSignal): Promise<RateSlot | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    if (this.waiters.length === 0 && this.waitMs(this.clock.now().getTime()) === 0) return Promise.resolve(this.grant());
    return new Promise((resolve) => {
      const waiter: Waiter = {
        resolve,
        signal,
        onAbort: () => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          resolve(undefined);
          // The first in line may have left: the next one may fit now.
          this.pump();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.waiters.push(waiter);
      this.pump();
    });
  }

  /** A slot now, or how long to wait before asking again (Infinity: only a release can help). */
  waitMs(now: number): number {
    this.prune(now);
    return windowWaitMs(this.entries, this.windows, now);
  }

  /** Entries in flight or inside the longest window, and waiters (for tests and health). */
  size(): number {
    this.prune(this.clock.now().getTime());
    return this.entries.length + this.waiters.length;
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
        this.pump();
      },
    };
  }

  /** Grants slots to the waiters in order while they fit, then sleeps until the next one can. */
  private pump(): void {
    while (this.waiters.length > 0) {
      const now = this.clock.now().getTime();
      const wait = this.waitMs(now);
      if (wait > 0) {
        // Infinity: every slot is in flight, and only a release (which pumps) frees one.
        if (Number.isFinite(wait)) this.wakeAt(now + wait);
        return;
      }
      const waiter = this.waiters.shift()!;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.grant());
    }
  }

  private wakeAt(at: number): void {
    if (this.timer && this.timer.at <= at) return;
    this.timer?.cancel.abort(WAKE);
    const timer = { at, cancel: new AbortController() };
    this.timer = timer;
    void this.clock.sleep(at - this.clock.now().getTime(), timer.cancel.signal).then(() => {
      if (this.timer !== timer) return;
      this.timer = undefined;
      this.pump();
    });
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
