// Time as the delivery worker sees it: a millisecond clock and a sleep that can be cut short.
// Injected so the rate-limit tests can run minutes of traffic on a virtual clock in seconds.

export interface TimeSource {
  now(): number;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Wall-clock time through the global timers, so sinon fake timers can stand in for it. */
export const realTime: TimeSource = {
  now: () => Date.now(),
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
