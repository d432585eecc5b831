import type { Activity, ConversationReference } from 'botbuilder';
import { z } from 'zod';
import { RoleSchema, type Role } from '../../services/actor.js';
import { updateDocument, type CollectionDefinition, type DocumentCollection, type DocumentStore, type Tags } from '../../services/store/documentStore.js';
import { userContextOf } from '../../dialogs/userContext.js';
import type { Clock } from '../../services/clock.js';

// Where people can be reached: one conversation reference per personal chat (tenant + AAD user
// id, with the roles, language and time zone seen on the user's last activity) and per reviewer
// channel (chosen with "use this channel"). Keyed by tenant and conversation, one document each in
// the document store (collection `conversations`), written only when something changed. A reference Teams refused for
// good (403 blocked / 404 gone) is kept but marked dead until the user writes again.

const AccountSchema = z.looseObject({ id: z.string().min(1), name: z.string().optional(), aadObjectId: z.string().optional() });

export const StoredReferenceSchema = z.object({
  key: z.string().min(1),
  tenantId: z.string().min(1),
  kind: z.enum(['personal', 'channel']),
  reference: z.object({
    serviceUrl: z.string().min(1),
    channelId: z.string().min(1),
    conversation: z.looseObject({ id: z.string().min(1), conversationType: z.string().optional(), tenantId: z.string().optional() }),
    bot: AccountSchema,
    user: AccountSchema.optional(),
  }),
  /** AAD object id of the chat's user (personal chats). */
  userId: z.string().optional(),
  /** Teams user id (29:...), for card refresh lists. */
  teamsUserId: z.string().optional(),
  roles: z.array(RoleSchema),
  /** The partner organisation's tenant, when the user belongs to one. */
  organisationTenantId: z.string().optional(),
  locale: z.string(),
  timeZone: z.string(),
  teamId: z.string().optional(),
  reviewerChannel: z.object({ setBy: z.string(), at: z.string() }).optional(),
  updatedAt: z.string(),
  dead: z.object({ at: z.string(), reason: z.string() }).optional(),
});
export type StoredReference = z.infer<typeof StoredReferenceSchema>;

/** What the store needs to know of the person acting (the resolved actor). */
export interface ReferenceActor {
  userId: string;
  roles: readonly Role[];
  organisation?: { tenantId: string };
}

export interface TenantEndpoint {
  serviceUrl: string;
  channelId: string;
  bot: { id: string; name?: string };
}

type TeamsChannelData = { tenant?: { id?: string }; team?: { id?: string }; channel?: { id?: string } };

/** What recording an activity did. */
export interface Recorded {
  stored: StoredReference;
  /** This call made the conversation reachable: it was unknown, or dead, before. */
  reachable: boolean;
}

const REFERENCES: CollectionDefinition<StoredReference> = {
  // DATA_DIR/conversations in the files engine: the folder the previous version wrote, whose
  // files (the reference alone, named by the hash of its key) are read as they are.
  name: 'conversations',
  schema: StoredReferenceSchema,
  keyOf: (stored) => stored.key,
  tags: (stored) => ({
    tenantId: stored.tenantId,
    kind: stored.kind,
    ...(stored.userId ? { userId: stored.userId } : {}),
    ...(stored.teamId ? { teamId: stored.teamId } : {}),
    reviewer: stored.roles.includes('reviewer'),
    reviewerChannel: stored.reviewerChannel !== undefined,
    dead: stored.dead !== undefined,
  }),
};

export class ConversationReferenceStore {
  private constructor(
    private readonly references: DocumentCollection<StoredReference>,
    private readonly clock: Clock,
    private readonly defaultLocale: string,
  ) {}

  static async open(documents: DocumentStore, options: { clock: Clock; defaultLocale?: string }): Promise<ConversationReferenceStore> {
    return new ConversationReferenceStore(await documents.collection(REFERENCES), options.clock, options.defaultLocale ?? 'en');
  }

  // ---- recording, from the bot's turns ---------------------------------------------------

  /** On install and on every message: remember (or refresh) where this person is. */
  async recordActivity(activity: Partial<Activity>, actor: ReferenceActor | undefined): Promise<Recorded | undefined> {
    const fresh = this.baseOf(activity);
    if (!fresh) return undefined;
    const userId = activity.from?.aadObjectId;
    if (fresh.kind === 'personal' && !userId) return undefined;
    const saved = await this.save(fresh.key, (existing) => {
      // An activity without a locale (an install event, say) says nothing about the user's language.
      const base = !activity.locale && existing ? { ...fresh, locale: existing.locale } : fresh;
      if (base.kind === 'channel') {
        // Channels are only kept once a reviewer chose one; a message there refreshes it.
        if (!existing) return undefined;
        return { ...existing, reference: base.reference, locale: base.locale, timeZone: base.timeZone, updatedAt: existing.updatedAt };
      }
      const organisationTenantId = actor?.organisation?.tenantId ?? existing?.organisationTenantId;
      return {
        ...base,
        userId: userId!,
        ...(activity.from?.id ? { teamsUserId: activity.from.id } : {}),
        roles: actor ? [...actor.roles] : (existing?.roles ?? []),
        ...(organisationTenantId ? { organisationTenantId } : {}),
        updatedAt: existing?.updatedAt ?? this.clock.now().toISOString(),
      };
    });
    if (!saved.stored) return undefined;
    return { stored: saved.stored, reachable: saved.written && (saved.before === undefined || saved.before.dead !== undefined) };
  }

