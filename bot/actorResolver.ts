import type { Activity } from 'botbuilder';
import type { Actor } from '../services/actor.js';
import type { Directory } from '../services/directory/directory.js';

// Who is acting, from the authenticated activity only (SPEC section 1): the AAD object id and
// the tenant Teams put on it, never anything the user typed. Roles come from the directory.

export interface TeamsIdentity {
  userId: string;
  tenantId: string;
  /** The Teams user id (29:...) used in card `refresh.userIds`. */
  teamsUserId: string;
  name?: string;
}

type TenantCarrier = { tenant?: { id?: string } };

export function identityOf(activity: Partial<Activity>): TeamsIdentity | undefined {
  const from = activity.from;
  const channelData = activity.channelData as TenantCarrier | undefined;
  const tenantId = activity.conversation?.tenantId ?? channelData?.tenant?.id;
  const userId = from?.aadObjectId;
  if (!from || !userId || !tenantId) return undefined;
  return { userId, tenantId, teamsUserId: from.id, name: from.name };
}

export class ActorResolver {
  constructor(private readonly directory: Directory) {}

  async resolve(identity: TeamsIdentity): Promise<Actor> {
    const user = await this.directory.resolve(identity.userId, identity.tenantId);
    return {
      userId: identity.userId,
      tenantId: identity.tenantId,
      displayName: user.displayName ?? identity.name,
      roles: user.roles,
      ...(user.organisation ? { organisation: user.organisation } : {}),
    };
  }
}
