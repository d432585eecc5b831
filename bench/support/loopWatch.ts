import {
  constants,
  monitorEventLoopDelay,
  performance,
  PerformanceObserver,
  type EventLoopUtilization,
  type NodeGCPerformanceDetail,
  type PerformanceEntry,
} from 'node:perf_hooks';

// How busy a bot's event loop was while it was watched, read inside the bot's process
// (turnServer.ts): every turn of a bot runs on that one thread, so once it is busy nearly all the
// time, a request waits for the ones ahead of it, and its latency is mostly queueing. GC pauses stop
// the loop too, all requests in flight at once.

export interface LoopFigures {
  /** Wall time watched, in ms. */
  watchedMs: number;
  /** Share of that time the loop was running callbacks rather than waiting for events (0..1). */
  busyShare: number;
  /** Share of that time spent in garbage-collection pauses (0..1). */
  gcShare: number;
  /** The longest garbage-collection pause, in ms. */
  longestGcMs: number;
  /**
   * Full (mark-compact) collections that ended while watched. Their marking runs beside the loop
   * on the other cores for tens of ms before the pause, so one inside a latency run can decide its p99.
   */
  fullCollections: number;
  /** How late a timer due every few ms ran, at the 99th percentile and at most, in ms. */
  lateP99Ms: number;
  lateMaxMs: number;
}

const DELAY_RESOLUTION_MS = 5;

/** Watches this process's event loop between start() and stop(); watch again with start(). */
export class LoopWatch {
  private startedAt = 0;
  private utilization: EventLoopUtilization | undefined;
  private gcMs = 0;
  private longestGcMs = 0;
  private fullCollections = 0;
  private readonly delay = monitorEventLoopDelay({ resolution: DELAY_RESOLUTION_MS });
  private readonly gc = new PerformanceObserver((list) => this.countPauses(list.getEntries()));

  start(): void {
    this.gcMs = 0;
    this.longestGcMs = 0;
    this.fullCollections = 0;
    this.delay.reset();
    this.delay.enable();
    this.gc.observe({ entryTypes: ['gc'] });
    this.utilization = performance.eventLoopUtilization();
    this.startedAt = performance.now();
  }

  stop(): LoopFigures {
    if (!this.utilization) throw new Error('stop() before start()');
    const { utilization: busyShare } = performance.eventLoopUtilization(this.utilization);
    const watchedMs = performance.now() - this.startedAt;
    // Entries of pauses that ended just now are delivered on a later turn: take what is queued.
    this.countPauses(this.gc.takeRecords());
    this.gc.disconnect();
    this.delay.disable();
    this.utilization = undefined;
    // The histogram counts from the timer's due time: what is over its resolution is lateness.
    const late = (nanoseconds: number) => (Number.isFinite(nanoseconds) ? Math.max(0, nanoseconds / 1e6 - DELAY_RESOLUTION_MS) : 0);
    return {
      watchedMs,
      busyShare,
      gcShare: watchedMs > 0 ? Math.min(1, this.gcMs / watchedMs) : 0,
      longestGcMs: this.longestGcMs,
      fullCollections: this.fullCollections,
      lateP99Ms: late(this.delay.percentile(99)),
      lateMaxMs: late(this.delay.max),
    };
  }

  private countPauses(entries: readonly PerformanceEntry[]): void {
    for (const entry of entries) {
      this.gcMs += entry.duration;
      this.longestGcMs = Math.max(this.longestGcMs, entry.duration);
      // A 'gc' entry's detail says its kind; the types leave it off PerformanceEntry.
      const { detail } = entry as PerformanceEntry & { detail?: NodeGCPerformanceDetail };
      if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) this.fullCollections += 1;
    }
  }
}

/** Figures of several watches as one: shares weighted by the time each watched, the worst pauses. */
export function combineLoopFigures(watches: readonly LoopFigures[]): LoopFigures | undefined {
  const watchedMs = watches.reduce((sum, watch) => sum + watch.watchedMs, 0);
  if (watches.length === 0 || watchedMs === 0) return undefined;
  const weighted = (share: (watch: LoopFigures) => number) => watches.reduce((sum, watch) => sum + share(watch) * watch.watchedMs, 0) / watchedMs;
  return {
    watchedMs,
    busyShare: weighted((watch) => watch.busyShare),
    gcShare: weighted((watch) => watch.gcShare),
    longestGcMs: Math.max(...watches.map((watch) => watch.longestGcMs)),
    fullCollections: watches.reduce((sum, watch) => sum + watch.fullCollections, 0),
    lateP99Ms: Math.max(...watches.map((watch) => watch.lateP99Ms)),
    lateMaxMs: Math.max(...watches.map((watch) => watch.lateMaxMs)),
  };
}

/** The note's wording: "busy 0.62 of the time, 4.1% in GC pauses (longest 9 ms), 2 full collections; timers late by 6 ms at p99 (at most 21 ms)". */
export function describeLoop(loop: LoopFigures): string {
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  return (
    `busy ${loop.busyShare.toFixed(2)} of the time, ${(loop.gcShare * 100).toFixed(1)}% in GC pauses (longest ${ms(loop.longestGcMs)}), ` +
    `${loop.fullCollections} full collection${loop.fullCollections === 1 ? '' : 's'}; ` +
    `timers late by ${ms(loop.lateP99Ms)} at p99 (at most ${ms(loop.lateMaxMs)})`
  );
}
