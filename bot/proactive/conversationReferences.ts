import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Activity, ConversationReference } from 'botbuilder';
import { z } from 'zod';
import { RoleSchema, type Role } from '../../services/actor.js';
import { removeFileDurably, writeFileDurably } from '../../services/store/durableJsonFile.js';
import { KeyedMutex } from '../../services/store/keyedMutex.js';
import { userContextOf } from '../../dialogs/userContext.js';
import type { Clock } from '../../services/clock.js';

// Where people can be reached: one conversation reference per personal chat (tenant + AAD user
// id, with the roles, language and time zone seen on the user's last activity) and per reviewer
// channel (chosen with "use this channel"). Keyed by tenant and conversation, one file each under
// DATA_DIR/conversations, written only when something changed. A reference Teams refused for
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

export class ConversationReferenceStore {
  private readonly byKey = new Map<string, StoredReference>();
  private readonly writes = new KeyedMutex();

  private constructor(
    private readonly folder: string,
    private readonly clock: Clock,
    private readonly defaultLocale: string,
    private readonly log: (message: string, error?: unknown) => void,
  ) {}

  static async open(
    dataDir: string,
    options: { clock: Clock; defaultLocale?: string; log?: (message: string, error?: unknown) => void },
  ): Promise<ConversationReferenceStore> {
    const folder = join(dataDir, 'conversations');
    await mkdir(folder, { recursive: true });
    const store = new ConversationReferenceStore(folder, options.clock, options.defaultLocale ?? 'en', options.log ?? (() => undefined));
    await store.load();
    return store;
  }

  // ---- recording, from the bot's turns ---------------------------------------------------

  /** On install and on every message: remember (or refresh) where this person is. */
  async recordActivity(activity: Partial<Activity>, actor: ReferenceActor | undefined): Promise<StoredReference | undefined> {
    const fresh = this.baseOf(activity);
    if (!fresh) return undefined;
    const existing = this.byKey.get(fresh.key);
    // An activity without a locale (an install event, say) says nothing about the user's language.
    const base = !activity.locale && existing ? { ...fresh, locale: existing.locale } : fresh;
    if (base.kind === 'channel') {
      // Channels are only kept once a reviewer chose one; a message there refreshes it.
      if (!existing) return undefined;
      return this.put({ ...existing, reference: base.reference, locale: base.locale, timeZone: base.timeZone, updatedAt: existing.updatedAt }, existing);
    }
    const userId = activity.from?.aadObjectId;
    if (!userId) return undefined;
    const organisationTenantId = actor?.organisation?.tenantId ?? existing?.organisationTenantId;
    const next: StoredReference = {
      ...base,
      userId,
      ...(activity.from?.id ? { teamsUserId: activity.from.id } : {}),
      roles: actor ? [...actor.roles] : (existing?.roles ?? []),
      ...(organisationTenantId ? { organisationTenantId } : {}),
      updatedAt: existing?.updatedAt ?? this.clock.now().toISOString(),
    };
    return this.put(next, existing);
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
    return this.put(next, this.byKey.get(base.key), true);
  }

  /** Uninstall: forget the personal chat, or every channel of the team the bot left. */
  async removeForUninstall(activity: Partial<Activity>): Promise<number> {
    const base = this.baseOf(activity);
    const channelData = activity.channelData as TeamsChannelData | undefined;
    const teamId = channelData?.team?.id;
    const doomed = [...this.byKey.values()].filter(
      (stored) => stored.key === base?.key || (teamId !== undefined && stored.teamId === teamId && stored.tenantId === base?.tenantId),
    );
    for (const stored of doomed) await this.remove(stored.key);
    return doomed.length;
  }

  /** After Teams answered 403 (blocked, not in roster, disabled) or 404 for this conversation. */
  async markDead(key: string, reason: string): Promise<void> {
    const existing = this.byKey.get(key);
    if (!existing || existing.dead) return;
    await this.put({ ...existing, dead: { at: this.clock.now().toISOString(), reason } }, existing, true);
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
    return (await this.put(next, this.byKey.get(key), true)) ?? next;
  }

  // ---- lookups, for delivery -------------------------------------------------------------

  get(key: string): StoredReference | undefined {
    return this.byKey.get(key);
  }

  /** The live personal chat of one user, if the bot has one. */
  personalChat(tenantId: string, userId: string): StoredReference | undefined {
    return this.all().find((stored) => stored.kind === 'personal' && stored.tenantId === tenantId && stored.userId === userId && !stored.dead);
  }

  /** Any personal chat of the user, dead or alive (to tell "blocked" from "never met"). */
  anyPersonalChat(tenantId: string, userId: string): StoredReference | undefined {
    return this.all().find((stored) => stored.kind === 'personal' && stored.tenantId === tenantId && stored.userId === userId);
  }

  reviewerChannels(): StoredReference[] {
    return this.all().filter((stored) => stored.kind === 'channel' && stored.reviewerChannel && !stored.dead);
  }

  reviewerChats(): StoredReference[] {
    return this.all().filter((stored) => stored.kind === 'personal' && stored.roles.includes('reviewer') && !stored.dead);
  }

  /** Live personal chats of users of one tenant (customers of a claim). */
  tenantChats(tenantId: string): StoredReference[] {
    return this.all().filter((stored) => stored.kind === 'personal' && stored.tenantId === tenantId && !stored.dead);
  }

  /** Where to create a conversation in this tenant: the service URL and bot of its latest activity. */
  endpointFor(tenantId: string): TenantEndpoint | undefined {
    const latest = this.all()
      .filter((stored) => stored.tenantId === tenantId)
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))[0];
    if (!latest) return undefined;
    const { serviceUrl, channelId, bot } = latest.reference;
    return { serviceUrl, channelId, bot: { id: bot.id, ...(bot.name ? { name: bot.name } : {}) } };
  }

  all(): StoredReference[] {
    return [...this.byKey.values()];
  }

  // ---- internals -------------------------------------------------------------------------

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

  /** Stores `next` unless it equals what is stored (a living reference refreshed is alive again). */
  private async put(next: StoredReference, existing: StoredReference | undefined, force = false): Promise<StoredReference> {
    const candidate: StoredReference = force ? next : withoutDead(next);
    if (existing && !force && sameContent(existing, candidate)) return existing;
    const stored: StoredReference = { ...candidate, updatedAt: this.clock.now().toISOString() };
    this.byKey.set(stored.key, stored);
    await this.writes.run(stored.key, () => writeFileDurably(this.fileOf(stored.key), JSON.stringify(stored)));
    return stored;
  }

  private async remove(key: string): Promise<void> {
    this.byKey.delete(key);
    await this.writes.run(key, async () => {
      await removeFileDurably(this.fileOf(key)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    });
  }

  private fileOf(key: string): string {
    return join(this.folder, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`);
  }

  private async load(): Promise<void> {
    for (const name of (await readdir(this.folder)).filter((file) => file.endsWith('.json'))) {
      try {
        const stored = StoredReferenceSchema.parse(JSON.parse(await readFile(join(this.folder, name), 'utf8')));
        this.byKey.set(stored.key, stored);
      } catch (error) {
        this.log(`conversation reference ${name} is unreadable; ignored`, error);
      }
    }
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

function sameContent(a: StoredReference, b: StoredReference): boolean {
  return JSON.stringify({ ...a, updatedAt: '' }) === JSON.stringify({ ...b, updatedAt: '' });
}

function withoutDead(stored: StoredReference): StoredReference {
  const copy = { ...stored };
  delete copy.dead;
  return copy;
}
