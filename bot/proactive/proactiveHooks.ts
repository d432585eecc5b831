import type { TurnContext } from 'botbuilder';
import type { Actor } from '../../services/actor.js';
import type { Claim } from '../../services/model.js';
import type { ConversationHooks } from '../claimsBot.js';
import type { UserContext } from '../../dialogs/userContext.js';
import type { CardCopies } from './cardCopies.js';
import { conversationKeyOf, type ConversationReferenceStore, type StoredReference } from './conversationReferences.js';
import { recipientOf, type RecipientRole } from './recipients.js';

// The bot's side of proactive messaging (ClaimsBot's ConversationHooks): remember where people
// are on every activity, forget on uninstall, take a reviewer channel, and remember the claim
// cards sent so they can be updated in place. A failure here is logged and never fails the turn.

export type ReviewerChannelOutcome = 'set' | 'not-a-channel';

export interface ProactiveHooksOptions {
  references: ConversationReferenceStore;
  cardCopies?: CardCopies;
  /** Called after a reference was stored or refreshed: e.g. kick the outbox so waiting alerts go. */
  onReachable?: (stored: StoredReference) => void;
  log?: (message: string, error?: unknown) => void;
}

const CONFIRMATION_KEYS: Record<ReviewerChannelOutcome, string> = {
  set: 'bot.reviewerChannelSet',
  'not-a-channel': 'bot.reviewerChannelOnlyInChannel',
};

export class ProactiveHooks implements ConversationHooks {
  constructor(private readonly options: ProactiveHooksOptions) {}

  async onActivity(context: TurnContext, actor: Actor | undefined): Promise<void> {
    await this.guard('recording the conversation', async () => {
      // Reachable once, whichever instance recorded the activity first.
      const recorded = await this.options.references.recordActivity(context.activity, actor);
      if (recorded?.reachable) this.options.onReachable?.(recorded.stored);
    });
  }

  async onUninstall(context: TurnContext): Promise<void> {
    await this.guard('forgetting the conversation', () => this.options.references.removeForUninstall(context.activity));
  }

  async onReviewerChannel(context: TurnContext, actor: Actor, user: UserContext): Promise<void> {
    const stored = await this.options.references.setReviewerChannel(context.activity, actor);
    if (stored) this.options.onReachable?.(stored);
    const outcome: ReviewerChannelOutcome = stored ? 'set' : 'not-a-channel';
    const key = CONFIRMATION_KEYS[outcome];
    if (user.translator.has(key)) await context.sendActivity(user.translator.t(key));
    else this.options.log?.(`reviewer channel ${outcome}; no message "${key}" to tell the reviewer`);
  }

  async onCardSent(context: TurnContext, claim: Claim, activityId: string | undefined): Promise<void> {
    const copies = this.options.cardCopies;
    if (!copies || !activityId) return;
    await this.guard('remembering the claim card', async () => {
      const stored = await this.options.references.get(conversationKeyOf(context.activity) ?? '');
      if (!stored) return;
      await copies.recordClaimCard(claim, activityId, recipientOf(stored, roleFor(stored, claim)));
    });
  }

  private async guard(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.options.log?.(`proactive: ${what} failed`, error);
    }
  }
}

function roleFor(stored: StoredReference, claim: Claim): RecipientRole {
  if (stored.kind === 'channel' || stored.roles.includes('reviewer')) return 'reviewer';
  if (stored.organisationTenantId === claim.partnerTenantId || stored.tenantId === claim.partnerTenantId) return 'partner';
  if (stored.tenantId === claim.details.customerTenantId) return 'customer';
  return 'partner';
}