  /** "use this channel", typed by a reviewer in a team channel. Undefined outside a channel. */
  async setReviewerChannel(activity: Partial<Activity>, actor: ReferenceActor): Promise<StoredReference | undefined> {
    const base = this.baseOf(activity);
    if (!base || base.kind !== 'channel') return undefined;
    const next: StoredReference = {
      ...base,
      roles: [],
      reviewerChannel: { setBy: actor.userId, at: this.clock.now().toISOString() },
      updatedAt: this.clock.now().toISOString(),
    };
    return (await this.save(base.key, () => next, true)).stored;
  }

  /** Uninstall: forget the personal chat, or every channel of the team the bot left. */
  async removeForUninstall(activity: Partial<Activity>): Promise<number> {
    const base = this.baseOf(activity);
    if (!base) return 0;
    const channelData = activity.channelData as TeamsChannelData | undefined;
    const teamId = channelData?.team?.id;
    const doomed = new Set([base.key]);
    if (teamId !== undefined) for (const stored of await this.references.find({ tenantId: base.tenantId, teamId })) doomed.add(stored.key);
    let removed = 0;
    for (const key of doomed) if (await this.references.delete(key)) removed += 1;
    return removed;
  }

  /** After Teams answered 403 (blocked, not in roster, disabled) or 404 for this conversation. */
  async markDead(key: string, reason: string): Promise<void> {
    await this.save(key, (existing) => (existing && !existing.dead ? { ...existing, dead: { at: this.clock.now().toISOString(), reason } } : undefined), true);
  }

  /** A personal chat the bot created itself (createConversation) for a user it had not met. */
  async recordCreatedChat(
    tenantId: string,
    userId: string,
    endpoint: TenantEndpoint,
    conversationId: string,
    known: { roles?: readonly Role[]; organisationTenantId?: string } = {},
  ): Promise<StoredReference> {
    const key = keyOf(tenantId, conversationId);
    const next: StoredReference = {
      key,
      tenantId,
      kind: 'personal',
      reference: {
        serviceUrl: endpoint.serviceUrl,
        channelId: endpoint.channelId,
        conversation: { id: conversationId, conversationType: 'personal', tenantId },
        bot: endpoint.bot,
      },
      userId,
      roles: [...(known.roles ?? [])],
      ...(known.organisationTenantId ? { organisationTenantId: known.organisationTenantId } : {}),
      locale: this.defaultLocale,
      timeZone: 'UTC',
      updatedAt: this.clock.now().toISOString(),
    };
    return (await this.save(key, () => next, true)).stored ?? next;
  }

  // ---- lookups, for delivery -------------------------------------------------------------

  async get(key: string): Promise<StoredReference | undefined> {
    return (await this.references.get(key))?.value;
  }

  /** The live personal chat of one user, if the bot has one. */
  async personalChat(tenantId: string, userId: string): Promise<StoredReference | undefined> {
    return (await this.values({ kind: 'personal', tenantId, userId, dead: false }))[0];
  }

  /** Any personal chat of the user, dead or alive (to tell "blocked" from "never met"). */
  async anyPersonalChat(tenantId: string, userId: string): Promise<StoredReference | undefined> {
    return (await this.values({ kind: 'personal', tenantId, userId }))[0];
  }

  reviewerChannels(): Promise<StoredReference[]> {
    return this.values({ kind: 'channel', reviewerChannel: true, dead: false });
  }

  reviewerChats(): Promise<StoredReference[]> {
    return this.values({ kind: 'personal', reviewer: true, dead: false });
  }

  /** Live personal chats of users of one tenant (customers of a claim). */
  tenantChats(tenantId: string): Promise<StoredReference[]> {
    return this.values({ kind: 'personal', tenantId, dead: false });
  }

  /** Where to create a conversation in this tenant: the service URL and bot of its latest activity. */
  async endpointFor(tenantId: string): Promise<TenantEndpoint | undefined> {
    const latest = (await this.values({ tenantId })).sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
    if (!latest) return undefined;
    const { serviceUrl, channelId, bot } = latest.reference;
    return { serviceUrl, channelId, bot: { id: bot.id, ...(bot.name ? { name: bot.name } : {}) } };
  }

  all(): Promise<StoredReference[]> {
    return this.values({});
  }

  // ---- internals -------------------------------------------------------------------------

  private async values(tags: Tags): Promise<StoredReference[]> {
    return (await this.references.find(tags)).map((document) => document.value);
  }

