import type { AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue, TurnContext } from 'botbuilder';
import { z } from 'zod';
import { renderClaimCard, renderConsentNotice, renderSharedClaimRefused, type Viewer } from '../cards/index.js';
import { parseReviewerChoice, type ReviewerChoice } from '../cards/claimCard.js';
import type { ReviewerChoices } from './reviewerChoices.js';
import type { AwayActions } from './awayActions.js';
import { describeError } from '../cards/i18n/errorMessages.js';
import { commandText, type CommandVerb } from '../cards/format.js';
import { ADAPTIVE_CARD_CONTENT_TYPE, type AdaptiveCard } from '../cards/template.js';
import { authorize, isCustomerOf, relationOf } from '../services/access.js';
import type { Action } from '../services/lifecycle.js';
import type { Actor } from '../services/actor.js';
import type { ClaimService } from '../services/claimService.js';
import { DomainError, isDomainError, publicError, type FieldIssue } from '../services/errors.js';
import { INFORMATION_REASONS, REVIEWER_REJECTION_REASONS, type Claim } from '../services/model.js';
import { BULK_ACTIONS, MAX_BULK_CLAIMS } from '../services/claims/bulk.js';
import { renderBulkResult } from '../cards/bulkResultCard.js';
import { identityOf, type ActorResolver, type TeamsIdentity } from './actorResolver.js';
import type { ParsedCommand } from '../dialogs/commands.js';
import type { PoeLinks } from '../poe/poeLinks.js';
import { userContextOf, type UserContext } from '../dialogs/userContext.js';
import { literal } from '../cards/markdown.js';
import type { Clock } from '../services/clock.js';
import { clickedCardOf, whileHandlingClick } from './proactive/clickedCard.js';

// Universal Actions (`adaptiveCard/action` invokes): one handler per verb, each with its own
// strict schema for `action.data`, checked before the service is called. Card data carries only
// the claim id and the version the card showed; the service refuses a stale version, and a stale
// or repeated click gets the current card with a note instead of an error. An automatic refresh
// only answers: it never sends or updates anything, or Teams would refresh in a loop.

export interface CardActionsDeps {
  claims: ClaimService;
  /** The claim service's clock, for what the cards offer now. */
  clock: Clock;
  actors: ActorResolver;
  config: { defaultLocale: string };
  /** Signed links to the PoE files on claim cards. */
  poeLinks?: PoeLinks;
  /** Whom a claim may be handed to: without it, claim cards offer no Reassign. */
  reviewers?: ReviewerChoices;
  /** The away card's buttons (out-of-office delegation). */
  away?: AwayActions;
  /** Starts the named dialog in this conversation (dialogs/), as the typed command would. */
  startConversation?: (context: TurnContext, actor: Actor, user: UserContext, command: ParsedCommand) => Promise<void>;
  /** Where failures that must not fail the action (card update, hook) are reported. */
  log?: (message: string, error: unknown) => void;
}

const ERROR_CONTENT_TYPE = 'application/vnd.microsoft.error';
/** Refusals about the claim as it stands, answered with its current card and the reason on it. */
/** A shared claim the viewer may not see: never said apart from one that does not exist. */
const NOT_SHARED = new Set<string>(['not-found', 'wrong-tenant', 'not-allowed']);
const CLAIM_REFUSALS = new Set<string>([
  'incomplete',
  'duplicate-claim',
  'invalid-transition',
  'window-closed',
  'own-organisation',
  'assignee-not-reviewer',
  'assignee-own-organisation',
  'already-assigned',
]);

// ---- what each verb accepts ------------------------------------------------------------------

const claimId = z.string().regex(/^CPOR-\d{4}-\d{6,}$/);
const version = z.number().int().positive();
/** Inputs left empty arrive as "" (or not at all): both mean "no comment". */
const optionalText = z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), z.string().trim().max(4000).optional());
const requiredText = z.string().trim().min(1).max(4000);
/** A multi-select Input.ChoiceSet sends "a,b"; the fallback path may send an array. */
const multiSelect = <T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((item) => item.trim())
            .filter(Boolean)
        : value,
    z.array(z.enum(values)).min(1),
  );

/** The claim reference every verb carries, plus the verb itself on the Action.Submit fallback path. */
const base = <V extends string>(verb: V) => ({ claimId, version, verb: z.literal(verb).optional() });

