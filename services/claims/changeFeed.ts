import type { Actor } from '../actor.js';
import type { Claim } from '../model.js';

/**
 * Told after every committed change of a claim (by a command or a timer), e.g. to refresh cards,
 * with the actor object the command was given (none for a timer or the pre-check). Listeners share
 * one claim: a frozen one as it is, else a copy apart from the caller's. They read it, never
 * change it.
 */
export type ClaimChangeListener = (claim: Readonly<Claim>, by?: Readonly<Actor>) => void;

/** Those told of committed changes. */
export class ChangeFeed {
  private readonly listeners = new Set<ClaimChangeListener>();

  /** Returns the unsubscribe function. */
  subscribe(listener: ClaimChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A listener's failure is its own: the change is committed whatever it does. */
  notify(claim: Claim, by?: Actor): void {
    if (this.listeners.size === 0) return;
    const shared = Object.isFrozen(claim) ? claim : structuredClone(claim);
    for (const listener of this.listeners) {
      try {
        listener(shared, by);
      } catch {
        // Listeners report their own errors; nothing here can undo a committed change.
      }
    }
  }
}
