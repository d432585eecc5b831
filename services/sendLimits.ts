// The port for counting sends against sliding-window rate limits, so the limits can be held in
// one process (the files engine: one instance) or across every instance sharing a database.
// Whatever counts, the rule is the same: a slot counts from the moment it is granted, in flight,
// until it is released, and then stays in the window stamped with its *completion* time (see
// bot/proactive/rateLimiter.ts for why that keeps the limit true on arrival times).

export interface RateWindow {
  limit: number;
  windowMs: number;
}

export interface SendSlot {
  /** Marks the request finished: from now on it counts by this instant. Never throws. */
  release(): Promise<void>;
}

export interface SendLimiter {
  /**
   * Waits until one more request under `key` fits every window, and counts it. Resolves
   * undefined only when `signal` aborts first; never throws.
   */
  acquire(key: string, windows: readonly RateWindow[], signal?: AbortSignal): Promise<SendSlot | undefined>;
}

/** A counted request: in flight (no completion yet) or completed at an instant. */
export interface CountedSend {
  completedAt: number | undefined;
}

/** 0 when one more fits every window at `now`, else how long to wait (Infinity: only a completion can help). */
export function windowWaitMs(sends: readonly CountedSend[], windows: readonly RateWindow[], now: number): number {
  let longest = 0;
  for (const window of windows) {
    const inWindow = sends.filter((send) => send.completedAt === undefined || send.completedAt > now - window.windowMs);
    if (inWindow.length < window.limit) continue;
    // The oldest `excess` completed sends must leave the window before one more fits.
    const excess = inWindow.length - window.limit + 1;
    const completed = inWindow
      .map((send) => send.completedAt)
      .filter((at): at is number => at !== undefined)
      .sort((a, b) => a - b);
    const needed = completed[excess - 1];
    const wait = needed === undefined ? Infinity : needed + window.windowMs - now;
    longest = Math.max(longest, wait);
  }
  return longest;
}
