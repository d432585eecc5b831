import type { TurnContext } from 'botbuilder';
import type { AdaptiveCard } from '../../cards/template.js';
import type { Actor } from '../../services/actor.js';
import type { ActorResolver } from '../actorResolver.js';
import { resolveLocale, translatorFor, type Locale, type Translator } from '../../cards/i18n/i18n.js';
import type { Alert, AlertAudience, Claim } from '../../services/model.js';
import type { Delegation } from '../../services/reviewers/delegations.js';
import type { DelegationNote } from '../../cards/alertCard.js';
import type { StoredReference, TenantEndpoint } from './conversationReferences.js';
import type { RecipientLookups } from './passLookups.js';

// Who receives an alert (SPEC section 4), as conversations the bot can post to:
// 'partner'   -> the claim creator's personal chat (or a chat the bot creates for them);
// 'reviewers' -> the reviewer channel(s), else each known reviewer's personal chat;
// 'customer'  -> the personal chats of users of the claim's customer tenant the bot has met;
// 'reviewer'  -> one named reviewer's personal chat (created if needed), or, while they are away
//                (services/reviewers/delegations.ts), their delegate's chat plus a copy to them;
// 'partner-admins' -> the personal chats of the partner organisation's users whose roles, as the
//                directory gave them on their last message, include incentives admin; none known:
//                the claim creator, as for 'partner'.

export type RecipientRole = 'partner' | 'reviewer' | 'customer';

/** The reader of one copy of a card, from the stored reference: language, zone, identity. */
export interface Recipient {
  conversationKey: string;
  role: RecipientRole;
  /** AAD object id; absent for a channel. */
  userId?: string;
  teamsUserId?: string;
  locale: Locale;
  timeZone: string;
  channel: boolean;
  /** A personal reviewer alert that went to a delegate: this copy is the delegate's or the away reviewer's. */
  delegation?: { copy: 'stand-in' | 'informed'; delegation: Delegation };
}

/** What recipients resolution asks of out-of-office delegation. */
export interface DelegationLookup {
  current(person: { userId: string; tenantId: string }): Promise<Delegation | undefined>;
}

/** `now`: the claim as it is when the alert is posted (it may have moved on since the alert was recorded). */
export type AlertRenderer = (alert: Alert, recipient: Recipient, now?: Claim) => AdaptiveCard;
export type ClaimCardRenderer = (claim: Claim, recipient: Recipient) => AdaptiveCard;

/** The shape of cards/index.ts's Viewer, so the composition root can adapt a recipient to it. */
export interface RecipientViewer {
  userId: string;
  teamsUserId?: string;
  role: RecipientRole;
  translator: Translator;
  timeZone: string;
  now: Date;
}

export function toViewer(recipient: Recipient, now: Date): RecipientViewer {
  return {
    userId: recipient.userId ?? recipient.conversationKey,
    ...(recipient.teamsUserId ? { teamsUserId: recipient.teamsUserId } : {}),
    role: recipient.role,
    translator: translatorFor(recipient.locale),
    timeZone: recipient.timeZone,
    now,
  };
}

/** What the alert card says of a copy that went to a delegate, or to the away reviewer. */
export function delegationNote(recipient: Recipient): DelegationNote | undefined {
  if (!recipient.delegation) return undefined;
  const { copy, delegation } = recipient.delegation;
  return {
    copy,
    reviewerName: delegation.reviewer.name ?? delegation.reviewer.userId,
    delegateName: delegation.delegate.name ?? delegation.delegate.userId,
    until: delegation.until,
  };
}

export function recipientOf(stored: StoredReference, role: RecipientRole): Recipient {
  return {
    conversationKey: stored.key,
    role,
    ...(stored.userId ? { userId: stored.userId } : {}),
    ...(stored.teamsUserId ? { teamsUserId: stored.teamsUserId } : {}),
    locale: resolveLocale(stored.locale),
    timeZone: stored.timeZone,
    channel: stored.kind === 'channel',
  };
}

/**
 * Who reads a posted copy, as the directory knows them now (through the same resolver as their
 * messages and clicks, with the proactive turn's context for the email lookup). A reviewer
 * channel reads as a reviewer of its tenant.
 */
export async function actorOfReader(stored: StoredReference | undefined, actors: ActorResolver, context: TurnContext): Promise<Actor | undefined> {
  if (!stored) return undefined;
  if (stored.kind === 'channel') return { userId: stored.key, tenantId: stored.tenantId, roles: ['reviewer'] };
  if (!stored.userId) return undefined;
  return actors.resolve({ userId: stored.userId, tenantId: stored.tenantId, teamsUserId: stored.teamsUserId ?? `29:${stored.userId}` }, context);
}

export type Resolution =
  | { kind: 'targets'; targets: Recipient[] }
  | { kind: 'create'; tenantId: string; userId: string; teamsUserId?: string; endpoint: TenantEndpoint }
  | { kind: 'unreachable'; reason: string };

/** What resolving an alert's recipients reads of it: its audience and the fields that name its people. */
export type AlertAddress = Pick<Alert, 'to' | 'data'>;

