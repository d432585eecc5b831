import type { Actor } from '../actor.js';
import type { AlertSpec } from '../alerts.js';
import { DomainError } from '../errors.js';
import type { Claim, FieldChange, ReviewerRef } from '../model.js';

// Who reviews a claim: the reviewer who starts the review takes it; any reviewer who may act on
// it can hand it to another reviewer, who is alerted (and the previous assignee told).

export function reviewerRefOf(person: Pick<Actor, 'userId' | 'tenantId' | 'displayName'>): ReviewerRef {
  return { userId: person.userId, tenantId: person.tenantId, ...(person.displayName ? { name: person.displayName.slice(0, 200) } : {}) };
}

export function sameReviewer(a: Pick<ReviewerRef, 'userId' | 'tenantId'> | undefined, b: Pick<ReviewerRef, 'userId' | 'tenantId'> | undefined): boolean {
  return a !== undefined && b !== undefined && a.userId === b.userId && a.tenantId.toLowerCase() === b.tenantId.toLowerCase();
}

/** Makes `person` the claim's assignee; no change when they already are. */
export function assign(claim: Claim, person: Pick<Actor, 'userId' | 'tenantId' | 'displayName'>): FieldChange[] {
  const previous = claim.assignedReviewer;
  if (sameReviewer(previous, person)) return [];
  claim.assignedReviewer = reviewerRefOf(person);
  return [{ field: 'assignedReviewer', ...(previous ? { from: previous } : {}), to: claim.assignedReviewer }];
}

/** Throws unless `assignee` may be handed the claim: a reviewer, not of its partner, not already its assignee. */
export function checkAssignee(claim: Claim, assignee: Actor): void {
  if (!assignee.roles.includes('reviewer')) throw new DomainError('assignee-not-reviewer', { claimId: claim.id });
  if (assignee.organisation?.tenantId.toLowerCase() === claim.partnerTenantId.toLowerCase()) {
    throw new DomainError('assignee-own-organisation', { claimId: claim.id });
  }
  if (sameReviewer(claim.assignedReviewer, assignee)) throw new DomainError('already-assigned', { claimId: claim.id });
}

/** The alerts a reassignment records: the new assignee's and the previous one's, each unless they made it. */
export function reassignmentAlerts(before: Claim, after: Claim, actor: Actor): Array<Omit<AlertSpec, 'cause'>> {
  const assignee = after.assignedReviewer;
  if (!assignee) return [];
  const by = actor.displayName ?? actor.userId;
  const previous = before.assignedReviewer;
  const alerts: Array<Omit<AlertSpec, 'cause'>> = [];
  // A reviewer who takes a claim themselves knows it is theirs.
  if (!sameReviewer(assignee, actor)) {
    alerts.push({
      kind: 'claim-assigned',
      to: 'reviewer',
      extra: {
        reviewerId: assignee.userId,
        reviewerTenantId: assignee.tenantId,
        assignedBy: by,
        ...(previous ? { previousReviewer: previous.name ?? previous.userId } : {}),
      },
    });
  }
  if (previous && !sameReviewer(previous, assignee) && !sameReviewer(previous, actor)) {
    alerts.push({
      kind: 'claim-unassigned',
      to: 'reviewer',
      extra: { reviewerId: previous.userId, reviewerTenantId: previous.tenantId, assignedBy: by, newReviewer: assignee.name ?? assignee.userId },
    });
  }
  return alerts;
}
