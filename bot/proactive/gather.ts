// What a committed change sets off here (the outbox's pass, the updates of the cards already
// posted) waits a little for other changes to join it. Under a burst each change would otherwise
// pay the same reads for one claim as for a dozen (on PostgreSQL a statement each: the lease, the
// claims, the recipients, the journal, the posted copies).

/** How long a change's follow-up waits for other changes to join it. */
export const GATHER_MS = 20;

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