export const VERB_SCHEMAS = {
  refreshClaim: z.object(base('refreshClaim')).strict(),
  // A shared card (the search extension) names the claim only: it has no version to be stale.
  openSharedClaim: z.object({ claimId, verb: z.literal('openSharedClaim').optional() }).strict(),
  startReview: z.object(base('startReview')).strict(),
  requestInformation: z.object({ ...base('requestInformation'), infoReasons: multiSelect(INFORMATION_REASONS), infoComment: requiredText }).strict(),
  approve: z.object({ ...base('approve'), approveComment: optionalText }).strict(),
  reject: z.object({ ...base('reject'), rejectReason: z.enum(REVIEWER_REJECTION_REASONS), rejectComment: requiredText }).strict(),
  decideDispute: z.object({ ...base('decideDispute'), disputeOutcome: z.enum(['overturn', 'uphold']), disputeComment: optionalText }).strict(),
  submit: z.object(base('submit')).strict(),
  resubmit: z.object({ ...base('resubmit'), resubmitComment: optionalText }).strict(),
  comment: z.object({ ...base('comment'), commentText: requiredText }).strict(),
  withdraw: z.object({ ...base('withdraw'), withdrawComment: optionalText }).strict(),
  optOut: z.object({ ...base('optOut'), confirmed: z.literal(true).optional() }).strict(),
  edit: z.object(base('edit')).strict(),
  respond: z.object(base('respond')).strict(),
  dispute: z.object(base('dispute')).strict(),
  reassign: z.object({ ...base('reassign'), assignee: z.string().trim().min(3).max(300) }).strict(),
} as const;
export type CardVerb = keyof typeof VERB_SCHEMAS;

/** A selected claim as the queue card sends it: "<id>@<version>". */
const bulkClaim = z.string().regex(/^(CPOR-\d{4}-\d{6,})@(\d+)$/);

/**
 * The queue's bulk decision. The selection and the inputs of every show-card come along (a card
 * sends what its ancestors hold); the action decides which of them count.
 */
export const BULK_SCHEMA = z
  .object({
    verb: z.literal('bulkDecide').optional(),
    bulkAction: z.enum(BULK_ACTIONS),
    bulkClaims: z.preprocess(
      (value) =>
        typeof value === 'string'
          ? value
              .split(',')
              .map((item) => item.trim())
              .filter(Boolean)
          : value,
      z.array(bulkClaim).min(1).max(MAX_BULK_CLAIMS),
    ),
    bulkInfoReasons: z.preprocess((value) => (value === '' ? undefined : value), multiSelect(INFORMATION_REASONS).optional()),
    bulkInfoComment: optionalText,
    bulkRejectReason: z.preprocess((value) => (value === '' ? undefined : value), z.enum(REVIEWER_REJECTION_REASONS).optional()),
    bulkRejectComment: optionalText,
  })
  .strict();
type BulkData = z.infer<typeof BULK_SCHEMA>;
type DataOf<V extends CardVerb> = z.infer<(typeof VERB_SCHEMAS)[V]>;

/** Verbs that start a conversation (dialogs/): the card answers with the command to type. */
const CONVERSATION_VERBS: Partial<Record<CardVerb, { command: CommandVerb; action: Action }>> = {
  edit: { command: 'edit', action: 'edit' },
  respond: { command: 'respond', action: 'resubmit' },
  dispute: { command: 'dispute', action: 'dispute' },
};

/** One turn's caller: who they are, in which language and zone, and whether Teams clicked for them. */
interface Turn {
  context: TurnContext;
  actor: Actor;
  identity: TeamsIdentity;
  user: UserContext;
  automatic: boolean;
}

/** A verb's effect: the changed claim, or a card to answer with when nothing changed. */
type Outcome = { changed: Claim; note?: string } | { card: AdaptiveCard };

type Handler<V extends CardVerb> = (turn: Turn, data: DataOf<V>) => Promise<Outcome>;

export class CardActions {
  private readonly handlers: { [V in CardVerb]: Handler<V> };

