import type { Directory, DirectoryUser, ResolveHints } from './directory.js';
import { isDomainError } from '../errors.js';
import { directoryUnavailable } from './directoryErrors.js';
import { findUser, organisationOf } from './roster.js';
import type { RosterStore } from './rosterStore.js';

// The embedded directory (the default): roles and organisations from the roster.

export class RosterDirectory implements Directory {
  constructor(private readonly store: RosterStore) {}

  async resolve(userId: string, tenantId: string, hints: ResolveHints = {}): Promise<DirectoryUser> {
    let roster;
    try {
      roster = await this.store.current();
    } catch (error) {
      // The database away: the user is told so, as for any other read of it.
      if (isDomainError(error, 'storage-unavailable')) throw error;
      // A roster broken after start-up (edited by hand) grants nothing until it is fixed.
      throw directoryUnavailable((error as Error).message);
    }
    const user = findUser(roster, { tenantId, userId, email: hints.email });
    const organisation = organisationOf(roster, tenantId);
    const roles = user?.roles ?? [];
    return {
      userId,
      tenantId,
      roles,
      ...(user?.displayName ? { displayName: user.displayName } : {}),
      ...((user?.email ?? hints.email) ? { email: user?.email ?? hints.email } : {}),
      // Attached whenever the tenant is a partner's (it grants nothing by itself), so a reviewer
      // of a partner tenant is recognised as deciding their own organisation's claims.
      ...(organisation ? { organisation } : {}),
    };
  }

  async reviewers(): Promise<DirectoryUser[]> {
    const roster = await this.store.current();
    return roster.users
      .filter((user) => user.userId !== undefined && user.roles.includes('reviewer'))
      .map((user) => {
        const organisation = organisationOf(roster, user.tenantId);
        return {
          userId: user.userId!,
          tenantId: user.tenantId,
          roles: user.roles,
          ...(user.displayName ? { displayName: user.displayName } : {}),
          ...(user.email ? { email: user.email } : {}),
          ...(organisation ? { organisation } : {}),
        };
      });
  }
}
