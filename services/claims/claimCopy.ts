import type { Claim } from '../model.js';

// A change appends to a claim's history, PoE files and comments; it never edits an entry already
// there. So the copy it works on shares those entries with the stored claim (frozen: an edit would
// throw) instead of copying them, and the store checks only the entries that are new.

/** A copy of a stored claim for a change to mutate. */
export function copyForChange(claim: Claim): Claim {
  const { history, poe, comments, ...rest } = claim;
  return { ...structuredClone(rest), history: [...history], poe: [...poe], comments: [...comments] };
}