  constructor(private readonly deps: CardActionsDeps) {
    const { claims } = deps;
    this.handlers = {
      refreshClaim: async (turn, data) => ({ card: await this.cardFor(turn, await claims.get(turn.actor, data.claimId)) }),
      openSharedClaim: (turn, data) => this.sharedClaim(turn, data.claimId),
      startReview: async (turn, data) => ({ changed: await claims.startReview(turn.actor, data.claimId, data.version) }),
      requestInformation: async (turn, data) => ({
        changed: await claims.requestInformation(turn.actor, data.claimId, data.version, {
          reasons: data.infoReasons,
          comment: data.infoComment,
        }),
      }),
      approve: async (turn, data) => ({
        changed: await claims.approve(turn.actor, data.claimId, data.version, withComment(data.approveComment)),
      }),
      reject: async (turn, data) => ({
        changed: await claims.reject(turn.actor, data.claimId, data.version, { reason: data.rejectReason, comment: data.rejectComment }),
      }),
      decideDispute: async (turn, data) => ({
        changed: await claims.decideDispute(turn.actor, data.claimId, data.version, {
          outcome: data.disputeOutcome,
          ...withComment(data.disputeComment),
        }),
      }),
      submit: async (turn, data) => ({ changed: await claims.submit(turn.actor, data.claimId, data.version) }),
      resubmit: async (turn, data) => ({
        changed: await claims.resubmit(turn.actor, data.claimId, data.version, withComment(data.resubmitComment)),
      }),
      comment: async (turn, data) => ({
        changed: await claims.comment(turn.actor, data.claimId, data.version, { text: data.commentText }),
        note: turn.user.translator.t('cards.note.commented'),
      }),
      withdraw: async (turn, data) => ({
        changed: await claims.withdraw(turn.actor, data.claimId, data.version, withComment(data.withdrawComment)),
      }),
      optOut: (turn, data) => this.optOut(turn, data),
      edit: (turn, data) => this.conversation(turn, 'edit', data),
      respond: (turn, data) => this.conversation(turn, 'respond', data),
      dispute: (turn, data) => this.conversation(turn, 'dispute', data),
      reassign: (turn, data) => this.reassign(turn, data),
    };
  }

  async handle(context: TurnContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const user = userContextOf(context.activity, this.deps.config.defaultLocale);
    const verb = value?.action?.verb;
    if (verb === 'bulkDecide') return this.bulk(context, user, value);
    if (verb === 'setAway' || verb === 'clearAway') return this.away(context, user, value, verb);
    if (typeof verb !== 'string' || !isCardVerb(verb)) {
      return errorResponse(user, new DomainError('validation', { issues: [{ field: 'verb', problem: 'invalid' }] }));
    }
    const parsed = VERB_SCHEMAS[verb].safeParse(value.action.data ?? {});
    if (!parsed.success) return errorResponse(user, validationError(parsed.error));
    const resolved = await this.turnOf(context, user, value, verb);
    if ('statusCode' in resolved) return resolved;
    const turn = resolved;
    const data = parsed.data as { claimId: string; version: number };
    try {
      // The clicked message gets the new card in this response; the copy updates the change
      // triggers leave it alone (an automatic refresh changes nothing).
      const clicked = turn.automatic ? undefined : clickedCardOf(context.activity);
      const outcome = await whileHandlingClick(clicked, turn.actor, (actor) => (this.handlers[verb] as Handler<CardVerb>)({ ...turn, actor }, parsed.data));
      if ('card' in outcome) return cardResponse(outcome.card);
      return cardResponse(await this.changedCard(turn, outcome.changed, outcome.note));
    } catch (error) {
      return this.recover(turn, data, error);
    }
  }

  /** Who clicked, as the directory knows them now; an error response when that cannot be told. */
  private async turnOf(context: TurnContext, user: UserContext, value: AdaptiveCardInvokeValue, verb: string): Promise<Turn | AdaptiveCardInvokeResponse> {
    const identity = identityOf(context.activity);
    if (!identity) return errorResponse(user, new DomainError('not-allowed', { action: verb }));
    try {
      // With the turn context, as for messages: a role granted by email is found on a click too.
      return { context, identity, user, actor: await this.deps.actors.resolve(identity, context), automatic: triggerOf(value, context) === 'automatic' };
    } catch (error) {
      this.report(`directory lookup failed for ${verb}`, error);
      return errorResponse(user, error);
    }
  }

