import { z } from 'zod';
import { renderAwayCard } from '../cards/awayCard.js';
import { parseReviewerChoice, type ReviewerChoice } from '../cards/claimCard.js';
import { describeError } from '../cards/i18n/errorMessages.js';
import type { AdaptiveCard } from '../cards/template.js';
import type { Viewer } from '../cards/viewer.js';
import type { UserContext } from '../dialogs/userContext.js';
import type { Actor } from '../services/actor.js';
import { BusinessCalendar } from '../services/businessCalendar.js';
import type { Clock } from '../services/clock.js';
import { DomainError, isDomainError } from '../services/errors.js';
import type { ReviewerDelegations } from '../services/reviewers/delegations.js';
import type { ActorResolver } from './actorResolver.js';
import { matchingReviewers, type ReviewerChoices } from './reviewerChoices.js';

// Out-of-office, seen from the chat: the `away` command and the away card's two buttons. A typed
// or picked last day ends at midnight in the reviewer's own zone; the delegate is whoever the
// directory says they are now, and the delegation service decides whether they may stand in.

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const SET_AWAY_SCHEMA = z
  .object({ verb: z.literal('setAway').optional(), awayUntil: z.string().regex(DATE), awayDelegate: z.string().trim().min(3).max(300) })
  .strict();
export const CLEAR_AWAY_SCHEMA = z.object({ verb: z.literal('clearAway').optional() }).strict();

export interface AwayActionsDeps {
  delegations: ReviewerDelegations;
  reviewers: ReviewerChoices;
  actors: ActorResolver;
  clock: Clock;
}

export class AwayActions {
  constructor(private readonly deps: AwayActionsDeps) {}

  /** The reviewer's away card, with a note on top when something was just done or refused. */
  async card(actor: Actor, user: UserContext, viewer: Viewer, note?: string): Promise<AdaptiveCard> {
    if (!actor.roles.includes('reviewer')) throw new DomainError('not-allowed', { action: 'away' });
    const current = await this.deps.delegations.current(actor);
    const reviewers = await this.deps.reviewers.forDelegation(actor);
    const today = new BusinessCalendar(user.timeZone, []).localDateString(this.deps.clock.now());
    return renderAwayCard(current, reviewers, viewer, { today, ...(note ? { note } : {}) });
  }

  /** `away` alone shows the card; `away 2026-12-04 Rob` sets the absence, the delegate found by name or email. */
  async command(actor: Actor, user: UserContext, viewer: Viewer, rest: string): Promise<AdaptiveCard> {
    const words = rest.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) return this.card(actor, user, viewer);
    const [date, ...name] = words as [string, ...string[]];
    const t = user.translator;
    if (!DATE.test(date) || name.length === 0) return this.card(actor, user, viewer, t.t('cards.away.usage'));
    const matches = matchingReviewers(await this.deps.reviewers.forDelegation(actor), name.join(' '));
    if (matches.length !== 1) {
      const key = matches.length === 0 ? 'cards.away.noMatch' : 'cards.away.manyMatches';
      return this.card(actor, user, viewer, t.t(key, { names: t.formatList(matches.map((choice) => choice.name)) }));
    }
    return this.set(actor, user, viewer, date, matches[0]!);
  }

  /** The away card's Set and I'm back buttons. */
  async invoke(actor: Actor, user: UserContext, viewer: Viewer, verb: 'setAway' | 'clearAway', data: unknown): Promise<AdaptiveCard> {
    if (verb === 'clearAway') {
      CLEAR_AWAY_SCHEMA.parse(data ?? {});
      const cleared = await this.deps.delegations.clear(actor);
      return this.card(actor, user, viewer, user.translator.t(cleared ? 'cards.away.cleared' : 'cards.away.notAway'));
    }
    const parsed = SET_AWAY_SCHEMA.safeParse(data ?? {});
    const picked = parsed.success ? parseReviewerChoice(parsed.data.awayDelegate) : undefined;
    if (!parsed.success || !picked)
      throw new DomainError('validation', { issues: [{ field: parsed.success ? 'awayDelegate' : 'awayUntil', problem: 'invalid' }] });
    return this.set(actor, user, viewer, parsed.data.awayUntil, { ...picked, name: picked.userId });
  }

  private async set(actor: Actor, user: UserContext, viewer: Viewer, date: string, picked: ReviewerChoice): Promise<AdaptiveCard> {
    const delegate = await this.deps.actors.resolve({ userId: picked.userId, tenantId: picked.tenantId, teamsUserId: '' });
    const until = new BusinessCalendar(user.timeZone, []).endOfLocalDay(date);
    try {
      await this.deps.delegations.set(actor, { until: until.toISOString(), delegate });
    } catch (error) {
      // Refused as asked: the card again, with the reason where the reviewer looks.
      if (isDomainError(error) && error.code !== 'not-allowed') return this.card(actor, user, viewer, describeError(user.translator, error));
      throw error;
    }
    return this.card(actor, user, viewer, user.translator.t('cards.away.saved'));
  }
}