/** The fields of an alert's data that `resolveRecipients` reads, by audience. */
const ADDRESS_FIELDS: Record<AlertAudience, readonly string[]> = {
  partner: ['partnerTenantId', 'createdBy'],
  'partner-admins': ['partnerTenantId', 'createdBy'],
  reviewer: ['reviewerTenantId', 'reviewerId'],
  reviewers: [],
  customer: ['customerTenantId'],
};

/** An alert's address alone, to keep in place of the whole alert (its snapshot is most of it). */
export function addressOf(alert: Alert): AlertAddress {
  const data: Record<string, unknown> = {};
  for (const field of ADDRESS_FIELDS[alert.to]) if (alert.data[field] !== undefined) data[field] = alert.data[field];
  return { to: alert.to, data };
}

/** Addresses with the same key have the same recipients at one moment (`addressOf` puts the fields in one order). */
export function recipientsKey(address: AlertAddress): string {
  return JSON.stringify(address);
}

export function roleOf(alert: AlertAddress): RecipientRole {
  if (alert.to === 'reviewers') return 'reviewer';
  if (alert.to === 'partner-admins') return 'partner';
  return alert.to;
}

/** One person's personal chat, or how to create it. */
async function personTarget(references: RecipientLookups, tenantId: string, userId: string, role: RecipientRole, who: string): Promise<Resolution> {
  const chat = await references.personalChat(tenantId, userId);
  if (chat) return { kind: 'targets', targets: [recipientOf(chat, role)] };
  const known = await references.anyPersonalChat(tenantId, userId);
  if (known?.dead) return { kind: 'unreachable', reason: `the ${who}'s chat is closed (${known.dead.reason})` };
  const endpoint = await references.endpointFor(tenantId);
  if (!endpoint) return { kind: 'unreachable', reason: `no conversation with the ${who} and no service URL for their tenant` };
  return { kind: 'create', tenantId, userId, ...(known?.teamsUserId ? { teamsUserId: known.teamsUserId } : {}), endpoint };
}

export async function resolveRecipients(alert: AlertAddress, references: RecipientLookups, delegations?: DelegationLookup): Promise<Resolution> {
  const role = roleOf(alert);
  const data = alert.data;
  switch (alert.to) {
    case 'partner': {
      const tenantId = text(data.partnerTenantId);
      const userId = text(data.createdBy);
      if (!tenantId || !userId) return { kind: 'unreachable', reason: 'the alert names no partner user' };
      return personTarget(references, tenantId, userId, role, 'partner');
    }
    case 'partner-admins': {
      const tenantId = text(data.partnerTenantId);
      if (!tenantId) return { kind: 'unreachable', reason: 'the alert names no partner organisation' };
      const admins = (await references.tenantChats(tenantId)).filter((stored) => stored.roles.includes('incentives-admin'));
      if (admins.length > 0) return { kind: 'targets', targets: admins.map((stored) => recipientOf(stored, role)) };
      const creator = text(data.createdBy);
      if (!creator) return { kind: 'unreachable', reason: 'no incentives admin of the partner known and no claim creator' };
      return personTarget(references, tenantId, creator, role, 'partner');
    }
    case 'reviewer': {
      const tenantId = text(data.reviewerTenantId);
      const userId = text(data.reviewerId);
      if (!tenantId || !userId) return { kind: 'unreachable', reason: 'the alert names no reviewer' };
      const delegation = await delegations?.current({ userId, tenantId });
      if (delegation) {
        const standIn = await references.personalChat(delegation.delegate.tenantId, delegation.delegate.userId);
        const own = await references.personalChat(tenantId, userId);
        const targets = [
          ...(standIn ? [{ ...recipientOf(standIn, role), delegation: { copy: 'stand-in' as const, delegation } }] : []),
          ...(own ? [{ ...recipientOf(own, role), delegation: { copy: 'informed' as const, delegation } }] : []),
        ];
        if (targets.length > 0) return { kind: 'targets', targets };
      }
      return personTarget(references, tenantId, userId, role, 'reviewer');
    }
    case 'reviewers': {
      // Both asked at once, so a database engine finds them with one statement; the chats count only without a channel.
      const [channels, chats] = await Promise.all([references.reviewerChannels(), references.reviewerChats()]);
      const chosen = channels.length > 0 ? channels : chats;
      if (chosen.length === 0) return { kind: 'unreachable', reason: 'no reviewer channel and no reviewer chat known' };
      return { kind: 'targets', targets: chosen.map((stored) => recipientOf(stored, role)) };
    }
    case 'customer': {
      const tenantId = text(data.customerTenantId);
      if (!tenantId) return { kind: 'unreachable', reason: 'the claim has no customer tenant' };
      const chats = await references.tenantChats(tenantId);
      if (chats.length === 0) return { kind: 'unreachable', reason: 'no user of the customer tenant has talked to the bot' };
      return { kind: 'targets', targets: chats.map((stored) => recipientOf(stored, role)) };
    }
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
