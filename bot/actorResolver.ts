import { TeamsInfo, type Activity, type TurnContext } from 'botbuilder';
import type { Actor } from '../services/actor.js';
import type { Clock } from '../services/clock.js';
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

const EMAIL_CACHE_MS = 10 * 60 * 1000;

export function identityOf(activity: Partial<Activity>): TeamsIdentity | undefined {
  const from = activity.from;
  const channelData = activity.channelData as TenantCarrier | undefined;
  const tenantId = activity.conversation?.tenantId ?? channelData?.tenant?.id;
  const userId = from?.aadObjectId;
  if (!from || !userId || !tenantId) return undefined;
  return { userId, tenantId, teamsUserId: from.id, name: from.name };
}

export class ActorResolver {
  private readonly emails = new Map<string, { email: string | undefined; until: number }>();

  constructor(
    private readonly directory: Directory,
    private readonly clock: Clock,
    private readonly log: (message: string, error?: unknown) => void = () => undefined,
  ) {}

  /**
   * With a turn context, the email Teams reports for the member is looked up (and cached), so
   * roles an admin granted by email apply; without one, the AAD id alone decides.
   */
  async resolve(identity: TeamsIdentity, context?: TurnContext): Promise<Actor> {
    const email = context ? await this.emailOf(identity, context) : undefined;
    const user = await this.directory.resolve(identity.userId, identity.tenantId, email ? { email } : undefined);
    return {
      userId: identity.userId,
      tenantId: identity.tenantId,
      displayName: user.displayName ?? identity.name,
      ...((email ?? user.email) ? { email: email ?? user.email } : {}),
      roles: user.roles,
      ...(user.organisation ? { organisation: user.organisation } : {}),
    };
  }

  private async emailOf(identity: TeamsIdentity, context: TurnContext): Promise<string | undefined> {
    const key = `${identity.tenantId}:${identity.userId}`;
    const cached = this.emails.get(key);
    if (cached && cached.until > this.clock.now().getTime()) return cached.email;
    let email: string | undefined;
    try {
      const member = await TeamsInfo.getMember(context, identity.teamsUserId);
      email = member.email ?? member.userPrincipalName ?? undefined;
    } catch (error) {
      // The ids still decide; a failed lookup is not remembered as "no email", so the next turn asks again.
      this.log(`could not read the email of ${identity.userId} from Teams`, error);
      return undefined;
    }
    this.emails.set(key, { email: email?.toLowerCase(), until: this.clock.now().getTime() + EMAIL_CACHE_MS });
    return email?.toLowerCase();
  }
}
