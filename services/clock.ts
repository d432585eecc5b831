// The one source of time. The service, the scheduler, the delivery worker, the rate limiters,
// consent links and caches all take the same Clock from the composition root, so a test (or a
// clock moved by days) moves all of them together; nothing reads the system time on its own.
export interface Clock {
  now(): Date;
  /** Resolves after `ms` of this clock's time, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The reason to cut a sleep short with (`controller.abort(WAKE)`): `abort()` without one builds a
 * DOMException, stack and all, on every call, even on a signal already aborted.
 */
export const WAKE = 'woken';

/** Wall-clock time through the global timers, so sinon fake timers can stand in for it. */
export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    }),
};