  /**
   * A bulk decision from the queue: each selected claim decided on its own by the service, at the
   * version the queue showed (so a second click finds every claim changed and acts on none), and
   * the clicked queue replaced by what became of each.
   */
  private async bulk(context: TurnContext, user: UserContext, value: AdaptiveCardInvokeValue): Promise<AdaptiveCardInvokeResponse> {
    const parsed = BULK_SCHEMA.safeParse(value.action.data ?? {});
    if (!parsed.success) return errorResponse(user, validationError(parsed.error));
    const resolved = await this.turnOf(context, user, value, 'bulkDecide');
    if ('statusCode' in resolved) return resolved;
    const turn = resolved;
    const data = parsed.data;
    const items = data.bulkClaims.map((entry) => {
      const [claimId, version] = entry.split('@') as [string, string];
      return { claimId, version: Number(version) };
    });
    try {
      if (!turn.actor.roles.includes('reviewer')) throw new DomainError('not-allowed', { action: data.bulkAction });
      const outcomes = await this.deps.claims.decideMany(turn.actor, data.bulkAction, items, bulkInput(data));
      for (const outcome of outcomes)
        if (outcome.outcome === 'refused' && !isDomainError(outcome.error)) this.report(`bulk ${data.bulkAction} of ${outcome.claimId} failed`, outcome.error);
      return cardResponse(renderBulkResult(data.bulkAction, outcomes, { ...this.viewerOf(turn), role: 'reviewer' }));
    } catch (error) {
      if (!isDomainError(error)) this.report('bulk decision failed', error);
      return errorResponse(turn.user, error);
    }
  }

  /** The away card's buttons: the answer is the away card as it now stands. */
  private async away(
    context: TurnContext,
    user: UserContext,
    value: AdaptiveCardInvokeValue,
    verb: 'setAway' | 'clearAway',
  ): Promise<AdaptiveCardInvokeResponse> {
    const resolved = await this.turnOf(context, user, value, verb);
    if ('statusCode' in resolved) return resolved;
    try {
      if (!this.deps.away) throw new DomainError('not-allowed', { action: verb });
      // A refresh never changes anything: it only shows the card.
      if (resolved.automatic) return cardResponse(await this.deps.away.card(resolved.actor, user, this.viewerOf(resolved)));
      return cardResponse(await this.deps.away.invoke(resolved.actor, user, this.viewerOf(resolved), verb, value.action.data));
    } catch (error) {
      if (error instanceof z.ZodError) return errorResponse(user, validationError(error));
      if (!isDomainError(error)) this.report(`${verb} failed`, error);
      return errorResponse(user, error);
    }
  }

  // ---- verbs with more than one service call ----------------------------------------------

  /** Two steps: the first click returns the confirmation, the second (`confirmed`) opts out. */
  private async optOut(turn: Turn, data: DataOf<'optOut'>): Promise<Outcome> {
    const { claims } = this.deps;
    const claim = await claims.get(turn.actor, data.claimId);
    // The service's own rule, so a partner or reviewer is refused at the first click too.
    authorize('optOut', turn.actor, claim);
    if (!data.confirmed) {
      if (claim.version !== data.version) throw new DomainError('stale-version', { claimId: claim.id, version: claim.version });
      // The service's whole check (status, phase and the deadline itself), before asking to confirm.
      if (!claims.allowedActions(turn.actor, claim).has('optOut')) {
        throw new DomainError('window-closed', { claimId: claim.id, window: 'consent' });
      }
      return { card: renderConsentNotice(claim, this.viewer(turn, claim), { confirming: true, ...this.refreshFor(turn) }) };
    }
    const changed = await claims.optOut(turn.actor, data.claimId, data.version);
    return { changed, note: turn.user.translator.t('cards.note.optedOut') };
  }

  /** The picked reviewer as the directory knows them now; the service decides whether they may have it. */
  private async reassign(turn: Turn, data: DataOf<'reassign'>): Promise<Outcome> {
    const picked = parseReviewerChoice(data.assignee);
    if (!picked) throw new DomainError('validation', { issues: [{ field: 'assignee', problem: 'invalid' }] });
    const assignee = await this.deps.actors.resolve({ ...picked, teamsUserId: '' });
    const changed = await this.deps.claims.reassign(turn.actor, data.claimId, data.version, { assignee });
    const name = changed.assignedReviewer?.name ?? picked.userId;
    return { changed, note: turn.user.translator.t('cards.note.reassigned', { reviewer: literal(name) }) };
  }

  /**
   * Each viewer of a shared card gets their own view: the claim card a partner or reviewer would
   * get, the consent notice for the customer, and for anyone else the same refusal whether or not
   * the claim exists.
   */
  private async sharedClaim(turn: Turn, claimId: string): Promise<Outcome> {
    let claim: Claim;
    try {
      claim = await this.deps.claims.get(turn.actor, claimId);
    } catch (error) {
      if (isDomainError(error) && NOT_SHARED.has(error.code)) return { card: renderSharedClaimRefused(claimId, turn.user.translator) };
      throw error;
    }
    const viewer = this.viewer(turn, claim);
    return { card: viewer.role === 'customer' ? renderConsentNotice(claim, viewer, this.refreshFor(turn)) : await this.cardFor(turn, claim) };
  }

