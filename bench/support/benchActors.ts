import type { Actor } from '../../services/actor.js';
import type { Directory, DirectoryUser } from '../../services/directory/directory.js';
import { partner, REVIEW_TENANT } from '../../test/support/serviceHarness.js';

// The people the turn benchmark acts as, and a stand-in directory that knows them, so no roster
// file or Graph call is involved. Each concurrent request acts as its own user in their own
// personal chat (as ten people at once would, not one person sending ten messages at once into
// one chat): partner users bench-partner-<n> of Contoso (the organisation that filed the claims)
// and reviewers bench-reviewer-<n> of another tenant.

const CONTOSO = partner();

export function benchPartner(slot: number): Actor {
  return { ...CONTOSO, userId: `bench-partner-${slot}`, displayName: `Partner ${slot}` };
}

export function benchReviewer(slot: number): Actor {
  return { userId: `bench-reviewer-${slot}`, tenantId: REVIEW_TENANT, displayName: `Reviewer ${slot}`, roles: ['reviewer'] };
}

export const benchDirectory: Directory = {
  resolve: async (userId: string, tenantId: string): Promise<DirectoryUser> => {
    const slot = Number(/-(\d+)$/.exec(userId)?.[1] ?? Number.NaN);
    const known = Number.isNaN(slot)
      ? undefined
      : userId.startsWith('bench-partner-')
        ? benchPartner(slot)
        : userId.startsWith('bench-reviewer-')
          ? benchReviewer(slot)
          : undefined;
    if (!known || known.tenantId !== tenantId) return { userId, tenantId, roles: [] };
    return {
      userId,
      tenantId,
      roles: [...known.roles],
      ...(known.displayName ? { displayName: known.displayName } : {}),
      ...(known.organisation ? { organisation: known.organisation } : {}),
    };
  },
};