  private baseOf(activity: Partial<Activity>): Omit<StoredReference, 'roles' | 'updatedAt'> | undefined {
    const channelData = activity.channelData as TeamsChannelData | undefined;
    const tenantId = activity.conversation?.tenantId ?? channelData?.tenant?.id;
    const conversation = activity.conversation;
    if (!tenantId || !conversation?.id || !activity.serviceUrl || !activity.recipient?.id) return undefined;
    const type = conversation.conversationType;
    const kind = type === 'personal' ? 'personal' : type === 'channel' ? 'channel' : undefined;
    if (!kind) return undefined;
    // A channel message arrives on its thread ("19:...;messageid=..."); alerts start new posts.
    const conversationId = kind === 'channel' ? (channelData?.channel?.id ?? conversation.id.split(';')[0]!) : conversation.id;
    const user = userContextOf(activity, this.defaultLocale);
    return {
      key: keyOf(tenantId, conversationId),
      tenantId,
      kind,
      reference: {
        serviceUrl: activity.serviceUrl,
        channelId: activity.channelId ?? 'msteams',
        conversation: { id: conversationId, conversationType: type, tenantId },
        bot: { id: activity.recipient.id, ...(activity.recipient.name ? { name: activity.recipient.name } : {}) },
        ...(kind === 'personal' && activity.from?.id
          ? { user: { id: activity.from.id, ...(activity.from.aadObjectId ? { aadObjectId: activity.from.aadObjectId } : {}) } }
          : {}),
      },
      locale: user.translator.locale,
      timeZone: user.timeZone,
      ...(channelData?.team?.id ? { teamId: channelData.team.id } : {}),
    };
  }

  /**
   * Stores what `next` makes of the stored reference unless it equals it (a living reference
   * refreshed is alive again; `force` keeps `dead` as given). Conditional on the version read,
   * so instances recording the same conversation at once write it once.
   */
  private async save(
    key: string,
    next: (existing: StoredReference | undefined) => StoredReference | undefined,
    force = false,
  ): Promise<{ stored: StoredReference | undefined; before: StoredReference | undefined; written: boolean }> {
    let before: StoredReference | undefined;
    const { written, document } = await updateDocument(this.references, key, (current) => {
      before = current?.value;
      const proposed = next(before);
      if (!proposed) return undefined;
      const candidate: StoredReference = force ? proposed : withoutDead(proposed);
      if (before && !force && sameContent(before, candidate)) return undefined;
      return { value: { ...candidate, updatedAt: this.clock.now().toISOString() } };
    });
    return { stored: document?.value, before, written };
  }
}

export function keyOf(tenantId: string, conversationId: string): string {
  return `${tenantId}|${conversationId}`;
}

/** The key of the conversation an activity belongs to (a channel post: the channel). */
export function conversationKeyOf(activity: Partial<Activity>): string | undefined {
  const channelData = activity.channelData as { tenant?: { id?: string }; channel?: { id?: string } } | undefined;
  const tenantId = activity.conversation?.tenantId ?? channelData?.tenant?.id;
  const conversationId =
    activity.conversation?.conversationType === 'channel' ? (channelData?.channel?.id ?? activity.conversation.id.split(';')[0]) : activity.conversation?.id;
  return tenantId && conversationId ? keyOf(tenantId, conversationId) : undefined;
}

/** The reference continueConversationAsync takes. */
export function conversationReferenceOf(stored: StoredReference): Partial<ConversationReference> {
  const { serviceUrl, channelId, conversation, bot, user } = stored.reference;
  return {
    serviceUrl,
    channelId,
    conversation: {
      id: conversation.id,
      isGroup: stored.kind === 'channel',
      conversationType: conversation.conversationType ?? stored.kind,
      name: '',
      tenantId: conversation.tenantId ?? stored.tenantId,
    },
    bot: { id: bot.id, name: bot.name ?? '' },
    ...(user ? { user: { id: user.id, name: user.name ?? '', ...(user.aadObjectId ? { aadObjectId: user.aadObjectId } : {}) } } : {}),
  };
}

/** Equal as stored (JSON: no undefined members), in any key order: a turn that changes nothing writes nothing. */
function sameContent(a: StoredReference, b: StoredReference): boolean {
  return sameAsJson({ ...a, updatedAt: '' }, { ...b, updatedAt: '' });
}

/** Whether `a` and `b` would be stored as the same JSON, whatever the order of their keys (every message asks). */
function sameAsJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((item, index) => sameAsJson(item, (b as unknown[])[index]));
  // A key holding undefined is not written.
  const present = (value: object) => Object.entries(value).filter(([, item]) => item !== undefined);
  const left = present(a);
  const right = new Map(present(b));
  return left.length === right.size && left.every(([key, item]) => right.has(key) && sameAsJson(item, right.get(key)));
}

function withoutDead(stored: StoredReference): StoredReference {
  const copy = { ...stored };
  delete copy.dead;
  return copy;
}