  /**
   * Edit, respond and dispute continue in the chat: the click starts the dialog there (in the 1:1
   * chat; elsewhere the reader is told to use it) and the clicked card stays as it is.
   */
  private async conversation(turn: Turn, verb: CardVerb, data: { claimId: string }): Promise<Outcome> {
    const claim = await this.deps.claims.get(turn.actor, data.claimId);
    const { command: commandVerb, action } = CONVERSATION_VERBS[verb]!;
    // Only what the conversation could finish: the service's own answer, before anything is typed.
    if (!this.deps.claims.allowedActions(turn.actor, claim).has(action)) {
      authorize(action, turn.actor, claim);
      throw new DomainError('invalid-transition', { claimId: claim.id, status: claim.status, action });
    }
    if (turn.automatic) return { card: await this.cardFor(turn, claim) };
    const conversationType = turn.context.activity.conversation?.conversationType;
    if (!this.deps.startConversation || (conversationType && conversationType !== 'personal')) {
      const command = commandText(this.viewer(turn, claim), commandVerb, claim.id);
      const note = turn.user.translator.t('cards.note.continueInChat', { command });
      await turn.context.sendActivity(note);
      return { card: await this.cardFor(turn, claim, note) };
    }
    await this.deps.startConversation(turn.context, turn.actor, turn.user, { verb: commandVerb, claimId: claim.id, rest: '' });
    return { card: await this.cardFor(turn, claim) };
  }

  // ---- outcomes -----------------------------------------------------------------------------

  /** The updated card for the invoke response, which replaces the clicked card for the clicker. */
  private async changedCard(turn: Turn, claim: Claim, note?: string): Promise<AdaptiveCard> {
    const viewer = this.viewer(turn, claim);
    if (viewer.role === 'customer') return renderConsentNotice(claim, viewer, { ...this.refreshFor(turn), ...(note ? { note } : {}) });
    const allowed = this.deps.claims.allowedActions(turn.actor, claim);
    return renderClaimCard(claim, viewer, {
      allowed,
      ...this.refreshFor(turn),
      ...(await this.linksFor(turn, claim)),
      ...(await reviewerChoicesFor(this.deps.reviewers, allowed, claim)),
      note: note ?? turn.user.translator.t('cards.note.done', { status: turn.user.translator.t(`claims.status.${claim.status}`) }),
    });
  }

  /**
   * A stale or repeated click changes nothing and shows the current card with a note; a customer
   * too late for the window gets the read-only notice. Everything else is an error response.
   */
  private async recover(turn: Turn, data: { claimId: string; version: number }, error: unknown): Promise<AdaptiveCardInvokeResponse> {
    if (isDomainError(error) && ['stale-version', 'invalid-transition', 'window-closed'].includes(error.code)) {
      let current: Claim | undefined;
      try {
        current = await this.deps.claims.get(turn.actor, data.claimId);
      } catch {
        current = undefined;
      }
      const stale = current !== undefined && current.version !== data.version;
      if (current && error.code === 'window-closed' && isCustomerOf(turn.actor, current)) {
        return cardResponse(
          renderConsentNotice(current, this.viewer(turn, current), {
            outcome: current.status === 'Rejected' && current.rejection?.reason === 'customer-declined' ? 'opted-out' : 'closed',
            note: turn.user.translator.t('cards.note.windowClosed'),
            ...this.refreshFor(turn),
          }),
        );
      }
      if (current && stale) return cardResponse(await this.cardFor(turn, current, turn.user.translator.t('cards.note.stale')));
    }
    // The claim refuses what was asked as it stands (incomplete, a duplicate, the wrong status):
    // the reason goes on the card, where the person looks, not into an error banner.
    if (isDomainError(error) && CLAIM_REFUSALS.has(error.code)) {
      const current = await this.deps.claims.get(turn.actor, data.claimId).catch(() => undefined);
      if (current && relationOf(turn.actor, current) !== 'customer') {
        return cardResponse(await this.cardFor(turn, current, describeError(turn.user.translator, error)));
      }
    }
    if (!isDomainError(error)) this.report('card action failed', error);
    return errorResponse(turn.user, error);
  }

