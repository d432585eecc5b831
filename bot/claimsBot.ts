import {
  ActivityTypes,
  type Activity,
  CardFactory,
  TeamsActivityHandler,
  type AdaptiveCardInvokeResponse,
  type AdaptiveCardInvokeValue,
  type MessagingExtensionQuery,
  type MessagingExtensionResponse,
  type TurnContext,
} from 'botbuilder';
import { renderClaimCard, renderClaimList, renderError, renderHelp, renderHistory, renderReviewQueue, renderWelcome, type Viewer } from '../cards/index.js';
import { describeError } from '../cards/i18n/errorMessages.js';
import type { AdaptiveCard } from '../cards/template.js';
import { relationOf } from '../services/access.js';
import type { Actor } from '../services/actor.js';
import type { ClaimService } from '../services/claimService.js';
import { DomainError, isDomainError } from '../services/errors.js';
import type { Claim } from '../services/model.js';
import { identityOf, type ActorResolver, type TeamsIdentity } from './actorResolver.js';
import { commandOf, questionCommand, suggestCommand, withoutMentions, type ParsedCommand } from '../dialogs/commands.js';
import type { ConversationFlows } from '../dialogs/conversationFlows.js';
import { literal } from '../cards/markdown.js';
import type { PoeLinks } from '../poe/poeLinks.js';
import { userContextOf, type UserContext } from '../dialogs/userContext.js';
import type { Clock } from '../services/clock.js';
import type { AwayActions } from './awayActions.js';
import { reviewerChoicesFor } from './cardActions.js';
import { matchingReviewers, type ReviewerChoices } from './reviewerChoices.js';

// Routing: Teams activities become an actor and a command; results become cards. The bot holds
// no claim logic: everything that changes a claim goes through the claim service.

/** Multi-turn conversations (dialogs/), seen from the router. */
export interface CardActionHandler {
  handle(context: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse>;
}

/** The search message extension's queries (bot/claimSearch.ts). */
export interface MessagingExtensionSearch {
  query(context: TurnContext, query: MessagingExtensionQuery): Promise<MessagingExtensionResponse>;
}

/** Commands a directory administrator types (grant, revoke, roles). */
export interface AdminCommands {
  handle(context: TurnContext, actor: Actor, user: UserContext, command: ParsedCommand): Promise<void>;
}

/** Hooks for proactive messaging: where to reach people, and card copies to keep current. */
export interface ConversationHooks {
  onActivity?(context: TurnContext, actor: Actor | undefined): Promise<void>;
  onUninstall?(context: TurnContext): Promise<void>;
  onReviewerChannel?(context: TurnContext, actor: Actor, user: UserContext): Promise<void>;
  onCardSent?(context: TurnContext, claim: Claim, activityId: string | undefined): Promise<void>;
}

export interface ClaimsBotDependencies {
  claims: ClaimService;
  /** The claim service's clock, for what the cards offer now. */
  clock: Clock;
  actors: ActorResolver;
  flows: ConversationFlows;
  cardActions: CardActionHandler;
  search?: MessagingExtensionSearch;
  admin?: AdminCommands;
  hooks?: ConversationHooks;
  /** Signed links to the PoE files on claim cards. */
  poeLinks?: PoeLinks;
  /** Whom a claim may be handed to (Reassign on claim cards, the `reassign` command). */
  reviewers?: ReviewerChoices;
  /** Out-of-office delegation (the `away` command). */
  away?: AwayActions;
  defaultLocale: string;
  log?: (message: string, error?: unknown) => void;
}

const FLOW_VERBS = new Set(['new-claim', 'edit', 'respond', 'dispute', 'withdraw']);

export class ClaimsBot extends TeamsActivityHandler {
  constructor(private readonly deps: ClaimsBotDependencies) {
    super();
  }

  override async run(context: TurnContext): Promise<void> {
    try {
      await super.run(context);
    } finally {
      await this.deps.flows.save(context);
    }
  }

