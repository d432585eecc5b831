// What a committed change sets off here (the outbox's pass, the updates of the cards already
// posted) waits a little for other changes to join it. Under a burst each change would otherwise
// pay the same reads for one claim as for a dozen (on PostgreSQL a statement each: the lease, the
// claims, the recipients, the journal, the posted copies).

/**
 * How long a change's follow-up waits for other changes to join it. 100 ms, not 20: at 250
 * approvals/s on PostgreSQL that took the statements a request from 2.8-2.9 to 2.1-2.2 and the
 * loop's busy share from 0.68-0.72 to 0.62-0.70 (issue 20); an alert or a card update 80 ms
 * later is not something a Teams user can see.
 */
export const GATHER_MS = 100;

/** Starts gathered work later; `cancel` drops it (at stop). */
export type GatherSchedule = (start: () => void) => { cancel(): void };

// The timers taken when the module loads: a test's fake timers must not hold a change's work back.
const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;

export const afterGatherMs: GatherSchedule = (start) => {
  const timer = realSetTimeout(start, GATHER_MS);
  timer.unref();
  return { cancel: () => realClearTimeout(timer) };
};