  private async cardFor(turn: Turn, claim: Claim, note?: string): Promise<AdaptiveCard> {
    const allowed = this.deps.claims.allowedActions(turn.actor, claim);
    return renderClaimCard(claim, this.viewer(turn, claim), {
      allowed,
      ...this.refreshFor(turn),
      ...(await this.linksFor(turn, claim)),
      ...(await reviewerChoicesFor(this.deps.reviewers, allowed, claim)),
      ...(note ? { note } : {}),
    });
  }

  /** The answered card keeps refreshing for the person who clicked. */
  private refreshFor(turn: Turn): { refreshUserIds: string[] } {
    return { refreshUserIds: [turn.identity.teamsUserId] };
  }

  private async linksFor(turn: Turn, claim: Claim): Promise<{ poeLinks?: Record<string, string> }> {
    return this.deps.poeLinks ? { poeLinks: await this.deps.poeLinks.linksFor(turn.actor, claim) } : {};
  }

  private viewerOf(turn: Turn): Viewer {
    return {
      userId: turn.actor.userId,
      teamsUserId: turn.identity.teamsUserId,
      role: 'observer',
      translator: turn.user.translator,
      timeZone: turn.user.timeZone,
      now: this.deps.clock.now(),
    };
  }

  private viewer(turn: Turn, claim: Claim): Viewer {
    return {
      userId: turn.actor.userId,
      teamsUserId: turn.identity.teamsUserId,
      role: relationOf(turn.actor, claim),
      translator: turn.user.translator,
      timeZone: turn.user.timeZone,
      now: this.deps.clock.now(),
    };
  }

  private report(message: string, error: unknown): void {
    (this.deps.log ?? ((text, cause) => console.error(text, cause)))(message, error);
  }
}

/**
 * Teams sends `trigger` ("manual", or "automatic" for a refresh) in the invoke value, but
 * botbuilder's ActivityHandler rebuilds the value without it: read the activity's own value too.
 */
function triggerOf(value: AdaptiveCardInvokeValue, context: TurnContext): string | undefined {
  for (const source of [value, context.activity.value] as unknown[]) {
    const trigger = (source as { trigger?: unknown } | undefined)?.trigger;
    if (typeof trigger === 'string') return trigger;
  }
  return undefined;
}

/** The reassignment picker's reviewers, read only when the reader may reassign the claim now. */
export async function reviewerChoicesFor(
  reviewers: ReviewerChoices | undefined,
  allowed: ReadonlySet<Action>,
  claim: Claim,
): Promise<{ reviewers?: ReviewerChoice[] }> {
  if (!reviewers || !allowed.has('reassign')) return {};
  return { reviewers: await reviewers.forClaim(claim) };
}

function isCardVerb(verb: string): verb is CardVerb {
  return Object.hasOwn(VERB_SCHEMAS, verb);
}

/** The input shared by the batch, from the fields of the action's own form. */
function bulkInput(data: BulkData): Record<string, unknown> {
  switch (data.bulkAction) {
    case 'reject':
      return { reason: data.bulkRejectReason, comment: data.bulkRejectComment };
    case 'requestInformation':
      return { reasons: data.bulkInfoReasons, comment: data.bulkInfoComment };
    default:
      return {};
  }
}

function validationError(error: z.ZodError): DomainError {
  const issues: FieldIssue[] = error.issues.map((issue) => ({
    field: issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : String(issue.path[0] ?? 'input'),
    problem: issue.code === 'unrecognized_keys' ? 'unknown-field' : issue.input === undefined ? 'required' : 'invalid',
  }));
  return new DomainError('validation', { issues });
}

function withComment(comment: string | undefined): { comment?: string } {
  return comment ? { comment } : {};
}

function cardResponse(card: AdaptiveCard): AdaptiveCardInvokeResponse {
  return { statusCode: 200, type: ADAPTIVE_CARD_CONTENT_TYPE, value: card };
}

/** Universal Actions know 400 and 500 (and 401/412); 403 and 409 carry more meaning, so they stay. */
function errorResponse(user: UserContext, reported: unknown): AdaptiveCardInvokeResponse {
  const error = publicError(reported);
  const status = isDomainError(error) ? (error.httpStatus === 404 ? 400 : error.httpStatus) : 500;
  const code = isDomainError(error) ? error.code : 'unexpected';
  return {
    statusCode: status,
    type: ERROR_CONTENT_TYPE,
    value: { code, message: describeError(user.translator, error) } as unknown as AdaptiveCardInvokeResponse['value'],
  };
}