  protected override async onMessageActivity(context: TurnContext): Promise<void> {
    const user = userContextOf(context.activity, this.deps.defaultLocale);
    const identity = identityOf(context.activity);
    if (!identity) {
      await this.reply(context, renderError(user.translator.t('bot.noIdentity'), this.viewer(user, undefined)));
      return;
    }
    let actor: Actor;
    try {
      actor = await this.deps.actors.resolve(identity, context);
    } catch (error) {
      this.deps.log?.('directory lookup failed', error);
      const message = isDomainError(error, 'storage-unavailable') ? describeError(user.translator, error) : user.translator.t('bot.directoryUnavailable');
      await this.reply(context, renderError(message, this.viewer(user, identity)));
      return;
    }
    await this.deps.hooks?.onActivity?.(context, actor);
    // A card shared from the search extension into this chat is for the people in it: it is not
    // a command or a dialog's answer, and its own button shows the claim.
    if (isSharedCard(context.activity)) return;
    typedFromButton(context);

    const submitted = context.activity.value as { verb?: unknown } | undefined;
    const command = commandOf(context);
    try {
      if (command?.verb === 'cancel') {
        const cancelled = await this.deps.flows.cancel(context);
        await context.sendActivity(user.translator.t(cancelled ? 'bot.cancelled' : 'bot.nothingToCancel'));
        return;
      }
      if (await this.deps.flows.continueActive(context, actor, user)) return;
      if (submitted && typeof submitted.verb === 'string') {
        await this.runSubmittedAction(context, submitted.verb, submitted);
        return;
      }
      const question = command ? undefined : questionCommand(context.activity.text);
      if (question && (question.verb === 'claim' || actor.organisation)) {
        await this.route(context, actor, identity, user, question);
        return;
      }
      if (!command) {
        // Say so first, then help: the help card alone reads as if the words were ignored.
        const typed = withoutMentions(context.activity.text ?? '').slice(0, 200);
        const suggestion = suggestCommand(typed, user.translator.locale);
        if (suggestion) await context.sendActivity(user.translator.t('bot.didYouMean', { text: literal(typed), suggestion: literal(suggestion) }));
        else if (typed) await context.sendActivity(user.translator.t('bot.notUnderstood', { text: literal(typed) }));
        await this.reply(context, renderHelp(this.viewer(user, identity, actor), actor.roles));
        return;
      }
      await this.route(context, actor, identity, user, command);
    } catch (error) {
      if (!(error instanceof DomainError)) this.deps.log?.('turn failed', error);
      await this.reply(context, renderError(describeError(user.translator, error), this.viewer(user, identity, actor)));
    }
  }

  protected override async onAdaptiveCardInvoke(context: TurnContext, invokeValue: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    return this.deps.cardActions.handle(context, invokeValue);
  }

  protected override async handleTeamsMessagingExtensionQuery(context: TurnContext, query: MessagingExtensionQuery): Promise<MessagingExtensionResponse> {
    if (!this.deps.search) return super.handleTeamsMessagingExtensionQuery(context, query);
    return this.deps.search.query(context, query);
  }

  protected override async onInstallationUpdateAddActivity(context: TurnContext): Promise<void> {
    // Teams also sends "bot added" as a membersAdded update, which greets: here only remember
    // where the installer can be reached.
    const identity = identityOf(context.activity);
    const actor = identity ? await this.deps.actors.resolve(identity, context).catch(() => undefined) : undefined;
    await this.deps.hooks?.onActivity?.(context, actor);
  }

  protected override async onInstallationUpdateRemoveActivity(context: TurnContext): Promise<void> {
    await this.deps.hooks?.onUninstall?.(context);
  }

  protected override async onTeamsMembersAdded(context: TurnContext): Promise<void> {
    const botId = context.activity.recipient?.id;
    const added = context.activity.membersAdded ?? [];
    // Greet once, when the bot itself joins; people joining a team later are not ours to greet.
    if (added.some((member) => member.id === botId)) await this.welcome(context);
  }

  private async welcome(context: TurnContext): Promise<void> {
    const user = userContextOf(context.activity, this.deps.defaultLocale);
    const identity = identityOf(context.activity);
    const actor = identity ? await this.deps.actors.resolve(identity, context).catch(() => undefined) : undefined;
    await this.deps.hooks?.onActivity?.(context, actor);
    await this.reply(context, renderWelcome(this.viewer(user, identity, actor), actor?.roles ?? []));
  }

