import type { Claim } from '../model.js';

// A change appends to a claim's history, PoE files and comments; it never edits an entry already
// there. It replaces the details, the terms, the assignee, the information request and the
// rejection as a whole, never edits them. So the copy it works on shares all of those with the
// stored claim (frozen: an edit would throw) instead of copying them, and the store checks only
// what is new (storage/checkedDocument.ts).

/** A copy of a stored claim for a change to mutate. */
export function copyForChange(claim: Claim): Claim {
  const { history, poe, comments, details, terms, assignedReviewer, informationRequest, rejection, ...rest } = claim;
  const copy: Claim = { ...structuredClone(rest), details, history: [...history], poe: [...poe], comments: [...comments] };
  // Absent stays absent: a key holding undefined would be stored as another document.
  if (terms) copy.terms = terms;
  if (assignedReviewer) copy.assignedReviewer = assignedReviewer;
  if (informationRequest) copy.informationRequest = informationRequest;
  if (rejection) copy.rejection = rejection;
  return copy;
}
