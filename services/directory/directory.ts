import type { PartnerOrganisation, Role } from '../actor.js';

// Who a Teams user is and what they may do (SPEC section 1). Implementations: the embedded
// roster file (default) and Microsoft Graph (when configured).

export interface DirectoryUser {
  /** The AAD object id Teams sends as `from.aadObjectId`. */
  userId: string;
  tenantId: string;
  displayName?: string;
  email?: string;
  roles: Role[];
  /** The partner organisation of the user's tenant, when it is one. */
  organisation?: PartnerOrganisation;
}

/** What the bot may know of a user besides the ids, from Teams itself (never typed text). */
export interface ResolveHints {
  /** The email or UPN Teams reports for the member; matches roster records granted by email. */
  email?: string;
}

export interface Directory {
  /**
   * Resolves a user. A user the directory doesn't know has no roles (they may still be a customer
   * by tenant). A directory that cannot answer throws, so no role is ever granted by a failure.
   */
  resolve(userId: string, tenantId: string, hints?: ResolveHints): Promise<DirectoryUser>;
  /**
   * Every reviewer the directory names by AAD id (the reassignment and delegation pickers), when
   * it can list them; the roster can, Microsoft Graph here does not (see bot/reviewerChoices.ts).
   */
  reviewers?(): Promise<DirectoryUser[] | undefined>;
}