  private async route(context: TurnContext, actor: Actor, identity: TeamsIdentity, user: UserContext, command: ParsedCommand): Promise<void> {
    const { claims } = this.deps;
    const { translator } = user;
    const needsClaimId = ['claim', 'edit', 'respond', 'comment', 'withdraw', 'dispute', 'history', 'reassign'].includes(command.verb);
    if (needsClaimId && !command.claimId) {
      await context.sendActivity(translator.t('bot.needClaimId', { command: translator.t(`commands.aliases.${command.verb}`).split('|')[0]! }));
      return;
    }
    if (FLOW_VERBS.has(command.verb)) {
      // Dialogs and file uploads belong in the 1:1 chat, not in a team or group conversation.
      const conversationType = context.activity.conversation?.conversationType;
      if (conversationType && conversationType !== 'personal') {
        await context.sendActivity(translator.t('bot.personalChatOnly'));
        return;
      }
      await this.deps.flows.begin(context, actor, user, command);
      return;
    }
    switch (command.verb) {
      case 'help':
      case 'back':
        await this.reply(context, renderHelp(this.viewer(user, identity, actor), actor.roles));
        return;
      case 'my-claims': {
        const result = await claims.listForPartner(actor, { limit: 20 });
        await this.reply(context, renderClaimList(result, this.viewer(user, identity, actor)));
        return;
      }
      case 'claim': {
        const claim = await claims.get(actor, command.claimId!);
        await this.sendClaimCard(context, claim, actor, identity, user);
        return;
      }
      case 'history': {
        const history = await claims.history(actor, command.claimId!);
        const claim = await claims.get(actor, command.claimId!);
        await this.reply(context, renderHistory(claim, history, this.viewer(user, identity, actor, claim)));
        return;
      }
      case 'comment': {
        if (!command.rest) {
          await context.sendActivity(translator.t('bot.commentNeedsText'));
          return;
        }
        const current = await claims.get(actor, command.claimId!);
        const claim = await claims.comment(actor, current.id, current.version, { text: command.rest });
        await this.sendClaimCard(context, claim, actor, identity, user, translator.t('bot.commentAdded'));
        return;
      }
      case 'opt-out': {
        // A customer's words: their open association requests, each as the notice with Opt out.
        const open = await claims.optOutChoices(actor, { limit: 5 });
        if (!open.length) await context.sendActivity(translator.t('bot.nothingToOptOut'));
        for (const claim of open) await this.sendClaimCard(context, claim, actor, identity, user);
        return;
      }
      case 'queue': {
        const items = await claims.reviewQueue(actor, { limit: 25 });
        const now = this.deps.clock.now();
        await this.reply(
          context,
          renderReviewQueue(items, this.viewer(user, identity, actor), { allowed: (claim) => claims.allowedActions(actor, claim, now) }),
        );
        return;
      }
      case 'reassign':
        await this.reassign(context, actor, identity, user, command);
        return;
      case 'away': {
        if (!this.deps.away) {
          await context.sendActivity(translator.t('bot.adminUnavailable'));
          return;
        }
        await this.reply(context, await this.deps.away.command(actor, user, this.viewer(user, identity, actor), command.rest));
        return;
      }
      case 'grant':
      case 'revoke':
      case 'roles':
        if (!this.deps.admin) {
          await context.sendActivity(translator.t('bot.adminUnavailable'));
          return;
        }
        await this.deps.admin.handle(context, actor, user, command);
        return;
      case 'reviewer-channel':
        if (!actor.roles.includes('reviewer')) throw new DomainError('not-allowed', { action: 'reviewer-channel' });
        if (!this.deps.hooks?.onReviewerChannel) {
          await context.sendActivity(translator.t('bot.adminUnavailable'));
          return;
        }
        await this.deps.hooks.onReviewerChannel(context, actor, user);
        return;
      default:
        await this.reply(context, renderHelp(this.viewer(user, identity, actor), actor.roles));
    }
  }

  /**
   * `reassign <id> <reviewer>` hands the claim to the one reviewer whose name or email matches;
   * without a name (or with none or several matching) the claim card answers, its picker open to choose.
   */
  private async reassign(context: TurnContext, actor: Actor, identity: TeamsIdentity, user: UserContext, command: ParsedCommand): Promise<void> {
    const { claims } = this.deps;
    const { translator } = user;
    const claim = await claims.get(actor, command.claimId!);
    const refusal = claims.refusal(actor, claim, 'reassign');
    if (refusal) throw refusal;
    const choices = (await reviewerChoicesFor(this.deps.reviewers, claims.allowedActions(actor, claim), claim)).reviewers ?? [];
    const matches = command.rest ? matchingReviewers(choices, command.rest) : [];
    if (matches.length !== 1) {
      const note = !command.rest
        ? translator.t('bot.reassignPick')
        : translator.t(matches.length === 0 ? 'bot.reassignNoMatch' : 'bot.reassignManyMatches', {
            text: literal(command.rest),
            names: translator.formatList(matches.map((choice) => literal(choice.name))),
          });
      await this.sendClaimCard(context, claim, actor, identity, user, note);
      return;
    }
    const chosen = matches[0]!;
    const assignee = await this.deps.actors.resolve({ userId: chosen.userId, tenantId: chosen.tenantId, teamsUserId: '' });
    const changed = await claims.reassign(actor, claim.id, claim.version, { assignee });
    await this.sendClaimCard(context, changed, actor, identity, user, translator.t('cards.note.reassigned', { reviewer: literal(chosen.name) }));
  }

  /** An Action.Submit fallback (clients without Universal Actions) runs the same verb handler. */
  private async runSubmittedAction(context: TurnContext, verb: string, data: Record<string, unknown>): Promise<void> {
    const response = await this.deps.cardActions.handle(context, {
      action: { type: 'Action.Execute', verb, data, id: verb },
      // No sign-in is involved in these actions; the fields exist only to satisfy the type.
      authentication: undefined as never,
      state: '',
    });
    const value = response.value as { message?: string } | AdaptiveCard | undefined;
    if (response.type === 'application/vnd.microsoft.card.adaptive' && value) {
      await context.sendActivity({ attachments: [CardFactory.adaptiveCard(value)] });
    } else if (value && 'message' in value && typeof value.message === 'string') {
      await context.sendActivity(value.message);
    }
  }

  private async sendClaimCard(context: TurnContext, claim: Claim, actor: Actor, identity: TeamsIdentity, user: UserContext, note?: string): Promise<void> {
    const allowed = this.deps.claims.allowedActions(actor, claim);
    const card = renderClaimCard(claim, this.viewer(user, identity, actor, claim), {
      allowed,
      ...(await reviewerChoicesFor(this.deps.reviewers, allowed, claim)),
      ...(note ? { note } : {}),
      refreshUserIds: [identity.teamsUserId],
      ...(this.deps.poeLinks ? { poeLinks: await this.deps.poeLinks.linksFor(actor, claim) } : {}),
    });
    const response = await this.reply(context, card);
    await this.deps.hooks?.onCardSent?.(context, claim, response);
  }

  private async reply(context: TurnContext, card: AdaptiveCard): Promise<string | undefined> {
    const sent = await context.sendActivity({ type: ActivityTypes.Message, attachments: [CardFactory.adaptiveCard(card)] });
    return sent?.id;
  }

  private viewer(user: UserContext, identity: TeamsIdentity | undefined, actor?: Actor, claim?: Claim): Viewer {
    let role: Viewer['role'] = 'observer';
    if (actor && claim) role = relationOf(actor, claim);
    else if (actor?.roles.includes('reviewer')) role = 'reviewer';
    else if (actor?.organisation) role = 'partner';
    return {
      userId: identity?.userId ?? 'unknown',
      ...(identity ? { teamsUserId: identity.teamsUserId } : {}),
      role,
      translator: user.translator,
      timeZone: user.timeZone,
      now: this.deps.clock.now(),
    };
  }
}

/**
 * A button whose Action.Submit data is `{ command }` (cards/format.ts `commandData`) counts as the
 * command typed: the text is set and the value dropped, so dialogs and routing see what a typed
 * message would give them.
 */
function typedFromButton(context: TurnContext): void {
  const { activity } = context;
  const value = activity.value as Record<string, unknown> | undefined;
  if (activity.text?.trim() || !value || typeof value !== 'object') return;
  const keys = Object.keys(value);
  if (keys.length !== 1 || typeof value.command !== 'string' || !value.command.trim()) return;
  activity.text = value.command;
  activity.value = undefined;
}

/**
 * A message that only carries an adaptive card the user picked in a message extension: Teams (and
 * the playground) put the card in `attachments` and a placeholder `<span class="inline-compose-card">`
 * in the text, with no words of the user's.
 */
export function isSharedCard(activity: Pick<Activity, 'text' | 'attachments' | 'value'>): boolean {
  if (activity.value !== undefined) return false;
  if (!activity.attachments?.some((attachment) => attachment.contentType === CardFactory.contentTypes.adaptiveCard)) return false;
  const words = withoutMentions((activity.text ?? '').replace(/<[^>]*>/g, ' '));
  return words === '';
}
